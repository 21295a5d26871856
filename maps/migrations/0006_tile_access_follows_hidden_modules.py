from django.db import migrations

from maps import triggers


class Migration(migrations.Migration):
    """Cached tile permissions are forgotten when a municipality hides or shows a module (its layers close)."""

    dependencies = [
        ("maps", "0005_bulk_change_triggers"),
        ("catalogue", "0002_catalogue_of_existing_municipalities"),
    ]

    operations = [migrations.RunSQL(triggers.SETTINGS_ACCESS, triggers.SETTINGS_ACCESS_REVERSE)]
