"""The vector-tile layers and their SQL: one statement per layer and access level, built like Martin's.

Each tile is one execution of a statement prepared once per database connection (maps/tiles.py),
with the parameters `$1, $2, $3` = z, x, y, `$4` = the municipality, `$5` = the tax year, for a
member limited to some zones `$6` = their zone ids and, for a layer of kinds (infrastructure, missed
revenue) some of which the municipality hides, the next one (`$6` or `$7`) = the kinds left out:

    SELECT ST_AsMVT(t, '<layer>', 1024, 'geom', 'id') FROM (
        SELECT id, ST_AsMVTGeom(<3857 column>, (SELECT ST_TileEnvelope($1, $2, $3)::box2d), 1024, 16, true) AS geom,
               <styling columns>
        FROM <table> WHERE municipality_id = $4 AND <3857 column> && ST_TileEnvelope($1, $2, $3, margin => 16/1024)
    ) AS t

- The tile's grid is 1024 units a side, not the usual 4096. Our maps draw 256-pixel tiles and ask for
  the tiles of every zoom they show, up to z22 (static/js/maps.js: no tile is ever stretched to a
  higher zoom), so a unit is a quarter of a screen pixel (half a pixel of a 2× screen) at any zoom:
  snapping to it moves a corner by an eighth of a pixel at most, which no one can see, where 4096 was
  16 units to the pixel. Measured on the 1M town (docs/BENCHMARKS.md, tiles, third pass): z15 parcel
  tiles a fifth smaller (largest 88 -> 70 KB), and 3 % (z14) to 7 % (z16) less PostgreSQL CPU per
  tile. What is lost: a feature narrower than about a unit (2.4 m at z14, 0.6 m at z16, a quarter of a
  pixel) collapses when snapped and is left out, and so are slivers of the neighbours' parcels in the
  16-unit margin; every parcel a user can see at a zoom is in its tile (tests/maps/test_tiles.py). A
  whole town is a unit or two wide at z2-z3, so its zones are drawn from z4 on (from z2 with 4096).
  A client that stretches tiles past their zoom (a MapLibre style with `maxzoom`) would see 4×
  coarser corners there than with 4096.
- The tile's box for ST_AsMVTGeom is an InitPlan, computed once per tile: written inline, a prepared
  statement's generic plan built the envelope and cast it to a box for every feature.
- Only the id and the columns the maps style by; nothing about owners. Tax amounts of a single parcel
  or sign (what its taxpayers owe and paid) only for roles that may see personal data; the tax status
  for roles that see taxes; the register alone for the others (access levels in maps/access.py).
- The amounts are sent from z15 on (`AMOUNTS_FROM_ZOOM`). A z14 tile is the overview of 2.4 km with up
  to 7,000 parcels, each about 3 pixels wide: the map draws them by tax status (and land use), no one
  can read one parcel's amount there, and a click opens the side panel, which reads the amounts from
  the register (maps/selectors.py); the map's script never reads them from a tile. The statement
  does not compute them below z15 (ST_AsMVT leaves NULL properties out): two values unique to each
  parcel share nothing in the tile's value table, and with the finer grid the largest z14 tile fell
  from 294 to 200 KB.
- The tax status is that of the view `taxes_tax_status` (taxes/selectors.py), read from the year's
  current run (found once per tile) through a LATERAL subquery, so that the plan is an index lookup per
  feature whatever the statistics say (a fresh run's million rows once made the planner hash the whole
  table: 70 s for one tile); index-only once the run's rows are vacuumed (the run does it when it has
  committed, taxes.services._vacuum_status), the unique index carrying the figures
  (taxes.models.STATUS_FIGURES). The land use is each parcel's largest, kept on the parcel by
  a trigger (`main_use`, maps/triggers.py MAIN_USE) rather than probed for each feature.
- Zone limits (municipalities/tenancy.py) are applied as the models declare them: parcels by their
  block's zone, buildings and signs by their parcel's, blocks and zones themselves; infrastructure
  belongs to the whole town.
- Layers a municipality hides (its settings' `hidden_layers`, maps/access.py) are closed whole, or, in
  a layer of kinds, left out by kind: an infrastructure kind, or the missed layer's parcels, buildings
  or signs. Only a municipality that hides one runs the statement with the kinds as a parameter; the
  others run the statement without it, unchanged.
- Low zooms never carry parcels: parcels, signs and the missed-revenue layer start at z14,
  buildings at z15, infrastructure at z13, blocks at z12; zones are drawn at every zoom, simplified
  to the tile's unit (`UNIT_AT_Z0`: the width of a z0 tile divided by the extent).
- Zones and blocks carry the year's revenue of their parcels and signs: expected (tax due),
  collected (tax paid) and the collection rate, read from `maps_blockrevenue` (maps.models.BlockRevenue,
  kept by triggers) so that a tile of the whole town sums blocks, not a million parcels.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from municipalities.tenancy import parcel_in_zones_sql
from works.choices import OPEN_STATUSES

PERSONAL, TAXES, REGISTER = "personal", "taxes", "register"
ACCESS_LEVELS = (PERSONAL, TAXES, REGISTER)
EXTENT, BUFFER = 1024, 16  # the margin (1/64 of the tile) is the one Martin's 4096/64 reads
ENVELOPE = "(SELECT ST_TileEnvelope($1, $2, $3)::box2d)"
SEARCH_ENVELOPE = f"ST_TileEnvelope($1, $2, $3, margin => {BUFFER / EXTENT})"
UNIT_AT_Z0 = 40_075_016.69 / EXTENT  # metres
AMOUNTS_FROM_ZOOM = 15
CURRENT_RUN = (
    "(SELECT r.id FROM taxes_assessmentrun r WHERE r.municipality_id = $4 AND r.tax_year = $5 AND r.is_current)"
)


# The status as the view `taxes_tax_status` derives it (taxes/migrations/0002_tax_status_view.py; a test
# compares both for every status). Overdue from the day after the due date in Thailand: tiles that carry
# it are cached per day in that zone (maps/views.py).
TODAYS_ZONE = ZoneInfo("Asia/Bangkok")
STATUS = (
    "CASE WHEN s.notice_sent AND s.tax_paid >= s.tax_due THEN 'paid' WHEN NOT s.notice_sent THEN 'assessed' "
    f"WHEN s.due_on < (now() AT TIME ZONE '{TODAYS_ZONE.key}')::date THEN 'overdue' "
    "WHEN s.tax_paid > 0 THEN 'part_paid' ELSE 'notice_sent' END"
)


def _status(subject: str, column: str) -> str:
    """The year's tax status of one parcel or sign (absent: not assessed), as a LATERAL subquery.

    One index probe per feature into the current run's rows (the run found once per tile): the view
    `taxes_tax_status` would join the run again for every feature (docs/BENCHMARKS.md).
    """
    return (
        f"LEFT JOIN LATERAL (SELECT {STATUS} AS status, s.tax_due, s.tax_paid FROM taxes_taxstatus s "
        f"WHERE s.run_id = {CURRENT_RUN} AND s.{column} = {subject}.id LIMIT 1) s ON true"
    )


def _status_columns(access: str) -> tuple[str, ...]:
    if access == PERSONAL:
        return (
            "COALESCE(s.status, 'not_assessed') AS tax_status",
            f"CASE WHEN $1 >= {AMOUNTS_FROM_ZOOM} THEN s.tax_due::float8 END AS tax_due",
            f"CASE WHEN $1 >= {AMOUNTS_FROM_ZOOM} THEN s.tax_paid::float8 END AS tax_paid",
        )
    if access == TAXES:
        return ("COALESCE(s.status, 'not_assessed') AS tax_status",)
    return ()


def _in_zones(parcel_id: str, zoned: bool) -> str:
    """AND the parcel lies in one of the member's zones (nothing when the member sees every zone)."""
    return f" AND {parcel_in_zones_sql(parcel_id, '$6')}" if zoned else ""


