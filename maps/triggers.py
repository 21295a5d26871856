"""SQL run by the migrations of maps/: Web Mercator columns for the tile SQL, and the triggers that
tell every server process which cached tiles (and which cached tile permissions) a commit made stale.

Every write that changes what a tile shows goes through PostgreSQL, whatever made it (a service, the
admin, a COPY of an import, an assessment run), so the invalidation is taken there: statement-level
triggers read the statement's transition tables and send `NOTIFY maps_tiles` with the municipality,
the layers and the bounding boxes (EPSG:3857) of what changed. PostgreSQL delivers a notification
only when its transaction commits, in commit order, and not at all when it rolls back, so the
caches (maps/cache.py) drop exactly what a committed change touched. A statement of more than
`BULK_ROWS` rows (an import, a new run) invalidates the layers of its municipality as a whole.

The same triggers keep `maps_blockrevenue` (maps.models.BlockRevenue), the tax due and paid of each
block in each run: a change of status rows adds its difference to its blocks (exact whatever the
size of the statement), and a parcel or sign that moves to another block has the revenue of both
blocks counted again. One writer brings its own: a new run copies its million status rows in with
the sum of their tax by block, computed from the parcels it has read (`REVENUE_GIVEN`), instead of
this trigger joining them with every parcel; tests/maps/test_revenue.py compares both with a recount.

Payloads (JSON): `{"m": municipality id, "l": "parcels,missed", "b": [[xmin, ymin, xmax, ymax], …]}`;
`"b": null` for the whole municipality; `{"all": true}` after a TRUNCATE. On the channel
`maps_access`: `{"s": [session keys]}` or `{"u": [user ids]}` whose cached tile permission is stale.
"""

BULK_ROWS = 500
# Set to 'on' (transaction-local) around a COPY of status rows whose blocks' revenue the writer inserts
# itself: the trigger then leaves that statement's revenue alone (taxes.runs.copy_status).
REVENUE_GIVEN = "maps.revenue_given"
WORK_MEM = "64MB"  # for the statements of a bulk change (see Watch.function_sql)
TAX_LAYERS = "parcels,signboards,missed,blocks,zones"

# Zones, blocks and signboards are stored in 4326 only; the tiles read generated 3857 copies.
GEOMETRY = """
ALTER TABLE municipalities_zone ADD COLUMN geom_3857 geometry(MultiPolygon, 3857)
    GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
CREATE INDEX maps_zone_geom_3857_gist ON municipalities_zone USING gist (geom_3857);
ALTER TABLE municipalities_block ADD COLUMN geom_3857 geometry(MultiPolygon, 3857)
    GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
CREATE INDEX maps_block_geom_3857_gist ON municipalities_block USING gist (geom_3857);
ALTER TABLE assets_signboard ADD COLUMN location_3857 geometry(Point, 3857)
    GENERATED ALWAYS AS (ST_Transform(location, 3857)) STORED;
CREATE INDEX maps_signboard_location_3857_gist ON assets_signboard USING gist (location_3857);
"""
GEOMETRY_REVERSE = """
ALTER TABLE municipalities_zone DROP COLUMN geom_3857;
ALTER TABLE municipalities_block DROP COLUMN geom_3857;
ALTER TABLE assets_signboard DROP COLUMN location_3857;
"""

