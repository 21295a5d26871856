"""The set-based engine of an assessment run: read the register out, apply the rules, COPY the results in.

The rules are the same pure functions the calculator uses (taxes.rules), applied to facts read
set-based, one query per table packed into one text value (`Read`); the new run's rows go back with one `COPY … FROM
STDIN`, and so do the maps' status rows (docs/performance-anchors.md §4). The rules run in forked
processes when the municipality is large; each writes its rows to a file that the parent copies in.
Every statement filters by the municipality explicitly: raw SQL does not pass through the tenancy
manager. Time spent waiting on the database is measured apart from the time spent computing.

A run that owns its transactions (not one inside a caller's transaction, such as a test's) does
its database work on two connections at once, one per core (`Beside`): half of the register is read
by a second connection that shares the first one's snapshot (pg_export_snapshot, as pg_dump -j
does), and the maps' status rows are copied in by the second connection while the first copies the
assessments. The status rows are committed first but stay out of sight until the run's own
transaction makes the run current: the maps read only the current run's rows (the view
`taxes_tax_status`), and a run that fails has its status rows deleted (`discard_status`).
"""

import datetime
import gc
import multiprocessing
import os
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from django.db import connection
from psycopg import sql as pgsql
from psycopg.pq import TransactionStatus

from maps.triggers import REVENUE_GIVEN
from taxes.choices import AssessmentStatus, TaxKind
from taxes.facts import encode_land_building, encode_signboard
from taxes.holdings import BuildingRow, HoldingMapper, OwnershipRow, ParcelRow
from taxes.rules import land_building as lb
from taxes.rules import signboard as sb
from taxes.rules.params import YearParameters

BATCH = 5_000
# Each assessment is filed under its zone: the first two characters of its parcel's code (LTAX: zone,
# block, lot), a sign's by the parcel it stands on, "-" for a sign on no parcel of the run. The run
# page lists the zones and issues their notices by these codes (taxes.selectors.assessments_in_zone).
ZONE_CODE_LENGTH = 2
NO_PARCEL_ZONE = "-"
ASSESSMENT_COLUMNS = (
    "municipality_id",
    "run_id",
    "tax_year",
    "kind",
    "owner_id",
    "parcel_id",
    "signboard_id",
    "facts",
    "tax",
    "breakdown",
    "status",
    "supersedes_id",
    "original_id",
    "correction_reason",
)
NULL = "\\N"


class Clock:
    """Seconds spent in the database, apart from the rest."""

    def __init__(self):
        self.started = time.perf_counter()
        self.database = 0.0
        self.steps: dict[str, float] = {}

    @contextmanager
    def db(self, step: str, *, within: bool = False):
        """Time a database step; `within` marks a part of a step already being timed (not added twice)."""
        began = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - began
            if not within:
                self.database += spent
            self.steps[step] = round(self.steps.get(step, 0.0) + spent, 2)

    @contextmanager
    def step(self, step: str):
        """Time a step of Python work (parsing, computing), reported beside the database steps."""
        with self.db(step, within=True):
            yield

    def summary(self) -> dict:
        total = time.perf_counter() - self.started
        return {
            "total": round(total, 2),
            "database": round(self.database, 2),
            "compute": round(total - self.database, 2),
            "steps": self.steps,
        }


class Beside:
    """A second connection to the database, for the COPYs that run beside the main connection's.

    Used only when the run owns its transactions: a second connection cannot see (nor be rolled back
    with) a caller's uncommitted transaction.
    """

    def __init__(self):
        self.connection = connection.get_new_connection(connection.get_connection_params())
        self.connection.autocommit = True
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assessment-run")

    def wait(self):
        """Let the second connection finish what it is doing (its result no longer matters)."""
        self.pool.shutdown(wait=True)

    def close(self):
        self.pool.shutdown()
        self.connection.close()

    def run(self, work):
        """Start `work(psycopg_connection)` in a thread; returns its future."""
        return self.pool.submit(work, self.connection)


