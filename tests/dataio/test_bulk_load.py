"""The bulk path of a municipality's first large load (dataio/staging.py): the indexes are built after
the rows are in, ST_IsValid is left to the register's check constraint, and the outcome is the same
register, history and validation report as the row-by-row merge, all or nothing."""

import geopandas as gpd
import psycopg
import pytest
import shapely
from django.db import connection, transaction

from assets.models import Building, Parcel
from dataio import staging
from dataio.services import ImportOptions, ImportRefused, check_file, import_file
from municipalities.tenancy import scoped_to
from tests.dataio.files import lots, municipality_on_real_boundary, parcels_frame, write

pytestmark = pytest.mark.django_db

TABLES = ["assets_parcel", "assets_historicalparcel"]


@pytest.fixture
def bulk(monkeypatch):
    """Any first load takes the bulk path, whatever the demo towns hold; lists the bulk loads."""
    monkeypatch.setattr(staging, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(staging, "BULK_TABLE_RATIO", 100_000)
    loads = []
    original = staging._bulk_load

    def spy(cursor, stage, *args):
        loads.append(stage.table)
        return original(cursor, stage, *args)

    monkeypatch.setattr(staging, "_bulk_load", spy)
    return loads


def run(town, path, layer="parcels", **options):
    with scoped_to(town):
        return import_file(
            municipality=town, acting_user=None, path=path, options=ImportOptions(layer=layer, **options)
        )


def schema(tables=TABLES) -> tuple[list, list]:
    """Index and constraint definitions of the tables, as the catalogue has them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred, convalidated FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [tables],
        )
        return indexes, cursor.fetchall()


def register_of(town) -> tuple[list, list]:
    """Everything imported for a town, without ids: the records and their history rows."""
    fields = ["parcel_code", "deed_type", "land_number", "survey_page", "map_sheet", "map_scale", "area_sq_wah"]
    fields += ["price_per_sq_wah", "retired_on", "block_id", "version"]
    with scoped_to(town):
        parcels = [(*values, geom.wkb.hex()) for *values, geom in Parcel.objects.values_list(*fields, "geom")]
        history = list(
            Parcel.history.order_by("parcel_code").values_list(
                *fields, "history_type", "history_change_reason", "history_user_id"
            )
        )
    return parcels, history


def test_a_first_large_load_builds_the_indexes_afterwards_with_the_same_outcome(tmp_path, bulk, monkeypatch):
    before = schema()
    path = write(parcels_frame(6), tmp_path, "gpkg")
    first, second = municipality_on_real_boundary(), municipality_on_real_boundary()

    assert run(first, path)["result"] == {"new": 6, "changed": 0}
    assert bulk == ["assets_parcel"]
    assert schema() == before  # every index and constraint is back, by name and definition
    monkeypatch.setattr(staging, "BULK_MIN_ROWS", 10**9)
    assert run(second, path)["result"] == {"new": 6, "changed": 0}  # the row-by-row merge
    assert bulk == ["assets_parcel"]
    assert register_of(first) == register_of(second)
    parcels, history = register_of(first)
    assert len(parcels) == 6 and [row[-3] for row in history] == ["+"] * 6
    with scoped_to(first):
        assert Parcel.history.as_of(Parcel.history.latest("history_date").history_date).count() == 6

    # The foreign keys are deferred again until the commit, as Django declares them.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE assets_parcel SET block_id = -1 WHERE municipality_id = %s", [first.pk])
        transaction.set_rollback(True)
    # Importing the same file again changes nothing (and is no longer a first load).
    monkeypatch.setattr(staging, "BULK_MIN_ROWS", 1)
    assert run(first, path)["result"] == {"new": 0, "changed": 0}
    assert bulk == ["assets_parcel"]


def test_an_invalid_geometry_in_a_bulk_load_gets_the_full_report_and_nothing_is_written(tmp_path, bulk):
    good = lots(4)
    x0, y0, x1, y1 = good[1].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    frame = parcels_frame(4).set_geometry(gpd.GeoSeries([good[0], bowtie, good[2], good[3]], crs=4326))
    path = write(frame, tmp_path, "gpkg")
    town = municipality_on_real_boundary()
    before = schema()
    with pytest.raises(ImportRefused) as refused:
        run(town, path)
    assert bulk == ["assets_parcel"]  # tried, refused by the register's check constraint, rolled back
    with scoped_to(town):
        expected = check_file(municipality=town, path=path, options=ImportOptions(layer="parcels"))
    expected.pop("outcome", None)
    assert refused.value.report == expected
    assert [(p["row"], p["kind"]) for p in expected["problems"]] == [(2, "invalid_geometry")]
    assert register_of(town) == ([], [])
    assert schema() == before


def test_with_other_errors_the_report_is_the_full_one_before_anything_is_loaded(tmp_path, bulk):
    good = lots(3)
    x0, y0, x1, y1 = good[1].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    frame = parcels_frame(3).set_geometry(gpd.GeoSeries([good[0], bowtie, good[2]], crs=4326))
    frame.loc[2, "parcel_code"] = "XYZ"
    town = municipality_on_real_boundary()
    with pytest.raises(ImportRefused) as refused:
        run(town, write(frame, tmp_path, "gpkg"))
    assert [(p["row"], p["kind"]) for p in refused.value.report["problems"]] == [
        (2, "invalid_geometry"),
        (3, "bad_code"),
    ]
    assert bulk == [] and register_of(town) == ([], [])


def test_when_others_hold_the_tables_the_import_merges_row_by_row(tmp_path, bulk, monkeypatch):
    monkeypatch.setattr(staging, "BULK_LOCK_WAIT", "50ms")
    town = municipality_on_real_boundary()
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    ) as reader:
        reader.execute("LOCK TABLE assets_historicalparcel IN ACCESS SHARE MODE")  # someone reading history
        assert run(town, write(parcels_frame(5), tmp_path, "gpkg"))["result"] == {"new": 5, "changed": 0}
    assert bulk == []
    parcels, history = register_of(town)
    assert len(parcels) == 5 and [row[-3] for row in history] == ["+"] * 5


def test_a_first_load_of_buildings_takes_the_bulk_path_too(tmp_path, bulk):
    town = municipality_on_real_boundary()
    run(town, write(parcels_frame(2), tmp_path, "gpkg", name="parcels"))
    frame = gpd.GeoDataFrame(
        {
            "building_code": ["01A001-B001", "01A002-B001"],
            "bldg_type": ["100", "100"],
            "structure": ["ตึก", "ไม้"],
            "floors": ["2", "1"],
            "area_m2": ["120", "80"],
            "year_built": ["2560", "2010"],
        },
        geometry=[lot.buffer(-0.00005) for lot in lots(2)],
        crs=4326,
    )
    before = schema(["assets_building", "assets_historicalbuilding"])
    assert run(town, write(frame, tmp_path, "gpkg", name="buildings"), layer="buildings")["result"] == {
        "new": 2,
        "changed": 0,
    }
    assert bulk == ["assets_parcel", "assets_building"]
    assert schema(["assets_building", "assets_historicalbuilding"]) == before
    with scoped_to(town):
        assert sorted(Building.objects.values_list("parcel__parcel_code", flat=True)) == ["01A001", "01A002"]
        assert Building.history.count() == 2