HELPERS = """
CREATE FUNCTION maps_notify(layers text, ms bigint[], boxes box2d[]) RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('maps_tiles', json_build_object(
        'm', m, 'l', layers,
        'b', CASE WHEN count(*) > 40
                  THEN json_build_array(json_build_array(
                      ST_XMin(ST_Extent(b::geometry)), ST_YMin(ST_Extent(b::geometry)),
                      ST_XMax(ST_Extent(b::geometry)), ST_YMax(ST_Extent(b::geometry))))
                  ELSE json_agg(json_build_array(ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b))) END)::text)
    FROM unnest(ms, boxes) AS u(m, b) WHERE m IS NOT NULL AND b IS NOT NULL GROUP BY m
$$;

CREATE FUNCTION maps_notify_all(layers text, ms bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('maps_tiles', json_build_object('m', m, 'l', layers, 'b', NULL)::text)
    FROM (SELECT DISTINCT m FROM unnest(ms) AS u(m) WHERE m IS NOT NULL) d
$$;

-- The revenue of these blocks and of their zones changed.
CREATE FUNCTION maps_notify_blocks(block_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT maps_notify('blocks', array_agg(b.municipality_id), array_agg(box2d(b.geom_3857)))
    FROM municipalities_block b WHERE b.id = ANY(block_ids);
    SELECT maps_notify('zones', array_agg(z.municipality_id), array_agg(box2d(z.geom_3857)))
    FROM municipalities_zone z WHERE z.id IN (SELECT b.zone_id FROM municipalities_block b WHERE b.id = ANY(block_ids));
$$;

-- Count the revenue of these blocks again, in every run of their municipality (a parcel or sign moved).
CREATE FUNCTION maps_revenue_recount(block_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE runs bigint[];
BEGIN
    IF block_ids IS NULL THEN
        RETURN;
    END IF;
    SELECT array_agg(r.id) INTO runs FROM taxes_assessmentrun r
    WHERE r.municipality_id IN (SELECT b.municipality_id FROM municipalities_block b WHERE b.id = ANY(block_ids));
    DELETE FROM maps_blockrevenue WHERE block_id = ANY(block_ids);
    INSERT INTO maps_blockrevenue (municipality_id, run_id, block_id, expected, collected)
    SELECT p.municipality_id, s.run_id, p.block_id, sum(s.tax_due), sum(s.tax_paid)
    FROM assets_parcel p CROSS JOIN LATERAL (
        SELECT s.run_id, s.tax_due, s.tax_paid FROM taxes_taxstatus s
        WHERE s.run_id = ANY(runs) AND s.parcel_id = p.id
        UNION ALL
        SELECT s.run_id, s.tax_due, s.tax_paid FROM assets_signboard g
        JOIN taxes_taxstatus s ON s.run_id = ANY(runs) AND s.signboard_id = g.id WHERE g.parcel_id = p.id
    ) s
    WHERE p.block_id = ANY(block_ids)
    GROUP BY 1, 2, 3;
END $$;

-- These blocks' revenue changed because parcels or signs moved between them: count it again, tell the caches.
CREATE FUNCTION maps_blocks_moved(block_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT maps_revenue_recount(block_ids);
    SELECT maps_notify_blocks(block_ids);
$$;

CREATE FUNCTION maps_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '{"all": true}');
    RETURN NULL;
END $$;
"""
HELPERS_REVERSE = """
DROP FUNCTION maps_notify(text, bigint[], box2d[]);
DROP FUNCTION maps_notify_all(text, bigint[]);
DROP FUNCTION maps_blocks_moved(bigint[]);
DROP FUNCTION maps_revenue_recount(bigint[]);
DROP FUNCTION maps_notify_blocks(bigint[]);
DROP FUNCTION maps_truncated();
"""


