"""Benchmark: the yearly assessment run of the 1,000,000-parcel benchmark town.

    THESABAN_DB_NAME=thesaban_taxes .venv/bin/python manage.py seed_demo --parcels 1000000   # once, ~4-6 min
    THESABAN_DB_NAME=thesaban_taxes .venv/bin/python bench/assess.py [--workers N] [--year 2026]

Runs `taxes.services.assessment_run` (the same service as `manage.py assess` and the officer's
button) and prints the time spent waiting on the database (COPY out, COPY in, the status rows,
the commit) apart from the time spent parsing and computing in Python, and the CPU seconds used by
our database backend and by the Python processes (these do not grow when other developers load the
shared machine; the WAL writer and checkpointer are not counted). Then it checks the run:
as many rows as holdings and signboards, and a sample of rows recomputed through the public
calculator from their stored facts. Goals (issue 3): under 10 s of database time, under 60 s end
to end. Results go into docs/BENCHMARKS.md.
"""

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from fixtures.bulk import LARGE  # noqa: E402
from municipalities.models import Municipality  # noqa: E402
from municipalities.tenancy import platform_scope, scoped_to  # noqa: E402
from taxes.models import Assessment  # noqa: E402
from taxes.services import assessment_run, recompute  # noqa: E402


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_cpu(pid: int) -> float:
    """CPU seconds used so far by our PostgreSQL backend (same machine: /proc), whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def python_cpu() -> float:
    """CPU seconds of this process and of the worker processes it waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="processes for the rules (default: 2 if large)")
    parser.add_argument("--sample", type=int, default=2000, help="rows recomputed through the calculator")
    args = parser.parse_args()
    with platform_scope():
        town = Municipality.objects.filter(code=LARGE.code).first()
    if town is None:
        sys.exit("the benchmark town is missing: run `manage.py seed_demo --parcels 1000000` first")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM assets_parcel WHERE municipality_id = %s", [town.pk])
        parcels = cursor.fetchone()[0]
    print(f"{town.display_name}: {parcels:,} parcels, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    backend = backend_pid()
    db_cpu, py_cpu = backend_cpu(backend), python_cpu()
    started = time.perf_counter()
    with scoped_to(town):
        run = assessment_run(municipality=town, tax_year=args.year, workers=args.workers)
    wall = time.perf_counter() - started
    cpu = {
        "database_backend": round(backend_cpu(backend) - db_cpu, 2),
        "python_all_processes": round(python_cpu() - py_cpu, 2),
    }
    seconds = run.stats["seconds"]
    print(json.dumps({"run": run.pk, "wall_seconds": round(wall, 2), **seconds, "cpu_seconds": cpu}, indent=1))
    print(f"holdings {run.stats['holdings']:,}, signboards {run.stats['signboards']:,}")
    with scoped_to(town):
        rows = Assessment.objects.filter(run=run).count()
        assert rows == run.stats["holdings"] + run.stats["signboards"], rows
        ids = list(Assessment.objects.filter(run=run).values_list("id", flat=True))
        sample = Assessment.objects.filter(id__in=random.Random(1).sample(ids, min(args.sample, len(ids))))
        mismatches = [a.pk for a in sample if str(a.tax) != recompute(a)["tax"]]
    print(f"{rows:,} rows; {len(sample)} recomputed through the calculator, mismatches: {len(mismatches)}")
    print(f"goals: database {seconds['database']} s (< 10), end to end {wall:.1f} s (< 60)")


if __name__ == "__main__":
    main()