REVENUE_COLUMNS = (
    "r.expected::float8",
    "r.collected::float8",
    "CASE WHEN r.expected > 0 THEN round(r.collected / r.expected, 4)::float8 END AS rate",
)


@dataclass(frozen=True)
class Layer:
    name: str
    min_zoom: int
    tax: bool  # carries the tax status or revenue, which depend on the year and on today's date
    needs_taxes: bool = False  # served only to roles that see taxes
    by_kind: bool = False  # its features carry a `kind`; the kinds the municipality hides are left out

    def sql(self, access: str, zoned: bool = False, hiding: bool = False) -> str:
        columns, source = BUILDERS[self.name](access, zoned)
        # The condition on the outer row is pushed down to the table (or to each branch of the missed
        # layer's UNION, where it is a one-time filter), so a hidden kind's rows are never read.
        hidden = f" WHERE t.kind <> ALL(${7 if zoned else 6})" if hiding else ""
        return (
            f"SELECT ST_AsMVT(t, '{self.name}', {EXTENT}, 'geom', 'id') FROM (SELECT "
            + ", ".join(columns)
            + f" {source}) AS t{hidden}"
        )

    def parameters(self, zoned: bool, hiding: bool = False) -> str:
        """The statement's parameter types for PREPARE."""
        return "int, int, int, bigint, int" + (", bigint[]" if zoned else "") + (", text[]" if hiding else "")


