"""Reads of tax data, scoped to the current municipality.

Tax status for the maps (issue 7)
---------------------------------
Each parcel and each signboard has, for a tax year, one of these statuses (`taxes.choices.TaxState`):

    not_assessed  no assessment in the current run (the parcel has no row)
    assessed      assessed, no notice sent yet
    notice_sent   notice sent, nothing paid, not yet due
    part_paid     part of the tax paid, not yet due
    paid          notice sent and the tax paid in full (a zero tax with a notice counts as paid)
    overdue       past the due date with tax still unpaid

with `tax_due` (the tax of all its taxpayers, in baht) and `tax_paid` (the tax part of payments;
penalties and surcharges are not in it), each taxpayer's counted up to their tax due (after a
correction lowered a tax already paid, the overpayment is not tax paid; taxes.runs.STATUS_SQL), so
`tax_paid <= tax_due` on every row.

In Python: `parcel_tax_status(tax_year=2026)` and `signboard_tax_status(tax_year=2026)` give
`{id: TaxStatusRow}` for the current municipality, optionally for some ids only.

In SQL (vector tiles): the view `taxes_tax_status` has one row per (municipality_id, tax_year,
parcel_id) and one per (municipality_id, tax_year, signboard_id), with the columns
`status, tax_due, tax_paid, due_on`. It reads the table `taxes_taxstatus` (kept current by the run,
by issuing notices and by recording payments, indexed by run and parcel / signboard) joined with
the current run of each year, so a tile query joins it per feature without aggregating:

    SELECT p.id, COALESCE(s.status, 'not_assessed') AS tax_status, s.tax_due, s.tax_paid
    FROM assets_parcel p
    LEFT JOIN taxes_tax_status s
           ON s.parcel_id = p.id AND s.tax_year = %(year)s AND s.municipality_id = p.municipality_id
    WHERE p.municipality_id = %(municipality)s AND p.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)

Like all raw SQL, such a query must filter by `municipality_id` itself. The parcel and sign tiles
(maps/layers.py) read `taxes_taxstatus` of the year's current run directly, with the view's CASE (a
test keeps both equal): through the view, a z14 tile joined the run again for each of its 6,700 parcels.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from municipalities.tenancy import current_municipality_id, current_zones, parcel_in_zones_sql
from taxes.choices import AssessmentStatus, TaxKind, TaxState
from taxes.models import Assessment, AssessmentRun, Notice, Payment
from taxes.runs import NO_PARCEL_ZONE, ZONE_CODE_LENGTH

TAX_STATUS_VIEW = "taxes_tax_status"

# The year's figures summed over rows of the view (catalogue's zone summary and national package):
# the tax assessed; collected, what was paid up to the tax due (paying more than is due is not more
# tax of the year); arrears, what is unpaid past the due date; and how many rows each comes from (for
# catalogue.disclosure). A row missing from an outer join counts as no tax.
TAX_SUMS = ("assessed", "collected", "arrears", "taxed", "paying", "overdue")


def tax_sums_sql(row: str, names: tuple[str, ...] = TAX_SUMS) -> str:
    """`TAX_SUMS` over the view's rows aliased `row`, as select-list items named `names` (in that order)."""
    figures = (
        f"sum(coalesce({row}.tax_due, 0))",
        f"sum(least(coalesce({row}.tax_paid, 0), coalesce({row}.tax_due, 0)))",
        f"sum(CASE WHEN {row}.status = 'overdue' THEN {row}.tax_due - {row}.tax_paid ELSE 0 END)",
        f"count(*) FILTER (WHERE {row}.tax_due > 0)",
        f"count(*) FILTER (WHERE least({row}.tax_paid, {row}.tax_due) > 0)",
        f"count(*) FILTER (WHERE {row}.status = 'overdue' AND {row}.tax_due > {row}.tax_paid)",
    )
    return ", ".join(f"{figure} AS {name}" for figure, name in zip(figures, names, strict=True))


@dataclass(frozen=True)
class TaxStatusRow:
    status: str
    tax_due: Decimal
    tax_paid: Decimal
    due_on: datetime.date | None

    @property
    def label(self) -> str:
        return str(TaxState(self.status).label)