@contextmanager
def beside_if(owned: bool):
    """A `Beside` connection when the run owns its transactions, else None (everything on one connection)."""
    if not owned:
        yield None
        return
    beside = Beside()
    try:
        yield beside
    finally:
        beside.close()


def _field(column: str) -> str:
    """A column as COPY's text format writes it: NULL as \\N, a boolean (`name:bool`) as t or f."""
    name, _, kind = column.partition(":")
    if kind == "bool":
        return f"CASE WHEN {name} THEN 't' ELSE 'f' END"
    return f"COALESCE({name}::text, '\\N')"


@dataclass(frozen=True)
class Read:
    """One table a run reads: its columns, the rows (FROM … WHERE, always by municipality), their order."""

    columns: tuple[str, ...]
    rows: str
    order: str = ""

    @property
    def sql(self) -> str:
        """The rows packed into one text value, lines of tab-separated fields as COPY … TO writes them.

        One value instead of one protocol message per row: receiving a million small COPY messages
        cost the client about a microsecond each, more than PostgreSQL took to produce them, and two
        connections reading at once then waited on Python rather than on the database. The values are
        numbers, dates and codes (choices, and parcel codes validated by assets.validators): none holds
        a tab or a newline, which COPY would have escaped and this does not.
        """
        line = " || E'\\t' || ".join(_field(c) for c in self.columns)
        order = f" ORDER BY {self.order}" if self.order else ""
        return f"SELECT string_agg({line}, E'\\n'{order}) FROM {self.rows}"


def read_packed(raw_cursor, read: Read, params: dict) -> str:
    raw_cursor.execute(read.sql, params)
    return raw_cursor.fetchone()[0] or ""


def _rows(text: str):
    """Lines of tab-separated fields; NULL stays the text \\N (checked where a column may be NULL)."""
    return [line.split("\t") for line in text.split("\n")] if text else []


REGISTER = {
    # Retired parcels too, for their blocks only: a sign on one counts in its block (`status_text`).
    "parcels": Read(
        ("id", "parcel_code", "area_sq_wah", "price_per_sq_wah", "block_id", "retired_on IS NOT NULL:bool"),
        "assets_parcel WHERE municipality_id = %(m)s",
    ),
    "land_uses": Read(
        ("parcel_id", "use", "area_sq_wah", "vacant_since"), "assets_landuse WHERE municipality_id = %(m)s"
    ),
    "buildings": Read(
        ("id", "parcel_id", "building_type", "structure", "floor_area_m2", "year_built", "price_per_m2"),
        "assets_building WHERE municipality_id = %(m)s",
    ),
    "building_uses": Read(("building_id", "use", "floor_area_m2"), "assets_buildinguse WHERE municipality_id = %(m)s"),
    "ownerships": Read(
        ("owner_id", "parcel_id", "building_id", "share", "in_house_registration:bool"),
        "assets_ownership WHERE municipality_id = %(m)s",
    ),
    "owners": Read(("id", "kind"), "assets_owner WHERE municipality_id = %(m)s"),
    "signboards": Read(
        ("id", "parcel_id", "owner_id", "width_cm", "height_cm", "sign_type", "moving:bool", "installed_on", "faces"),
        "assets_signboard WHERE municipality_id = %(m)s AND installed_on <= %(last)s "
        "AND (removed_on IS NULL OR removed_on >= %(first)s)",
        order="signboard_code",
    ),
    "issued": Read(
        ("id", "kind", "owner_id", "parcel_id", "signboard_id", "tax", "COALESCE(original_id, id)"),
        "taxes_assessment WHERE municipality_id = %(m)s AND tax_year = %(year)s AND status = 'issued'",
    ),
}


# Read by the second connection, when there is one: about half of the time (the parcels come from
# an index alone, see assets.Parcel; the ownerships are the most rows).
READ_BESIDE = ("land_uses", "buildings", "building_uses", "owners")