# Each watched table: (table, layers for its own geometry, SQL giving (municipality_id, box) of a row set
# named `r`, the columns whose change matters on UPDATE, extra statements run on the changed rows).
class Watch:
    def __init__(self, table, layers, boxes, columns, *, extra="", moved="", bulk_layers=None, always=None):
        self.table = table
        self.layers = layers
        self.boxes = boxes  # SELECT m, b FROM ({rows}) r …: the boxes of the changed rows
        self.columns = columns
        self.extra = extra  # more statements on the changed rows {rows}
        self.moved = moved  # statements run on every UPDATE: a parcel or sign moved to another block …
        self.bulk_layers = bulk_layers or layers
        self.always = always  # op → a statement run for statements of any size (the revenue's difference)

    @property
    def name(self):
        return f"maps_changed_{self.table}"

    def function_sql(self) -> str:
        changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in self.columns)
        per_op = {
            "INSERT": "SELECT n.* FROM new_rows n",
            "DELETE": "SELECT o.* FROM old_rows o",
            "UPDATE": f"SELECT n.* FROM new_rows n JOIN old_rows o USING (id) WHERE {changed} "
            f"UNION ALL SELECT o.* FROM old_rows o JOIN new_rows n USING (id) WHERE {changed}",
        }
        branches = []
        for op, rows in per_op.items():
            count_table = "old_rows" if op == "DELETE" else "new_rows"
            statements = [
                f"PERFORM maps_notify('{self.layers}', array_agg(x.m), array_agg(x.b)) "
                f"FROM ({self.boxes.format(rows=rows)}) x;"
            ]
            if self.extra:
                statements.append(self.extra.format(rows=rows))
            body = "\n            ".join(statements)
            always = [self.always(op)] if self.always else []
            if self.moved and op == "UPDATE":
                always.append(self.moved)
            always = "".join(f"\n        {a}" for a in always)
            branches.append(
                f"""IF TG_OP = '{op}' THEN{always}
        IF EXISTS (SELECT FROM {count_table} OFFSET {BULK_ROWS}) THEN
            PERFORM maps_notify_all('{self.bulk_layers}', ARRAY(SELECT DISTINCT municipality_id FROM {count_table}));
        ELSE
            {body}
        END IF;
    END IF;"""
            )
        # A whole run's status rows (a million) join the parcels for their blocks: with the stock 4 MB
        # of work_mem that hash join and the sums by block spilled to disk.
        return f"""
CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql SET work_mem = '{WORK_MEM}' AS $fn$
BEGIN
    {chr(10).join("    " + b for b in branches).strip()}
    RETURN NULL;
END $fn$;
"""

    def triggers_sql(self) -> str:
        return f"""
CREATE TRIGGER {self.name}_i AFTER INSERT ON {self.table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {self.name}();
CREATE TRIGGER {self.name}_u AFTER UPDATE ON {self.table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {self.name}();
CREATE TRIGGER {self.name}_d AFTER DELETE ON {self.table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {self.name}();
CREATE TRIGGER {self.name}_t AFTER TRUNCATE ON {self.table}
    FOR EACH STATEMENT EXECUTE FUNCTION maps_truncated('maps_tiles');
"""

    def reverse_sql(self) -> str:
        return (
            "".join(f"DROP TRIGGER {self.name}_{suffix} ON {self.table};\n" for suffix in "iudt")
            + f"DROP FUNCTION {self.name}();\n"
        )


def _own(column: str) -> str:
    return "SELECT r.municipality_id AS m, box2d(r." + column + ") AS b FROM ({rows}) r"


def _via_parcel() -> str:
    return (
        "SELECT p.municipality_id AS m, box2d(p.geom_3857) AS b FROM ({rows}) r "
        "JOIN assets_parcel p ON p.id = r.parcel_id"
    )


def _blocks_of_parcels(parcel_ids: str) -> str:
    return (
        f"PERFORM maps_notify_blocks(array_agg(DISTINCT p.block_id)) FROM assets_parcel p "
        f"WHERE p.id IN ({parcel_ids}) AND p.block_id IS NOT NULL;"
    )


def _revenue_delta(op: str) -> str:
    """Add the tax due and paid of the statement's new status rows to their blocks, take the old ones away."""
    deltas = []
    if op in ("INSERT", "UPDATE"):
        deltas.append("SELECT run_id, parcel_id, signboard_id, tax_due AS due, tax_paid AS paid FROM new_rows")
    if op in ("DELETE", "UPDATE"):
        deltas.append("SELECT run_id, parcel_id, signboard_id, -tax_due AS due, -tax_paid AS paid FROM old_rows")
    statement = (
        "INSERT INTO maps_blockrevenue (municipality_id, run_id, block_id, expected, collected) "
        "SELECT p.municipality_id, d.run_id, p.block_id, sum(d.due), sum(d.paid) "
        f"FROM ({' UNION ALL '.join(deltas)}) d LEFT JOIN assets_signboard g ON g.id = d.signboard_id "
        "JOIN assets_parcel p ON p.id = COALESCE(d.parcel_id, g.parcel_id) WHERE p.block_id IS NOT NULL "
        "GROUP BY 1, 2, 3 ON CONFLICT (run_id, block_id) DO UPDATE SET "
        "expected = maps_blockrevenue.expected + EXCLUDED.expected, "
        "collected = maps_blockrevenue.collected + EXCLUDED.collected;"
    )
    if op == "INSERT":  # unless the statement brings its revenue along (a new run, taxes.runs.copy_status)
        return f"IF current_setting('{REVENUE_GIVEN}', true) IS DISTINCT FROM 'on' THEN {statement} END IF;"
    return statement


