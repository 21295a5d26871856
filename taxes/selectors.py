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
penalties and surcharges are not in it).

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

Like all raw SQL, such a query must filter by `municipality_id` itself.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from municipalities.tenancy import current_municipality_id
from taxes.choices import AssessmentStatus, TaxState
from taxes.models import Assessment, AssessmentRun, Notice

TAX_STATUS_VIEW = "taxes_tax_status"


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
        code = (parcel_code or sign_parcel_code or "-")[:2]
        if code in zones:
            zones[code]["drafts"] -= 1
    return list(zones.values())


def assessments_in_zone(run: AssessmentRun, zone_code: str):
    """A run's assessments of parcels and signboards of one zone, in parcel / sign code order."""
    return (
        Assessment.objects.filter(run=run)
        .filter(Q(parcel__parcel_code__startswith=zone_code) | Q(signboard__parcel__parcel_code__startswith=zone_code))
        .select_related("parcel", "signboard", "owner")
        .order_by("parcel__parcel_code", "signboard__signboard_code", "id")
    )


def notices_in_zone(run: AssessmentRun, zone_code: str):
    return (
        Notice.objects.filter(assessment__in=assessments_in_zone(run, zone_code).values("id"), kind="assessment")
        .select_related("assessment__parcel", "assessment__signboard", "assessment__owner", "assessment__municipality")
        .order_by("number")
    )
