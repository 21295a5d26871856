from django.db import migrations

from maps import triggers

# A new run copies its status rows in with their blocks' revenue (taxes.runs.copy_status): the trigger
# functions leave an INSERT's revenue alone when `maps.revenue_given` is on for it. The index of
# 0007 was added for the trigger's join of a run's million status rows with the parcels, which no
# longer happens; an import no longer builds it. The same join still runs, through the parcel heap,
# when many status rows are deleted or updated at once (a failed run's rows discarded, notices
# issued to a whole town): not measured since. Going back leaves the new bodies: without the setting
# they behave as before.


class Migration(migrations.Migration):
    dependencies = [("maps", "0007_parcel_block_index")]

    operations = [
        migrations.RunSQL(triggers.FUNCTIONS, migrations.RunSQL.noop),
        migrations.RunSQL(
            "DROP INDEX maps_parcel_block",
            "CREATE INDEX maps_parcel_block ON assets_parcel (id) INCLUDE (municipality_id, block_id);",
        ),
    ]