def fetch_register(cursor, municipality_id: int, tax_year: int, beside: Beside | None = None) -> dict[str, str]:
    """Everything a run reads, as text (`Read.sql`), one query per table, all filtered by municipality.

    With `beside`, the caller's transaction must be REPEATABLE READ (see services._snapshot): the
    second connection reads its tables in the same snapshot, at the same time.
    """
    params = {
        "m": municipality_id,
        "year": tax_year,
        "first": datetime.date(tax_year, 1, 1),
        "last": datetime.date(tax_year, 12, 31),
    }
    if beside is None:
        return {name: read_packed(cursor.cursor, read, params) for name, read in REGISTER.items()}
    cursor.execute("SELECT pg_export_snapshot()")
    (snapshot,) = cursor.fetchone()

    def read_beside(side):
        with side.transaction(), side.cursor() as raw:
            raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            raw.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
            return {name: read_packed(raw, REGISTER[name], params) for name in READ_BESIDE}

    there = beside.run(read_beside)
    here = {
        name: read_packed(cursor.cursor, read, params) for name, read in REGISTER.items() if name not in READ_BESIDE
    }
    return {**here, **there.result()}


def parse_register(raw: dict[str, str]):
    """Parcels with their uses, owners and buildings; owner kinds; the year's signboards; issued
    assessments; the block of each parcel (retired ones too) and sign, keyed as `status_text` reads them."""
    decimals: dict[str, Decimal] = {}  # many values repeat (areas, prices, shares): convert each text once

    def dec(text: str) -> Decimal:
        value = decimals.get(text)
        if value is None:
            value = decimals[text] = Decimal(text)
        return value

    parcels: dict[int, ParcelRow] = {}
    block_of: dict[int, int] = {}
    for pid, code, area, price, block, retired in _rows(raw["parcels"]):
        if block != NULL:
            block_of[int(pid)] = int(block)
        if retired == "f":
            parcels[int(pid)] = ParcelRow(int(pid), code, dec(area), None if price == NULL else dec(price))
    get_parcel = parcels.get
    for pid, use, area, since in _rows(raw["land_uses"]):
        parcel = get_parcel(int(pid))
        if parcel is not None:
            parcel.uses.append((use, dec(area), None if since == NULL else int(since)))
    buildings: dict[int, BuildingRow] = {}
    for bid, pid, btype, structure, floor_area, year_built, price in _rows(raw["buildings"]):
        parcel = get_parcel(int(pid))
        if parcel is not None:
            building = BuildingRow(
                int(bid), btype, structure, dec(floor_area), int(year_built), None if price == NULL else dec(price)
            )
            buildings[building.id] = building
            parcel.buildings.append(building)
    for bid, use, area in _rows(raw["building_uses"]):
        building = buildings.get(int(bid))
        if building is not None:
            building.uses.append((use, dec(area)))
    for owner_id, pid, bid, share, registered in _rows(raw["ownerships"]):
        target = get_parcel(int(pid)) if pid != NULL else buildings.get(int(bid))
        if target is not None:
            target.owners.append(OwnershipRow(int(owner_id), dec(share), registered == "t"))
    # A stable order without sorting millions of rows in the database: buildings by id, owners by
    # share (largest first) then id, sorted only where a parcel or building has more than one.
    by_share = lambda o: (-o.share, o.owner_id)  # noqa: E731
    for parcel in parcels.values():
        if len(parcel.owners) > 1:
            parcel.owners.sort(key=by_share)
        if len(parcel.buildings) > 1:
            parcel.buildings.sort(key=lambda b: b.id)
    for building in buildings.values():
        if len(building.owners) > 1:
            building.owners.sort(key=by_share)
    owner_kinds = {int(i): kind for i, kind in _rows(raw["owners"])}
    signboards = [[None if v == NULL else v for v in row] for row in _rows(raw["signboards"])]
    issued = [[None if v == NULL else v for v in row] for row in _rows(raw["issued"])]
    sign_blocks = {int(row[0]): block_of.get(int(row[1])) for row in signboards if row[1] is not None}
    blocks = {"p": block_of, "s": {sign: block for sign, block in sign_blocks.items() if block is not None}}
    return parcels, owner_kinds, signboards, issued, blocks


