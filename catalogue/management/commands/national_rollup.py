import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalogue.rollup import PackageRefused, rollup


class Command(BaseCommand):
    help = (
        "รวมชุดข้อมูลสรุปของเทศบาลจำนวนมากเป็นภาพรวมประเทศ (dask-geopandas) / Merge municipalities' national "
        "packages into the national view shown at /catalogue/national/."
    )

    def add_arguments(self, parser):
        parser.add_argument("packages", nargs="+", type=Path, help="Package folders (written by export_national).")
        parser.add_argument("--out", type=Path, default=None, help="Output folder (default var/national/latest).")
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="Start a local Dask cluster of this many worker processes (0: threads).",
        )
        parser.add_argument("--scheduler", default="", help="Address of a running Dask scheduler (tcp://host:8786).")

    def handle(self, *args, packages, out, workers, scheduler, **options):
        out = out or Path(settings.NATIONAL_ROLLUP_DIR) / "latest"
        client = cluster = None
        if scheduler or workers:
            from distributed import Client, LocalCluster

            if scheduler:
                client = Client(scheduler)
            else:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
                client = Client(cluster)
        started = time.perf_counter()
        try:
            summary = rollup(packages, out_dir=out)
        except PackageRefused as error:
            raise CommandError(str(error)) from None
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        self.stdout.write(self.style.SUCCESS(f"{out} ({time.perf_counter() - started:.1f} s)"))
