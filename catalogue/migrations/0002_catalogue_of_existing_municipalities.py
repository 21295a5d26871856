from django.db import migrations


def forward(apps, schema_editor):
    """Municipalities created before the catalogue existed get their register layers listed."""
    from catalogue.services import catalogue_sync

    Municipality = apps.get_model("municipalities", "Municipality")
    Dataset = apps.get_model("catalogue", "Dataset")
    for municipality in Municipality._base_manager.all():
        catalogue_sync(municipality, model=Dataset)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial"), ("municipalities", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