def compute(
    *,
    out,
    status_out,
    run_id: int,
    municipality_id: int,
    municipality_code: str,
    tax_year: int,
    parcels: list[ParcelRow],
    owner_kinds: dict[int, str],
    signboards: list,
    issued: list,
    progress=None,
    counter=None,
    part: tuple[int, int] = (0, 1),
):
    """Apply the rules to every holding (and signboard) and write the run's rows to `out` as COPY text,
    and each new draft's subject and tax to `status_out` (summed per parcel by `status_text`).

    `parcels` must be in parcel-code order. With `part=(k, n)` only the holdings of taxpayers whose
    id is k modulo n are computed (and the signboards only by part 0): each taxpayer's holdings stay
    in one part and in the same order, so the parts together give exactly the sequential result.
    Returns (stats, parameters used).
    """
    lb_reader = YearParameters(tax_year, municipality_code)
    lb_params = lb.LandBuildingParameters.resolve(lb_reader)
    prices = lb_reader("land_building.building_prices")
    sb_reader = YearParameters(tax_year)
    sb_params = sb.SignboardParameters.resolve(sb_reader)
    mapper = HoldingMapper(
        tax_year=tax_year, municipality=municipality_code, owner_kinds=owner_kinds, building_prices=prices
    )
    issued_by_subject = {}
    for aid, kind, owner_id, pid, sid, tax, chain in issued:
        key = (owner_id and int(owner_id), int(pid)) if kind == TaxKind.LAND_BUILDING else int(sid)
        issued_by_subject[key] = (aid, Decimal(tax), chain)

    k, n = part
    prefix = f"{municipality_id}\t{run_id}\t{tax_year}\t"
    stats = {"parcels": len(parcels), "holdings": 0, "signboards": 0, "unchanged": 0, "corrections": 0}
    totals = {TaxKind.LAND_BUILDING: Decimal(0), TaxKind.SIGNBOARD: Decimal(0)}

    zones: dict[str, list] = {}  # zone code (the first two characters of a parcel code) → [rows, tax]
    # Rows leave in the order of the table's index on (run, parcel) and (run, signboard), not in the
    # order they are computed (parcel codes): PostgreSQL then appends to the index's last page instead
    # of splitting pages all over it (a quarter less database time for the COPY).
    by_parcel: list[tuple[int, str]] = []
    by_signboard: list[tuple[int, str]] = []

    def write(kind, owner_id, parcel_id, signboard_id, key, facts, tax, zone):
        previous = issued_by_subject.get(key)
        supersedes = original = NULL
        if previous is not None:
            if previous[1] == tax:
                stats["unchanged"] += 1  # already issued with this tax: nothing to correct
                return
            stats["corrections"] += 1
            supersedes, original = previous[0], previous[2]
        totals[kind] += tax
        in_zone = zones.setdefault(zone, [0, Decimal(0)])
        in_zone[0] += 1
        in_zone[1] += tax
        if supersedes == NULL:
            status_out.write(f"{'p' if parcel_id is not None else 's'}{parcel_id or signboard_id}\t{tax}\n")
        line = (
            f"{prefix}{kind}\t{NULL if owner_id is None else owner_id}\t{NULL if parcel_id is None else parcel_id}\t"
            f"{NULL if signboard_id is None else signboard_id}\t{facts}\t{tax}\t[]\t"
            f"{AssessmentStatus.DRAFT}\t{supersedes}\t{original}\t\n"
        )
        if parcel_id is None:
            by_signboard.append((signboard_id, line))
        else:
            by_parcel.append((parcel_id, line))

    only = None if n == 1 else (lambda owner_id: owner_id % n == k)
    done = 0
    for parcel in parcels:
        for holding in mapper.holdings(parcel, only=only):
            result = lb.land_building_tax(holding.case, lb_params, explain=False)
            mapper.record(holding, result)
            stats["holdings"] += 1
            key = (holding.owner_id, parcel.id)
            write(
                TaxKind.LAND_BUILDING,
                holding.owner_id,
                parcel.id,
                None,
                key,
                encode_land_building(holding.case),
                result.tax,
                parcel.code[:ZONE_CODE_LENGTH],
            )
        done += 1
        if done % BATCH == 0:
            _advance(progress, counter, BATCH)
    _advance(progress, counter, done % BATCH)

    if k == 0:
        first_owner = {p.id: p.owners[0].owner_id for p in parcels if p.owners}
        zone_of = {p.id: p.code[:ZONE_CODE_LENGTH] for p in parcels}
        for sid, pid, owner_id, width, height, sign_type, moving, installed_on, faces in signboards:
            installed = datetime.date.fromisoformat(installed_on)
            case = sb.SignboardCase(
                tax_year=tax_year,
                sign=sb.SignFacts(int(width), int(height), sign_type, moving == "t"),
                installed_on=installed if installed.year == tax_year else None,
                faces=int(faces),
            )
            result = sb.signboard_tax(case, sb_params, explain=False)
            # STA s.18: the owner of the sign; failing that, the owner of the land it stands on.
            taxpayer = int(owner_id) if owner_id else first_owner.get(int(pid)) if pid else None
            stats["signboards"] += 1
            zone = zone_of.get(int(pid), NO_PARCEL_ZONE) if pid else NO_PARCEL_ZONE
            write(TaxKind.SIGNBOARD, taxpayer, None, int(sid), int(sid), encode_signboard(case), result.tax, zone)
        _advance(progress, counter, len(signboards))

    for rows in (by_parcel, by_signboard):
        rows.sort(key=itemgetter(0))  # stable: a parcel's taxpayers stay in the order computed
        out.writelines(line for _id, line in rows)
        rows.clear()
    stats["tax_land_building"] = totals[TaxKind.LAND_BUILDING]
    stats["tax_signboard"] = totals[TaxKind.SIGNBOARD]
    stats["problems"] = mapper.problems
    stats["zones"] = zones
    return stats, {"land_building": lb_reader.used, "signboard": sb_reader.used}


