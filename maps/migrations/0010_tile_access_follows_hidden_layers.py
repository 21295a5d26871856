from django.db import migrations

from maps import triggers

# Cached tile permissions are forgotten when a municipality hides or shows a layer too (its tile layer
# closes, or its kind leaves the infrastructure tiles). Going back leaves these triggers: they only
# make the processes forget permissions a little more often.


class Migration(migrations.Migration):
    dependencies = [("maps", "0009_parcel_main_use")]

    operations = [migrations.RunSQL(triggers.SETTINGS_ACCESS, migrations.RunSQL.noop)]