def _geom(column: str, simplify: bool = False) -> str:
    if simplify:
        column = f"ST_Simplify({column}, {UNIT_AT_Z0} / 2 ^ $1)"
    return f"ST_AsMVTGeom({column}, {ENVELOPE}, {EXTENT}, {BUFFER}, true) AS geom"


def _parcels(access, zoned):
    columns = [
        "p.id",
        _geom("p.geom_3857"),
        "p.main_use AS land_use",
        *_status_columns(access),
    ]
    join = _status("p", "parcel_id") if access != REGISTER else ""
    zones = " AND p.block_id IN (SELECT zb.id FROM municipalities_block zb WHERE zb.zone_id = ANY($6))" if zoned else ""
    return columns, (
        f"FROM assets_parcel p {join} WHERE p.municipality_id = $4 AND p.retired_on IS NULL "
        f"AND p.geom_3857 && {SEARCH_ENVELOPE}{zones}"
    )


def _buildings(access, zoned):
    return ["b.id", _geom("b.footprint_3857"), "b.building_type", "b.floors"], (
        f"FROM assets_building b WHERE b.municipality_id = $4 AND b.footprint_3857 && {SEARCH_ENVELOPE}"
        + _in_zones("b.parcel_id", zoned)
    )


SIGN_IN_YEAR = (
    "g.installed_on <= make_date($5, 12, 31) AND (g.removed_on IS NULL OR g.removed_on >= make_date($5, 1, 1))"
)


def _signboards(access, zoned):
    join = _status("g", "signboard_id") if access != REGISTER else ""
    return ["g.id", _geom("g.location_3857"), "g.sign_type", *_status_columns(access)], (
        f"FROM assets_signboard g {join} WHERE g.municipality_id = $4 AND g.location_3857 && {SEARCH_ENVELOPE} "
        f"AND {SIGN_IN_YEAR}" + _in_zones("g.parcel_id", zoned)
    )


def _infrastructure(access, zoned):
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    return [
        "a.id",
        _geom("a.geom_3857"),
        "a.kind",
        "a.condition",
        "EXTRACT(year FROM a.installed_on)::int AS installed_year",
        f"(SELECT count(*) FROM works_workorder w WHERE w.asset_id = a.id AND w.municipality_id = $4 "
        f"AND w.status IN ({statuses}))::int AS open_orders",
    ], f"FROM assets_infrastructureasset a WHERE a.municipality_id = $4 AND a.geom_3857 && {SEARCH_ENVELOPE}"


def _blocks(access, zoned):
    columns = ["b.id", _geom("b.geom_3857", simplify=True), "b.code"]
    join = ""
    if access != REGISTER:
        columns += REVENUE_COLUMNS
        join = f"LEFT JOIN maps_blockrevenue r ON r.block_id = b.id AND r.run_id = {CURRENT_RUN}"
    zones = " AND b.zone_id = ANY($6)" if zoned else ""
    return columns, (
        f"FROM municipalities_block b {join} WHERE b.municipality_id = $4 AND b.geom_3857 && {SEARCH_ENVELOPE}{zones}"
    )