def _moved(column: str, block_of_x: str) -> str:
    """Count again the revenue of the blocks on both sides of an UPDATE that changed `column`, and
    notify them (and their zones)."""
    return (
        f"PERFORM maps_blocks_moved(array_agg(DISTINCT b)) FROM ("
        f"SELECT ({block_of_x}) AS b FROM new_rows x JOIN old_rows o USING (id) "
        f"WHERE x.{column} IS DISTINCT FROM o.{column} UNION "
        f"SELECT ({block_of_x.replace('x.', 'o.')}) FROM new_rows n JOIN old_rows o USING (id) "
        f"WHERE n.{column} IS DISTINCT FROM o.{column}) moved WHERE b IS NOT NULL;"
    )


WATCHES = [
    Watch(
        "assets_parcel",
        "parcels,missed",
        _own("geom_3857"),
        ["geom_3857", "retired_on", "municipality_id", "block_id"],
        # A parcel moved to another block moves its tax to that block's (and zone's) revenue, and its
        # buildings and signs into or out of the tiles of members limited to that block's zone.
        moved=_moved("block_id", "SELECT x.block_id")
        + "\n        PERFORM maps_notify('buildings,signboards', array_agg(n.municipality_id), "
        "array_agg(box2d(n.geom_3857))) FROM new_rows n JOIN old_rows o USING (id) "
        "WHERE n.block_id IS DISTINCT FROM o.block_id;",
    ),
    Watch("assets_landuse", "parcels", _via_parcel(), ["use", "area_sq_wah", "parcel_id"]),
    Watch(
        "assets_building",
        "buildings,missed",
        _own("footprint_3857"),
        ["footprint_3857", "building_type", "floors", "parcel_id", "municipality_id"],
    ),
    Watch(
        "assets_ownership",
        "missed",
        "SELECT p.municipality_id AS m, box2d(p.geom_3857) AS b FROM ({rows}) r JOIN assets_parcel p "
        "ON p.id = r.parcel_id OR p.id = (SELECT b.parcel_id FROM assets_building b WHERE b.id = r.building_id)",
        ["owner_id", "parcel_id", "building_id"],
    ),
    Watch(
        "assets_signboard",
        "signboards,missed",
        _own("location_3857"),
        ["location_3857", "sign_type", "installed_on", "removed_on", "parcel_id", "municipality_id"],
        moved=_moved("parcel_id", "SELECT p.block_id FROM assets_parcel p WHERE p.id = x.parcel_id"),
    ),
    Watch(
        "assets_infrastructureasset",
        "infrastructure",
        _own("geom_3857"),
        ["geom_3857", "kind", "condition", "installed_on", "municipality_id"],
    ),
    Watch(
        "works_workorder",
        "infrastructure",
        "SELECT a.municipality_id AS m, box2d(a.geom_3857) AS b FROM ({rows}) r "
        "JOIN assets_infrastructureasset a ON a.id = r.asset_id",
        ["status", "asset_id"],
    ),
    Watch("municipalities_zone", "zones", _own("geom_3857"), ["geom_3857", "code", "name"]),
    Watch(
        "municipalities_block",
        "blocks",
        _own("geom_3857"),
        ["geom_3857", "code", "zone_id"],
        # A block moved to another zone moves its revenue between the two zones, and everything on it
        # into or out of the tiles of members limited to either zone.
        moved="PERFORM maps_notify('zones', array_agg(z.municipality_id), array_agg(box2d(z.geom_3857))) "
        "FROM municipalities_zone z WHERE z.id IN (SELECT n.zone_id FROM new_rows n JOIN old_rows o USING (id) "
        "WHERE n.zone_id <> o.zone_id UNION SELECT o.zone_id FROM new_rows n JOIN old_rows o USING (id) "
        "WHERE n.zone_id <> o.zone_id);\n        "
        "PERFORM maps_notify('parcels,buildings,signboards,missed', array_agg(n.municipality_id), "
        "array_agg(box2d(n.geom_3857))) FROM new_rows n JOIN old_rows o USING (id) WHERE n.zone_id <> o.zone_id;",
    ),
    # The maps' tax status of a parcel or sign (a notice issued, a payment recorded, a run written).
    Watch(
        "taxes_taxstatus",
        "parcels,missed",
        _via_parcel(),
        ["tax_due", "tax_paid", "notice_sent", "due_on", "run_id", "parcel_id", "signboard_id"],
        extra=(
            "PERFORM maps_notify('signboards,missed', array_agg(g.municipality_id), array_agg(box2d(g.location_3857))) "
            "FROM ({rows}) r JOIN assets_signboard g ON g.id = r.signboard_id;\n            "
            + _blocks_of_parcels(
                "SELECT r.parcel_id FROM ({rows}) r UNION SELECT g.parcel_id FROM ({rows}) r "
                "JOIN assets_signboard g ON g.id = r.signboard_id"
            )
        ),
        bulk_layers=TAX_LAYERS,
        always=_revenue_delta,
    ),
]

