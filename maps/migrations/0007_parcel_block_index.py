from django.db import migrations

# The triggers add a statement's tax to the blocks of its parcels (maps/triggers.py `_revenue_delta`):
# for an assessment run that is a join of 1.1M status rows with every parcel. Through this index it is an
# index-only scan of ~40 MB instead of the parcel table's 650 MB heap with its geometry, which the run
# itself no longer reads (it reads the parcel-code index), so that the heap was often cold by then
# (docs/BENCHMARKS.md, assessment run, fourth pass).
INDEX = "CREATE INDEX maps_parcel_block ON assets_parcel (id) INCLUDE (municipality_id, block_id);"


class Migration(migrations.Migration):
    dependencies = [("maps", "0006_tile_access_follows_hidden_modules")]

    operations = [migrations.RunSQL(INDEX, "DROP INDEX maps_parcel_block")]
