from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from municipalities import backups


class Command(BaseCommand):
    help = "Back up the whole database with pg_dump (custom format). Restore it with `manage.py restore`."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="file to write (default: var/backups/thesaban-<time>.dump)")

    def handle(self, *args, output=None, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = output or Path(settings.BASE_DIR) / "var" / "backups" / f"thesaban-{stamp}.dump"
        backups.backup(path)
        self.stdout.write(self.style.SUCCESS(f"{path} ({path.stat().st_size:,} bytes)"))