# A run becoming (or ceasing to be) the year's current one changes every tax layer of its municipality.
RUNS = f"""
CREATE FUNCTION maps_changed_runs() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM maps_notify_all('{TAX_LAYERS}', array_agg(n.municipality_id))
        FROM new_rows n JOIN old_rows o USING (id) WHERE n.is_current IS DISTINCT FROM o.is_current;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM maps_notify_all('{TAX_LAYERS}', array_agg(n.municipality_id)) FROM new_rows n WHERE n.is_current;
    ELSE
        PERFORM maps_notify_all('{TAX_LAYERS}', array_agg(o.municipality_id)) FROM old_rows o WHERE o.is_current;
    END IF;
    RETURN NULL;
END $fn$;
CREATE TRIGGER maps_changed_runs_i AFTER INSERT ON taxes_assessmentrun REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_changed_runs();
CREATE TRIGGER maps_changed_runs_u AFTER UPDATE ON taxes_assessmentrun
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION maps_changed_runs();
CREATE TRIGGER maps_changed_runs_d AFTER DELETE ON taxes_assessmentrun REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_changed_runs();
CREATE TRIGGER maps_changed_runs_t AFTER TRUNCATE ON taxes_assessmentrun
    FOR EACH STATEMENT EXECUTE FUNCTION maps_truncated('maps_tiles');
"""
RUNS_REVERSE = """
DROP TRIGGER maps_changed_runs_i ON taxes_assessmentrun;
DROP TRIGGER maps_changed_runs_u ON taxes_assessmentrun;
DROP TRIGGER maps_changed_runs_d ON taxes_assessmentrun;
DROP TRIGGER maps_changed_runs_t ON taxes_assessmentrun;
DROP FUNCTION maps_changed_runs();
"""

