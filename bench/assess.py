"""Benchmark: the yearly assessment run of the 1,000,000-parcel benchmark town.

    THESABAN_DB_NAME=thesaban_taxes .venv/bin/python manage.py seed_demo --parcels 1000000   # once, ~6-12 min
    THESABAN_DB_NAME=thesaban_taxes .venv/bin/python bench/assess.py [--workers N] [--year 2026] [--runs 1]
    THESABAN_DB_NAME=thesaban_taxes .venv/bin/python bench/compare --rounds 3 -- bench/assess.py

Runs `taxes.services.assessment_run` (the same service as `manage.py assess` and the officer's
button) and prints the time spent waiting on the database (COPY out, COPY in, the status rows,
the commit) apart from the time spent parsing and computing in Python, and the CPU seconds used by
our database backends (the run's connection and, when it uses one, its second connection) and by
the Python processes: these do not grow when other developers load the shared machine (the WAL
writer and checkpointer are not counted). Before each run it vacuums the rows of the run before and
checkpoints (`settle`, not timed), and it records how much of the 10 s before the run the machine
spent stalled on its disk (`io_stalled`, from /proc/pressure/io; `settle`'s own writes count in it).
Then it checks the run: as many rows as holdings and signboards, and a sample of rows recomputed
through the public calculator from their stored facts.
Goals (issue 3): under 10 s of database time, under 60 s end to end. Results go into
docs/BENCHMARKS.md. `--tree DIR` benchmarks the code of another checkout (bench/compare uses it to
run the baseline side by side); the last line of the output is the result as JSON. `--priority N`
(root only) runs this process, its workers and its database backends N steps ahead of everyone else
(nice −N): on a machine shared with other people's test suites it comes closer to having the two
cores to itself; say so when you quote such figures.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

TREE = Path(sys.argv[sys.argv.index("--tree") + 1]) if "--tree" in sys.argv else Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TREE.resolve()))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from fixtures.bulk import LARGE  # noqa: E402
from municipalities.models import Municipality  # noqa: E402
from municipalities.tenancy import platform_scope, scoped_to  # noqa: E402
from taxes import runs  # noqa: E402
from taxes.models import Assessment  # noqa: E402
from taxes.services import assessment_run, recompute  # noqa: E402


def backend_pid(conn) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def backend_cpu(pid: int) -> float:
    """CPU seconds used so far by a PostgreSQL backend (same machine: /proc), whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def python_cpu() -> float:
    """CPU seconds of this process and of the worker processes it waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class SecondBackends:
    """CPU seconds of the run's second connections (taxes.runs.Beside), read just before they close;
    with `priority`, their backends get it as soon as they open."""

    def __init__(self, priority: int):
        self.seconds = 0.0
        beside = getattr(runs, "Beside", None)
        if beside is None:  # an older revision (bench/compare): one connection only
            return
        init, close, meter = beside.__init__, beside.close, self

        def prioritised_init(self):
            init(self)
            if priority:
                os.setpriority(os.PRIO_PROCESS, backend_pid(self.connection), -priority)

        def measured_close(self):
            self.wait()
            meter.seconds += backend_cpu(backend_pid(self.connection))
            close(self)

        beside.__init__ = prioritised_init
        beside.close = measured_close


def io_stalled() -> float | None:
    """The share (%) of the last 10 s in which every task of the machine waited on the disk (the kernel's
    pressure stall information, `full avg10`), or None where the kernel does not report it."""
    try:
        full = Path("/proc/pressure/io").read_text().splitlines()[1]
    except (OSError, IndexError):
        return None
    return float(full.split()[1].split("=")[1])


def settle() -> float:
    """Vacuum what the run before left and checkpoint; returns the seconds it took (not part of any run).

    Each run leaves 2.2M new rows and about a gigabyte of WAL. A town's yearly run finds the rows of
    its predecessor long vacuumed and checkpointed; back-to-back benchmark runs would otherwise meet
    autovacuum reading and writing them, or a checkpoint flushing them, halfway through.
    """
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) taxes_assessment, taxes_taxstatus, maps_blockrevenue")
        cursor.execute("CHECKPOINT")
    return round(time.perf_counter() - began, 1)


def one_run(town, year, workers, sample, seconds_beside) -> dict:
    settled = settle()
    load, stalled = os.getloadavg()[0], io_stalled()
    backend = backend_pid(connection)
    db_cpu, py_cpu, beside_cpu = backend_cpu(backend), python_cpu(), seconds_beside.seconds
    started = time.perf_counter()
    with scoped_to(town):
        run = assessment_run(municipality=town, tax_year=year, workers=workers)
    wall = time.perf_counter() - started
    seconds = run.stats["seconds"]
    result = {
        "run": run.pk,
        "load": round(load, 2),
        "io_stalled": stalled,  # % of the 10 s before the run, settle() included
        "settled": settled,
        "wall": round(wall, 2),
        "database": seconds["database"],
        **{k: v for k, v in seconds["steps"].items()},
        "cpu_backends": round(backend_cpu(backend) - db_cpu + seconds_beside.seconds - beside_cpu, 2),
        "cpu_python": round(python_cpu() - py_cpu, 2),
    }
    print(json.dumps(result), flush=True)
    with scoped_to(town):
        rows = Assessment.objects.filter(run=run).count()
        assert rows == run.stats["holdings"] + run.stats["signboards"], rows
        ids = list(Assessment.objects.filter(run=run).values_list("id", flat=True))
        chosen = Assessment.objects.filter(id__in=random.Random(1).sample(ids, min(sample, len(ids))))
        mismatches = [a.pk for a in chosen if str(a.tax) != recompute(a)["tax"]]
    print(f"{rows:,} rows; {len(chosen)} recomputed through the calculator, mismatches: {len(mismatches)}")
    assert not mismatches, mismatches
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None, help="processes for the rules (default: 2 if large)")
    parser.add_argument("--sample", type=int, default=2000, help="rows recomputed through the calculator")
    parser.add_argument("--runs", type=int, default=1, help="runs one after the other (medians printed)")
    parser.add_argument("--tree", help="benchmark the code of this checkout instead")
    parser.add_argument("--priority", type=int, default=0, help="nice -N for this run's processes (root only)")
    args = parser.parse_args()
    if args.priority:
        os.nice(-args.priority)
        os.setpriority(os.PRIO_PROCESS, backend_pid(connection), -args.priority)
    with platform_scope():
        town = Municipality.objects.filter(code=LARGE.code).first()
    if town is None:
        sys.exit("the benchmark town is missing: run `manage.py seed_demo --parcels 1000000` first")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM assets_parcel WHERE municipality_id = %s", [town.pk])
        parcels = cursor.fetchone()[0]
    print(f"{town.display_name}: {parcels:,} parcels, {os.cpu_count()} cores, code of {TREE}")
    seconds_beside = SecondBackends(args.priority)
    results = [one_run(town, args.year, args.workers, args.sample, seconds_beside) for _ in range(args.runs)]
    medians = {
        k: round(statistics.median(r[k] for r in results), 2)
        for k in results[0]
        if k != "run" and results[0][k] is not None
    }
    print(f"goals: database {medians['database']} s (< 10), end to end {medians['wall']} s (< 60)")
    print(json.dumps({"median_of": len(results), **medians}))


if __name__ == "__main__":
    main()
