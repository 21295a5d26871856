from django.db import migrations

from maps import triggers

# Each parcel's largest land use kept on the parcel for the tiles (maps/triggers.py MAIN_USE), filled
# for the parcels there are. The index of 0004 stays: the trigger finds a parcel's largest use with it.
# The fill rewrites every parcel under an exclusive lock: tiles and edits wait for it (a 1M-parcel town
# here: under a minute, with the other migrations of the same day; VACUUM the parcels after it).


class Migration(migrations.Migration):
    dependencies = [("maps", "0008_a_run_brings_its_block_revenue")]

    operations = [migrations.RunSQL(triggers.MAIN_USE, triggers.MAIN_USE_REVERSE)]