def _tax_status(column: str, tax_year: int, ids=None) -> dict[int, TaxStatusRow]:
    municipality_id = current_municipality_id()
    if municipality_id is None:
        return {}
    sql = (
        f"SELECT {column}, status, tax_due, tax_paid, due_on FROM {TAX_STATUS_VIEW} "
        f"WHERE municipality_id = %s AND tax_year = %s AND {column} IS NOT NULL"
    )
    params = [municipality_id, tax_year]
    if ids is not None:
        sql += f" AND {column} = ANY(%s::bigint[])"  # bigint like the column, so Postgres hashes the list
        params.append(list(ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: TaxStatusRow(*row[1:]) for row in cursor.fetchall()}


def parcel_tax_status(*, tax_year: int, parcel_ids=None) -> dict[int, TaxStatusRow]:
    """The tax status of the current municipality's parcels for a year (absent: not assessed)."""
    return _tax_status("parcel_id", tax_year, parcel_ids)


def signboard_tax_status(*, tax_year: int, signboard_ids=None) -> dict[int, TaxStatusRow]:
    """The tax status of the current municipality's signboards for a year (absent: not assessed)."""
    return _tax_status("signboard_id", tax_year, signboard_ids)


def runs_by_year():
    return AssessmentRun.objects.select_related("started_by", "task").order_by("-tax_year", "-started_at")


def current_run(tax_year: int) -> AssessmentRun | None:
    return AssessmentRun.objects.filter(tax_year=tax_year, is_current=True).first()


def run_summary_by_zone(run: AssessmentRun) -> list[dict]:
    """Per zone: the run's rows and tax (counted by the run itself), and how many are still drafts.

    The zone is the first two characters of the parcel code (of the sign's parcel for a signboard).
    Only the few rows already issued are read here, through a small partial index, so the page of a
    million-row run stays fast.
    """
    zones = {
        code: {"zone": code, "count": count, "tax": Decimal(tax), "drafts": count}
        for code, (count, tax) in run.stats.get("zones", {}).items()
    }
    issued = (
        Assessment.objects.filter(run=run)
        .exclude(status=AssessmentStatus.DRAFT)
        .values_list("parcel__parcel_code", "signboard__parcel__parcel_code")
    )
    for parcel_code, sign_parcel_code in issued:
        code = (parcel_code or sign_parcel_code or NO_PARCEL_ZONE)[:ZONE_CODE_LENGTH]
        if code in zones:
            zones[code]["drafts"] -= 1
    return list(zones.values())


def assessments_in_zone(run: AssessmentRun, zone_code: str):
    """A run's assessments of parcels and signboards of one zone, in parcel / sign code order.

    The zone is exactly one of the codes the run page lists: anything else (an empty or partial code,
    which would match the whole town or several zones) selects nothing."""
    if zone_code == NO_PARCEL_ZONE:
        where = Q(parcel__isnull=True, signboard__parcel__isnull=True)
    elif len(zone_code) == ZONE_CODE_LENGTH:
        where = Q(parcel__parcel_code__startswith=zone_code) | Q(signboard__parcel__parcel_code__startswith=zone_code)
    else:
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(run=run)
        .filter(where)
        .select_related("parcel", "signboard", "owner")
        .order_by("parcel__parcel_code", "signboard__signboard_code", "id")
    )


def notices_in_zone(run: AssessmentRun, zone_code: str):
    return (
        Notice.objects.filter(assessment__in=assessments_in_zone(run, zone_code).values("id"), kind="assessment")
        .select_related("assessment__parcel", "assessment__signboard", "assessment__owner", "assessment__municipality")
        .order_by("number")
    )


# Revenue for the maps and the executive's dashboard (issue 7) -------------------------------------


def assessments_of(*, tax_year: int, parcel_id: int | None = None, signboard_id: int | None = None):
    """A parcel's or sign's assessments in force for a year: issued ones, and the drafts of the current run."""
    subject = {"parcel_id": parcel_id} if parcel_id is not None else {"signboard_id": signboard_id}
    return (
        Assessment.objects.filter(tax_year=tax_year, **subject)
        .filter(Q(status=AssessmentStatus.ISSUED) | Q(status=AssessmentStatus.DRAFT, run__is_current=True))
        .select_related("owner")
        .order_by("id")
    )


def payments_of(assessments):
    """Payments made on these assessments and on every correction of them (they share `original`)."""
    chains = {a.chain_id for a in assessments}
    return (
        Payment.objects.filter(Q(assessment_id__in=chains) | Q(assessment__original_id__in=chains))
        .select_related("assessment")
        .order_by("paid_on", "id")
    )


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "zones": list(current_zones() or ())})
        return cursor.fetchall()


def _in_member_zones(alias: str) -> str:
    """SQL: AND the status row's parcel (a sign's: its parcel) lies in the zones the member is limited
    to (municipalities/tenancy.py); nothing when the member sees the whole municipality."""
    if current_zones() is None:
        return ""
    sign_parcel = f"(SELECT zg.parcel_id FROM assets_signboard zg WHERE zg.id = {alias}.signboard_id)"
    parcel = f"COALESCE({alias}.parcel_id, {sign_parcel})"
    return f" AND {parcel_in_zones_sql(parcel, '%(zones)s')}"


