import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalogue import national
from catalogue.models import NationalExport
from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to


class Command(BaseCommand):
    help = (
        "เขียนชุดข้อมูลสรุประดับประเทศของเทศบาล (ไม่มีข้อมูลส่วนบุคคล) / Write the municipality's anonymised "
        "aggregate package for the national roll-up (GeoParquet + JSON, docs/NATIONAL_PACKAGE.md): of every "
        "municipality on this platform (one on its own PostGIS), or of those named with --municipality."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Tax year (C.E.), e.g. 2026.")
        parser.add_argument(
            "--municipality", action="append", help="Municipality code (DOPA); repeat for several. Default: all."
        )
        parser.add_argument(
            "--out", type=Path, default=None, help="Folder for the packages (default var/national/packages)."
        )

    def handle(self, *args, year, municipality, out, **options):
        out = out or Path(settings.NATIONAL_ROLLUP_DIR) / "packages"
        with platform_scope():
            chosen = Municipality.objects.all()
            if municipality:
                chosen = chosen.filter(code__in=municipality)
            chosen = list(chosen.order_by("code"))
        unknown = set(municipality or []) - {m.code for m in chosen}
        if unknown or not chosen:
            raise CommandError(
                f"ไม่พบเทศบาลรหัส {', '.join(sorted(unknown)) or '-'} / no municipality with code(s) {sorted(unknown)}"
            )
        for m in chosen:
            with scoped_to(m):
                folder = national.write_package(m, tax_year=year, out_dir=out)
                manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
                NationalExport.objects.create(
                    municipality=m,
                    tax_year=year,
                    schema_version=national.SCHEMA_VERSION,
                    path=str(folder),
                    cells=manifest["tables"]["cells.parquet"]["rows"],
                    suppressed=manifest["suppression"]["parcels_withheld"],
                )
            self.stdout.write(self.style.SUCCESS(f"{m.display_name}: {folder}"))
