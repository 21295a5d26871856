"""Reads of the engineers' module: open work orders, the nearest asset, lifecycle and the replacement plan."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from assets.choices import InfrastructureKind
from assets.models import InfrastructureAsset
from works.choices import OPEN_STATUSES
from works.lifecycle import Depreciation, depreciation, replacement_year
from works.models import WorkOrder


def open_work_orders(*, assignee=None, kind: str | None = None) -> QuerySet[WorkOrder]:
    """The engineer's list: open, assigned and in-progress orders, soonest due first."""
    orders = WorkOrder.objects.filter(status__in=OPEN_STATUSES).select_related("asset", "assignee")
    if assignee is not None:
        orders = orders.filter(assignee=assignee)
    if kind:
        orders = orders.filter(asset__kind=kind)
    return orders.order_by("due_on", "number")


def nearest_asset(*, municipality_id: int, lon: float, lat: float, kinds, radius_m: float):
    """The asset of one of `kinds` nearest to a point within `radius_m` metres, with its distance; or (None, None).

    Distances are geodesic (geography); the index on `geom` narrows the search first. The
    municipality is an explicit filter because this is raw SQL.
    """
    kinds = list(kinds)
    if not kinds or radius_m <= 0:
        return None, None
    table = InfrastructureAsset._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, ST_Distance(geom::geography, pt::geography) AS d
              FROM {table}, ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS pt
             WHERE municipality_id = %s AND kind = ANY(%s)
               AND ST_DWithin(geom::geography, pt::geography, %s)
             ORDER BY d, asset_code
             LIMIT 1
            """,
            [lon, lat, municipality_id, kinds, radius_m],
        )
        row = cursor.fetchone()
    if row is None:
        return None, None
    return InfrastructureAsset.objects.get(pk=row[0]), Decimal(str(round(row[1], 1)))


def asset_depreciation(asset: InfrastructureAsset, on: datetime.date) -> Depreciation | None:
    if asset.installed_on is None or not asset.useful_life_years:
        return None
    return depreciation(
        replacement_cost=asset.replacement_cost,
        useful_life_years=asset.useful_life_years,
        installed_on=asset.installed_on,
        on=on,
    )


@dataclass
class PlanYear:
    year: int
    count: int = 0
    cost: Decimal = Decimal(0)
    by_kind: dict[str, tuple[int, Decimal]] = field(default_factory=dict)


@dataclass
class ReplacementPlan:
    years: list[PlanYear]
    kinds: list[tuple[str, str]]
    unknown: int  # assets without an installation date or a useful life

    @property
    def total_cost(self) -> Decimal:
        return sum((y.cost for y in self.years), Decimal(0))

    @property
    def total_count(self) -> int:
        return sum(y.count for y in self.years)


def replacement_plan(*, this_year: int, horizon_years: int = 10, kind: str | None = None) -> ReplacementPlan:
    """Assets falling due for replacement in each year from `this_year` for `horizon_years` years, with cost."""
    assets = InfrastructureAsset.objects.all()
    if kind:
        assets = assets.filter(kind=kind)
    last = this_year + horizon_years - 1
    counts: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))
    unknown = 0
    for installed_on, life, condition, cost, asset_kind in assets.values_list(
        "installed_on", "useful_life_years", "condition", "replacement_cost", "kind"
    ):
        year = replacement_year(
            installed_on=installed_on, useful_life_years=life, condition=condition, this_year=this_year
        )
        if year is None:
            unknown += 1
        elif year <= last:
            cell = counts[year][asset_kind]
            cell[0] += 1
            cell[1] += cost
    labels = dict(InfrastructureKind.choices)
    present = sorted({k for per_year in counts.values() for k in per_year}, key=list(labels).index)
    years = []
    for year in range(this_year, last + 1):
        per_kind = {k: (v[0], v[1]) for k, v in counts.get(year, {}).items()}
        years.append(
            PlanYear(
                year=year,
                count=sum(c for c, _ in per_kind.values()),
                cost=sum((c for _, c in per_kind.values()), Decimal(0)),
                by_kind=per_kind,
            )
        )
    return ReplacementPlan(years=years, kinds=[(k, labels[k]) for k in present], unknown=unknown)


def work_orders_geojson(orders) -> dict:
    """The orders shown on the page as GeoJSON points (only those listed, never the whole table)."""
    today = timezone.localdate()
    features = []
    for order in orders:
        point = order.location
        if point is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(point.x, 7), round(point.y, 7)]},
                "properties": {
                    "number": order.number,
                    "title": order.title,
                    "status": order.get_status_display(),
                    "due_on": order.due_on.isoformat(),
                    "overdue": order.due_on < today and order.is_open,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
