from django.db import migrations

# The parcel tile's land use is each parcel's largest use (maps/layers.py): one index-only probe of
# this index per parcel instead of an index scan, a heap fetch per use and a sort (docs/BENCHMARKS.md).
INDEX = """
CREATE INDEX maps_landuse_largest ON assets_landuse (parcel_id, area_sq_wah DESC, id) INCLUDE (use);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0003_tile_geometry_and_invalidation"),
        ("assets", "0004_parcel_code_index_covers_the_assessment_read"),
    ]

    operations = [migrations.RunSQL(INDEX, "DROP INDEX maps_landuse_largest")]