# Cached tile permissions (maps/access.py): a session changed (logout, switch of municipality) or ended,
# a membership or a user changed.
ACCESS = f"""
CREATE FUNCTION maps_access_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE payload text;
BEGIN
    IF TG_TABLE_NAME = 'django_session' THEN
        SELECT CASE WHEN count(*) > {BULK_ROWS} THEN '{{"all": true}}'
                    ELSE json_build_object('s', json_agg(o.session_key))::text END
        INTO payload FROM old_rows o;
    ELSIF TG_TABLE_NAME = 'municipalities_membership_zones' THEN
        SELECT json_build_object('u', json_agg(DISTINCT m.user_id))::text INTO payload
        FROM (SELECT membership_id FROM old_rows) o JOIN municipalities_membership m ON m.id = o.membership_id;
    ELSIF TG_TABLE_NAME = 'municipalities_membership' THEN
        SELECT json_build_object('u', json_agg(DISTINCT o.user_id))::text INTO payload FROM old_rows o;
    ELSE
        SELECT json_build_object('u', json_agg(o.id))::text INTO payload FROM old_rows o;
    END IF;
    IF payload IS NOT NULL THEN
        PERFORM pg_notify('maps_access', payload);
    END IF;
    RETURN NULL;
END $fn$;
CREATE FUNCTION maps_access_added() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE payload text;
BEGIN
    IF TG_TABLE_NAME = 'municipalities_membership_zones' THEN
        SELECT json_build_object('u', json_agg(DISTINCT m.user_id))::text INTO payload
        FROM (SELECT membership_id FROM new_rows) n JOIN municipalities_membership m ON m.id = n.membership_id;
    ELSE
        SELECT json_build_object('u', json_agg(DISTINCT n.user_id))::text INTO payload FROM new_rows n;
    END IF;
    IF payload IS NOT NULL THEN
        PERFORM pg_notify('maps_access', payload);
    END IF;
    RETURN NULL;
END $fn$;
CREATE TRIGGER maps_access_session_u AFTER UPDATE ON django_session REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_changed();
CREATE TRIGGER maps_access_session_d AFTER DELETE ON django_session REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_changed();
CREATE TRIGGER maps_access_user_u AFTER UPDATE ON auth_user REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_changed();
CREATE TRIGGER maps_access_user_d AFTER DELETE ON auth_user REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_changed();
CREATE TRIGGER maps_access_membership_i AFTER INSERT ON municipalities_membership REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_added();
CREATE TRIGGER maps_access_membership_u AFTER UPDATE ON municipalities_membership REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_changed();
CREATE TRIGGER maps_access_membership_d AFTER DELETE ON municipalities_membership REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_changed();
CREATE TRIGGER maps_access_zones_i AFTER INSERT ON municipalities_membership_zones REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_added();
CREATE TRIGGER maps_access_zones_d AFTER DELETE ON municipalities_membership_zones REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_access_changed();
"""
ACCESS_TRUNCATE_TABLES = ["django_session", "auth_user", "municipalities_membership", "municipalities_membership_zones"]
ACCESS += "".join(
    f"CREATE TRIGGER maps_access_t AFTER TRUNCATE ON {t} "
    "FOR EACH STATEMENT EXECUTE FUNCTION maps_truncated('maps_access');\n"
    for t in ACCESS_TRUNCATE_TABLES
)
ACCESS_REVERSE = (
    "".join(
        f"DROP TRIGGER {name} ON {table};\n"
        for name, table in [
            ("maps_access_session_u", "django_session"),
            ("maps_access_session_d", "django_session"),
            ("maps_access_user_u", "auth_user"),
            ("maps_access_user_d", "auth_user"),
            ("maps_access_membership_i", "municipalities_membership"),
            ("maps_access_membership_u", "municipalities_membership"),
            ("maps_access_membership_d", "municipalities_membership"),
            ("maps_access_zones_i", "municipalities_membership_zones"),
            ("maps_access_zones_d", "municipalities_membership_zones"),
        ]
        + [("maps_access_t", t) for t in ACCESS_TRUNCATE_TABLES]
    )
    + "DROP FUNCTION maps_access_changed();\nDROP FUNCTION maps_access_added();\n"
)

# The modules and layers a municipality hides close tile layers or leave kinds out of them
# (municipalities/modules.py, maps/access.py): a change of either makes every process forget every tile
# permission it remembers (rare; maps_truncated says "all"). CREATE OR REPLACE: migration 0010 gave the
# triggers of 0006 their `hidden_layers`.
SETTINGS_ACCESS = """
CREATE OR REPLACE TRIGGER maps_access_settings_i AFTER INSERT ON catalogue_municipalprofile FOR EACH ROW
    WHEN (NEW.hidden_modules <> '[]'::jsonb OR NEW.hidden_layers <> '[]'::jsonb)
    EXECUTE FUNCTION maps_truncated('maps_access');
CREATE OR REPLACE TRIGGER maps_access_settings_u AFTER UPDATE ON catalogue_municipalprofile FOR EACH ROW
    WHEN (OLD.hidden_modules IS DISTINCT FROM NEW.hidden_modules
          OR OLD.hidden_layers IS DISTINCT FROM NEW.hidden_layers)
    EXECUTE FUNCTION maps_truncated('maps_access');
CREATE OR REPLACE TRIGGER maps_access_settings_d AFTER DELETE ON catalogue_municipalprofile FOR EACH ROW
    WHEN (OLD.hidden_modules <> '[]'::jsonb OR OLD.hidden_layers <> '[]'::jsonb)
    EXECUTE FUNCTION maps_truncated('maps_access');
CREATE OR REPLACE TRIGGER maps_access_t AFTER TRUNCATE ON catalogue_municipalprofile
    FOR EACH STATEMENT EXECUTE FUNCTION maps_truncated('maps_access');
"""
SETTINGS_ACCESS_REVERSE = "".join(
    f"DROP TRIGGER {name} ON catalogue_municipalprofile;\n"
    for name in ("maps_access_settings_i", "maps_access_settings_u", "maps_access_settings_d", "maps_access_t")
)