def _zones(access, zoned):
    columns = ["z.id", _geom("z.geom_3857", simplify=True), "z.code", "z.name"]
    join = ""
    if access != REGISTER:
        columns += REVENUE_COLUMNS
        # Block by block through the (run, block) index: a zone has a hundred blocks, a run ten thousand.
        join = (
            "LEFT JOIN LATERAL (SELECT sum(br.expected) AS expected, sum(br.collected) AS collected "
            "FROM municipalities_block zb CROSS JOIN LATERAL (SELECT x.expected, x.collected "
            f"FROM maps_blockrevenue x WHERE x.block_id = zb.id AND x.run_id = {CURRENT_RUN} LIMIT 1) br "
            "WHERE zb.zone_id = z.id) r ON true"
        )
    zones = " AND z.id = ANY($6)" if zoned else ""
    return columns, (
        f"FROM municipalities_zone z {join} WHERE z.municipality_id = $4 AND z.geom_3857 && {SEARCH_ENVELOPE}{zones}"
    )


def _missed(access, zoned):
    """Revenue the register may be missing: parcels nobody owns, buildings and signs not assessed this year.

    A building counts as not assessed when nobody owns it or its parcel has no assessment this year
    (taxes.services.assessment_run assesses buildings with their parcel's holdings).
    """
    assessed_parcel = (
        "EXISTS (SELECT 1 FROM taxes_tax_status s "
        "WHERE s.parcel_id = {p} AND s.tax_year = $5 AND s.municipality_id = $4)"
    )
    return (
        ["m.id", _geom("m.geom"), "m.kind"],
        f"""FROM (
        SELECT p.id, p.geom_3857 AS geom, 'parcel_no_owner' AS kind FROM assets_parcel p
        WHERE p.municipality_id = $4 AND p.retired_on IS NULL AND p.geom_3857 && {SEARCH_ENVELOPE}
          AND NOT EXISTS (SELECT 1 FROM assets_ownership o WHERE o.parcel_id = p.id)
          AND NOT EXISTS (SELECT 1 FROM assets_building b JOIN assets_ownership o ON o.building_id = b.id
                          WHERE b.parcel_id = p.id){_in_zones("p.id", zoned)}
        UNION ALL
        SELECT b.id, b.footprint_3857, 'building' FROM assets_building b
        WHERE b.municipality_id = $4 AND b.footprint_3857 && {SEARCH_ENVELOPE}
          AND (NOT EXISTS (SELECT 1 FROM assets_ownership o WHERE o.building_id = b.id)
               OR NOT {assessed_parcel.format(p="b.parcel_id")}){_in_zones("b.parcel_id", zoned)}
        UNION ALL
        SELECT g.id, g.location_3857, 'signboard' FROM assets_signboard g
        WHERE g.municipality_id = $4 AND g.location_3857 && {SEARCH_ENVELOPE} AND {SIGN_IN_YEAR}
          AND NOT EXISTS (SELECT 1 FROM taxes_tax_status s
                          WHERE s.signboard_id = g.id AND s.tax_year = $5 AND s.municipality_id = $4)
          {_in_zones("g.parcel_id", zoned)}
    ) m""",
    )


BUILDERS = {
    "parcels": _parcels,
    "buildings": _buildings,
    "signboards": _signboards,
    "infrastructure": _infrastructure,
    "blocks": _blocks,
    "zones": _zones,
    "missed": _missed,
}

LAYERS = {
    layer.name: layer
    for layer in (
        Layer("parcels", min_zoom=14, tax=True),
        Layer("buildings", min_zoom=15, tax=False),
        Layer("signboards", min_zoom=14, tax=True),
        Layer("infrastructure", min_zoom=13, tax=False, by_kind=True),
        Layer("blocks", min_zoom=12, tax=True),
        Layer("zones", min_zoom=0, tax=True),
        Layer("missed", min_zoom=14, tax=True, needs_taxes=True, by_kind=True),
    )
}
MAX_ZOOM = 22