def revenue_by_kind(*, tax_year: int) -> dict[str, dict]:
    """Per tax: the year's tax due (expected), paid (collected) and outstanding past its due date (overdue)."""
    municipality_id = current_municipality_id()
    totals = {kind: {"expected": Decimal(0), "collected": Decimal(0), "overdue": Decimal(0)} for kind in TaxKind}
    if municipality_id is None:
        return totals
    rows = _rows(
        f"""
        SELECT CASE WHEN parcel_id IS NOT NULL THEN %(lb)s ELSE %(sb)s END, sum(tax_due), sum(tax_paid),
               sum(tax_due - tax_paid) FILTER (WHERE status = 'overdue')
        FROM {TAX_STATUS_VIEW} s WHERE municipality_id = %(m)s AND tax_year = %(year)s{_in_member_zones("s")}
        GROUP BY 1
        """,
        {"m": municipality_id, "year": tax_year, "lb": TaxKind.LAND_BUILDING, "sb": TaxKind.SIGNBOARD},
    )
    for kind, expected, collected, overdue in rows:
        totals[kind] = {"expected": expected, "collected": collected, "overdue": overdue or Decimal(0)}
    return totals


def collections_by_month(*, tax_year: int) -> dict[str, list[Decimal]]:
    """Tax collected (the tax part of payments) on the year's assessments, per tax and calendar month 1–12.

    Payments received in a later year for this year's tax count in December's column of this year's
    chart only if paid in this year; the arrears selectors cover the rest.

    As the status rows count it (taxes.runs.STATUS_SQL), what was paid towards an assessment counts up
    to the tax due of the one in force (after a correction that lowered it, the new tax), the first
    payments first: a payment that went beyond it counts for what was still due when it was made.
    """
    months = {kind: [Decimal(0)] * 12 for kind in TaxKind}
    municipality_id = current_municipality_id()
    if municipality_id is None:
        return months
    rows = _rows(
        f"""
        SELECT kind, extract(month FROM paid_on)::int, sum(counted) FROM (
            SELECT a.kind, p.paid_on, greatest(least(p.principal, due.tax - coalesce(sum(p.principal) OVER (
                       PARTITION BY due.chain ORDER BY p.paid_on, p.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ), 0)), 0) AS counted
            FROM taxes_payment p
            JOIN taxes_assessment a ON a.id = p.assessment_id
            JOIN (SELECT coalesce(d.original_id, d.id) AS chain, d.tax FROM taxes_assessment d
                  WHERE d.municipality_id = %(m)s AND d.tax_year = %(year)s AND d.status = %(issued)s) due
              ON due.chain = coalesce(a.original_id, a.id)
            WHERE p.municipality_id = %(m)s AND a.tax_year = %(year)s{_in_member_zones("a")}
        ) counted
        WHERE paid_on BETWEEN %(first)s AND %(last)s
        GROUP BY 1, 2
        """,
        {
            "m": municipality_id,
            "year": tax_year,
            "issued": AssessmentStatus.ISSUED,
            "first": datetime.date(tax_year, 1, 1),
            "last": datetime.date(tax_year, 12, 31),
        },
    )
    for kind, month, total in rows:
        months[kind][month - 1] += total
    return months


ARREAR_AGES = ((0, 90), (91, 180), (181, 365), (366, 730), (731, None))  # days past the due date


def arrears_by_age(*, today: datetime.date) -> list[dict]:
    """Tax still unpaid past its due date, of every year's current run, in bands of days overdue."""
    municipality_id = current_municipality_id()
    bands = [{"from": low, "to": high, "amount": Decimal(0), "count": 0} for low, high in ARREAR_AGES]
    if municipality_id is None:
        return bands
    rows = _rows(
        f"""
        SELECT %(today)s - due_on, tax_due - tax_paid FROM {TAX_STATUS_VIEW} s
        WHERE municipality_id = %(m)s AND status = 'overdue'{_in_member_zones("s")}
        """,
        {"m": municipality_id, "today": today},
    )
    for days, amount in rows:
        band = next(b for b in bands if b["to"] is None or days <= b["to"])
        band["amount"] += amount
        band["count"] += 1
    return bands


def top_arrears(*, today: datetime.date, limit: int = 20) -> list[dict]:
    """The largest amounts unpaid past their due date: parcel or sign, tax year, amount, days overdue."""
    municipality_id = current_municipality_id()
    if municipality_id is None:
        return []
    rows = _rows(
        f"""
        SELECT s.parcel_id, s.signboard_id, COALESCE(p.parcel_code, g.signboard_code), s.tax_year,
               s.tax_due - s.tax_paid AS owed, %(today)s - s.due_on
        FROM {TAX_STATUS_VIEW} s
        LEFT JOIN assets_parcel p ON p.id = s.parcel_id
        LEFT JOIN assets_signboard g ON g.id = s.signboard_id
        WHERE s.municipality_id = %(m)s AND s.status = 'overdue'{_in_member_zones("s")}
        ORDER BY owed DESC, 3 LIMIT %(limit)s
        """,
        {"m": municipality_id, "today": today, "limit": limit},
    )
    return [
        {"parcel_id": p, "signboard_id": g, "code": code, "tax_year": year, "owed": owed, "days": days}
        for p, g, code, year, owed, days in rows
    ]