# The revenue of the runs written before these triggers existed.
REVENUE_FILL = """
INSERT INTO maps_blockrevenue (municipality_id, run_id, block_id, expected, collected)
SELECT p.municipality_id, s.run_id, p.block_id, sum(s.tax_due), sum(s.tax_paid)
FROM taxes_taxstatus s LEFT JOIN assets_signboard g ON g.id = s.signboard_id
JOIN assets_parcel p ON p.id = COALESCE(s.parcel_id, g.parcel_id) WHERE p.block_id IS NOT NULL
GROUP BY 1, 2, 3;
"""

# The parcel tile's land use is each parcel's largest use (ties: the first entered), kept on the parcel
# as `main_use`, a column of the database alone (not a model field: no form or save writes it), so
# that a tile reads it with the parcel instead of probing the land uses once per feature: that probe
# was a fifth of a z14 tile's time (docs/BENCHMARKS.md). Every write of land uses keeps it, whatever
# made it. Left: two transactions changing land uses of the same parcel at once can leave the value of
# the first (each computes it from its own snapshot); the service replaces a parcel's uses as a whole.
MAIN_USE = """
ALTER TABLE assets_parcel ADD COLUMN main_use varchar(40);
CREATE FUNCTION maps_main_use_of(parcel_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE assets_parcel p SET main_use = u.use
    FROM (SELECT i.id, (SELECT l.use FROM assets_landuse l WHERE l.parcel_id = i.id
                        ORDER BY l.area_sq_wah DESC, l.id LIMIT 1) AS use
          FROM unnest(parcel_ids) AS i(id)) u
    WHERE p.id = u.id AND p.main_use IS DISTINCT FROM u.use
$$;
CREATE FUNCTION maps_land_uses_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM maps_main_use_of(ARRAY(SELECT DISTINCT parcel_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM maps_main_use_of(ARRAY(SELECT DISTINCT parcel_id FROM old_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM maps_main_use_of(ARRAY(SELECT parcel_id FROM new_rows UNION SELECT parcel_id FROM old_rows));
    ELSIF TG_OP = 'TRUNCATE' THEN
        UPDATE assets_parcel SET main_use = NULL WHERE main_use IS NOT NULL;
    END IF;
    RETURN NULL;
END $fn$;
CREATE TRIGGER maps_main_use_i AFTER INSERT ON assets_landuse REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_land_uses_changed();
CREATE TRIGGER maps_main_use_u AFTER UPDATE ON assets_landuse REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_land_uses_changed();
CREATE TRIGGER maps_main_use_d AFTER DELETE ON assets_landuse REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION maps_land_uses_changed();
CREATE TRIGGER maps_main_use_t AFTER TRUNCATE ON assets_landuse
    FOR EACH STATEMENT EXECUTE FUNCTION maps_land_uses_changed();
SELECT maps_main_use_of(ARRAY(SELECT DISTINCT parcel_id FROM assets_landuse));
"""
MAIN_USE_REVERSE = """
DROP TRIGGER maps_main_use_i ON assets_landuse;
DROP TRIGGER maps_main_use_u ON assets_landuse;
DROP TRIGGER maps_main_use_d ON assets_landuse;
DROP TRIGGER maps_main_use_t ON assets_landuse;
DROP FUNCTION maps_land_uses_changed();
DROP FUNCTION maps_main_use_of(bigint[]);
ALTER TABLE assets_parcel DROP COLUMN main_use;
"""

# The watched tables' functions alone (CREATE OR REPLACE), for a migration that changes their bodies.
FUNCTIONS = "".join(w.function_sql() for w in WATCHES)
TRIGGERS = HELPERS + "".join(w.function_sql() + w.triggers_sql() for w in WATCHES) + RUNS + ACCESS
TRIGGERS_REVERSE = ACCESS_REVERSE + RUNS_REVERSE + "".join(w.reverse_sql() for w in WATCHES) + HELPERS_REVERSE
