from django.db import migrations

from maps import triggers

# The watched tables' trigger functions, faster on a bulk change (a run's million status rows, an
# import): the bulk test stops at row 501 instead of counting every row, the municipalities are
# found with a hashed DISTINCT, and the function runs with enough work_mem for the join of the
# status rows to their blocks not to spill to disk. Going back leaves these bodies: they behave
# the same.


class Migration(migrations.Migration):
    dependencies = [("maps", "0004_tile_land_use_index")]

    operations = [migrations.RunSQL(triggers.FUNCTIONS, migrations.RunSQL.noop)]
