from django.db import migrations

from maps import triggers


class Migration(migrations.Migration):
    """3857 copies of zones, blocks and signs for the tile SQL; the triggers that keep the tile caches and
    the blocks' revenue true, and that revenue counted once for the runs already written."""

    dependencies = [
        ("maps", "0002_block_revenue"),
        ("assets", "0001_initial"),
        ("municipalities", "0001_initial"),
        ("taxes", "0002_tax_status_view"),
        ("works", "0001_initial"),
        ("sessions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(triggers.GEOMETRY, triggers.GEOMETRY_REVERSE),
        migrations.RunSQL(triggers.TRIGGERS, triggers.TRIGGERS_REVERSE),
        migrations.RunSQL(triggers.REVENUE_FILL, migrations.RunSQL.noop),
    ]