def _advance(progress, counter, n):
    if progress is not None:
        progress.advance(n)
    if counter is not None:
        with counter.get_lock():
            counter.value += n


def _worker(part, path, counter, results, kwargs):
    """A forked process: computes one part into files; touches no database connection."""
    try:
        with _open(path) as out, _open(path.with_suffix(".status")) as status_out:
            results.put((part[0], compute(out=out, status_out=status_out, counter=counter, part=part, **kwargs)))
    except BaseException as error:  # report, do not hang the parent
        results.put((part[0], error))


def compute_all(*, workdir: Path, progress, workers: int, **kwargs):
    """Compute a run in `workers` forked processes (1: in this process); returns (files, stats, parameters)."""
    progress.set_total(len(kwargs["parcels"]) + len(kwargs["signboards"]))
    if workers <= 1:
        path = workdir / "part0.tsv"
        with _open(path) as out, _open(path.with_suffix(".status")) as status_out:
            stats, parameters = compute(out=out, status_out=status_out, progress=progress, **kwargs)
        return [path], _finish([stats]), parameters
    context = multiprocessing.get_context("fork")
    counter, results = context.Value("q", 0), context.Queue()
    paths = [workdir / f"part{k}.tsv" for k in range(workers)]
    gc.freeze()  # keep the parent's objects out of the children's garbage collector (fewer copied pages)
    processes = [
        context.Process(target=_worker, args=((k, workers), paths[k], counter, results, kwargs), daemon=True)
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    answers, seen = {}, 0
    while len(answers) < workers:
        try:
            k, answer = results.get(timeout=0.5)
            answers[k] = answer
        except queue.Empty:
            if not any(p.is_alive() for p in processes) and results.empty():
                raise RuntimeError("a worker of the assessment run died") from None
        with counter.get_lock():
            value = counter.value
        progress.advance(value - seen)
        seen = value
    for process in processes:
        process.join()
    gc.unfreeze()
    for answer in answers.values():
        if isinstance(answer, BaseException):
            raise answer
    return paths, _finish([answers[k][0] for k in range(workers)]), answers[0][1]


def _open(path: Path):
    return open(path, "w", encoding="utf-8", buffering=4 * 1024 * 1024)


def _finish(parts: list[dict]) -> dict:
    stats = {key: sum(p[key] for p in parts) for key in ("holdings", "signboards", "unchanged", "corrections")}
    stats["parcels"] = parts[0]["parcels"]
    stats["tax_land_building"] = format(sum((p["tax_land_building"] for p in parts), Decimal(0)), "f")
    stats["tax_signboard"] = format(sum((p["tax_signboard"] for p in parts), Decimal(0)), "f")
    problems: dict[str, set] = {}
    for part in parts:
        for kind, codes in part["problems"].items():
            problems.setdefault(kind, set()).update(codes)
    stats["problems"] = {
        kind: {"count": len(codes), "examples": sorted(codes)[:20]} for kind, codes in problems.items()
    }
    zones: dict[str, list] = {}
    for part in parts:
        for code, (count, tax) in part["zones"].items():
            zone = zones.setdefault(code, [0, Decimal(0)])
            zone[0] += count
            zone[1] += tax
    stats["zones"] = {code: [count, format(tax, "f")] for code, (count, tax) in sorted(zones.items())}
    return stats


def copy_in(cursor, paths) -> None:
    raw = cursor.cursor
    with raw.copy(f"COPY taxes_assessment ({', '.join(ASSESSMENT_COLUMNS)}) FROM STDIN") as copy:
        for path in paths:
            with open(path, "rb") as data:
                while chunk := data.read(8 * 1024 * 1024):
                    copy.write(chunk)


@dataclass(frozen=True)
class StatusRows:
    """A new run's status rows for the maps and the tax they add to each block, as COPY text."""

    rows: str  # taxes_taxstatus
    revenue: str  # maps_blockrevenue: what the maps' trigger would have added (see `copy_status`)


def status_text(paths, *, municipality_id: int, run_id: int, tax_year: int, blocks: dict) -> StatusRows:
    """The maps' status rows of a new run's drafts (the tax of all taxpayers of a parcel, summed) and
    the sum of that tax by block (`blocks`, from `parse_register`).

    Only new drafts: subjects with an issued assessment are written afterwards by `refresh_status`,
    the one place that knows about notices and payments. Rows are in the order of the table's unique
    indexes (parcel id, then signboard id), which PostgreSQL then fills by appending.
    """
    due: dict[str, dict[int, Decimal]] = {"p": {}, "s": {}}
    for path in paths:
        with open(path.with_suffix(".status"), encoding="utf-8") as lines:
            for line in lines:
                key, tax = line.split("\t")
                subjects, subject = due[key[0]], int(key[1:])
                subjects[subject] = subjects.get(subject, 0) + Decimal(tax)
    expected: dict[int, Decimal] = {}
    for key, subjects in due.items():
        block_of = blocks[key].get
        for subject, tax in subjects.items():
            block = block_of(subject)
            if block is not None:
                expected[block] = expected.get(block, 0) + tax
    prefix = f"{municipality_id}\t{run_id}\t{tax_year}\t"
    parcels, signboards = due["p"], due["s"]
    rows = "".join(f"{prefix}{i}\t{NULL}\t{parcels[i]}\t0\tf\t{NULL}\n" for i in sorted(parcels)) + "".join(
        f"{prefix}{NULL}\t{i}\t{signboards[i]}\t0\tf\t{NULL}\n" for i in sorted(signboards)
    )
    revenue = "".join(f"{municipality_id}\t{run_id}\t{block}\t{tax}\t0\n" for block, tax in sorted(expected.items()))
    return StatusRows(rows, revenue)


def copy_status(raw_cursor, status: StatusRows) -> None:
    """COPY a new run's status rows in (through psycopg's own cursor), then their blocks' revenue.

    The maps' trigger on the status rows adds the tax of inserted rows to their blocks by joining them
    with the parcels (maps/triggers.py): for a million rows that join was about a second and a half of
    the database's time, which the run can spare, having each parcel's block in hand. For this COPY
    only, the trigger is told the revenue comes with the rows (`REVENUE_GIVEN`); every later statement
    is counted by it.
    """
    conn = raw_cursor.connection
    if conn.autocommit and conn.info.transaction_status == TransactionStatus.IDLE:  # no transaction
        raise RuntimeError("copy_status needs a transaction: the setting it makes lasts for the transaction")
    columns = "municipality_id, run_id, tax_year, parcel_id, signboard_id, tax_due, tax_paid, notice_sent, due_on"
    raw_cursor.execute("SELECT set_config(%s, 'on', true)", [REVENUE_GIVEN])
    with raw_cursor.copy(f"COPY taxes_taxstatus ({columns}) FROM STDIN") as copy:
        copy.write(status.rows)
    raw_cursor.execute("SELECT set_config(%s, 'off', true)", [REVENUE_GIVEN])
    columns = "municipality_id, run_id, block_id, expected, collected"
    with raw_cursor.copy(f"COPY maps_blockrevenue ({columns}) FROM STDIN") as copy:
        copy.write(status.revenue)


def copy_status_beside(beside: Beside, status: StatusRows):
    """Start copying the status rows in on the second connection, in a transaction of its own that
    commits when the copy ends; returns a future that gives the seconds it took."""

    def work(side):
        began = time.perf_counter()
        with side.transaction(), side.cursor() as raw:
            copy_status(raw, status)
        return time.perf_counter() - began

    return beside.run(work)


def discard_status(cursor, *, municipality_id: int, run_id: int) -> None:
    """Delete the status rows of a run that failed (copied in beside it, they were committed)."""
    cursor.execute("DELETE FROM taxes_taxstatus WHERE municipality_id = %s AND run_id = %s", [municipality_id, run_id])


def issued_subjects(issued: list) -> tuple[set[int], set[int]]:
    """Parcels and signboards that have an issued assessment this year (their status needs `refresh_status`)."""
    parcels = {int(row[3]) for row in issued if row[3] is not None}
    signboards = {int(row[4]) for row in issued if row[4] is not None}
    return parcels, signboards


# A subject's due date is the first due date of its plan (taxes_instalment): a corrected assessment keeps
# the dates already notified (taxes.rules.collection.corrected_plan), which its own notice may not show.
# Once the tax notified before a correction is paid, it is the date of the first increase still unpaid
# (LBTA s.53, STA s.19): the taxpayer is not late before it, however long ago the first date passed. On a
# parcel of several taxpayers, the date is that of those who still owe (one who paid makes no one late).
# The tax paid on a subject counts each taxpayer's payments up to their tax due: after a correction
# lowered a tax already paid (taxes.services.assessment_correct), what was paid beyond the new tax is
# the taxpayer's to claim back (LBTA s.54, STA s.24), not tax collected, and not another taxpayer's tax
# paid on the same parcel. Whatever sums the rows (the maps' block revenue, the dashboard, the
# catalogue) then never counts more paid than due.
STATUS_SQL = """
WITH current AS (
    SELECT a.id, a.parcel_id, a.signboard_id, a.tax, a.status, COALESCE(a.original_id, a.id) AS chain
    FROM taxes_assessment a
    WHERE a.run_id = %(run)s AND a.status = 'draft' AND a.supersedes_id IS NULL {subjects}
    UNION ALL
    SELECT a.id, a.parcel_id, a.signboard_id, a.tax, a.status, COALESCE(a.original_id, a.id) AS chain
    FROM taxes_assessment a
    WHERE a.municipality_id = %(m)s AND a.tax_year = %(year)s AND a.status = 'issued' {subjects}
), paid AS (
    SELECT COALESCE(a.original_id, a.id) AS chain, SUM(p.principal) AS principal
    FROM taxes_payment p JOIN taxes_assessment a ON a.id = p.assessment_id
    WHERE p.municipality_id = %(m)s AND a.tax_year = %(year)s
    GROUP BY 1
), plan_rows AS (
    SELECT i.assessment_id, i.due_on, i.additional, COALESCE(paid.principal, 0) AS paid,
           SUM(i.amount) OVER (PARTITION BY i.assessment_id ORDER BY i.additional, i.due_on, i.number) AS through
    FROM current c JOIN taxes_instalment i ON i.assessment_id = c.id LEFT JOIN paid ON paid.chain = c.chain
), due AS (
    SELECT assessment_id, NOT BOOL_OR(through > paid) AS settled,
           CASE WHEN BOOL_OR(through > paid AND NOT additional) OR NOT BOOL_OR(through > paid) THEN MIN(due_on)
                ELSE MIN(due_on) FILTER (WHERE through > paid) END AS due_on
    FROM plan_rows GROUP BY 1
)
INSERT INTO taxes_taxstatus
    (municipality_id, run_id, tax_year, parcel_id, signboard_id, tax_due, tax_paid, notice_sent, due_on)
SELECT %(m)s, %(run)s, %(year)s, {key}, SUM(c.tax), SUM(LEAST(COALESCE(paid.principal, 0), c.tax)),
       BOOL_OR(c.status = 'issued'), COALESCE(MIN(due.due_on) FILTER (WHERE NOT due.settled), MIN(due.due_on))
FROM current c LEFT JOIN paid ON paid.chain = c.chain LEFT JOIN due ON due.assessment_id = c.id
WHERE c.{column} IS NOT NULL
GROUP BY c.{column}
{upsert}
"""
UPSERT = """ON CONFLICT (run_id, {column}) WHERE {column} IS NOT NULL DO UPDATE
SET tax_due = EXCLUDED.tax_due, tax_paid = EXCLUDED.tax_paid,
    notice_sent = EXCLUDED.notice_sent, due_on = EXCLUDED.due_on"""


def refresh_status(cursor, *, municipality_id: int, tax_year: int, run_id: int, parcel_ids=None, signboard_ids=None):
    """Write the maps' status rows of a run: all of them for a new run, or those of the subjects given."""
    partial = parcel_ids is not None or signboard_ids is not None
    for column, key, ids in (
        ("parcel_id", "c.parcel_id, NULL::bigint", parcel_ids),
        ("signboard_id", "NULL::bigint, c.signboard_id", signboard_ids),
    ):
        params = {"m": municipality_id, "year": tax_year, "run": run_id}
        subjects = upsert = ""
        if partial:
            if not ids:
                continue
            subjects = f"AND a.{column} = ANY(%(ids)s)"
            upsert = UPSERT.format(column=column)
            params["ids"] = list(ids)
        cursor.execute(STATUS_SQL.format(subjects=subjects, key=key, column=column, upsert=upsert), params)


@contextmanager
def no_cyclic_gc():
    """Millions of small objects and no reference cycles: the cyclic collector would only rescan them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def default_workers(parcels: int) -> int:
    """Fork only when it pays: a large municipality, on a machine with more than one core."""
    return min(2, os.cpu_count() or 1) if parcels >= 50_000 else 1
