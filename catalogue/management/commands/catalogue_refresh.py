from django.core.management.base import BaseCommand

from catalogue import services
from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to


class Command(BaseCommand):
    help = "นับจำนวนระเบียนของแคตตาล็อกใหม่ทั้งหมด / Recount every catalogue entry (after changes made outside the app)."

    def handle(self, *args, **options):
        with platform_scope():
            municipalities = list(Municipality.objects.order_by("code"))
        for m in municipalities:
            with scoped_to(m):
                services.catalogue_sync(m)
                datasets = services.dataset_refresh(services.selectors.datasets_of(m), force=True)
            self.stdout.write(f"{m.code} {m.display_name}: {len(datasets)}")
