from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from municipalities import backups


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`, replacing the database's contents (one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", help="restore into this database on the same server instead")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, path, database=None, yes=False, **options):
        if not yes and input(f"Replace the contents of {database or 'the database'} with {path}? [y/N] ") != "y":
            raise CommandError("restore cancelled")
        backups.restore(path, database)
        self.stdout.write(self.style.SUCCESS(f"restored {path}"))
