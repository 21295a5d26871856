"""Importing layers: every format, encoding and coordinate system, the validation report, idempotent
re-imports with history, and all-or-nothing commits."""

import datetime
from decimal import Decimal

import geopandas as gpd
import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from assets.models import Building, InfrastructureAsset, Parcel, Signboard
from dataio.reader import FileRefused
from dataio.services import ImportRefused
from dataio.values import load_mapping
from municipalities.tenancy import platform_scope, scoped_to
from tests.dataio.files import check, lots, parcels_frame, run, self_intersecting, write
from tests.factories import BlockFactory, LandUseFactory, OwnerFactory, ParcelFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_geopandas")]


def parcels_of(town):
    with scoped_to(town):
        return list(Parcel.objects.order_by("parcel_code"))


def metres_apart(a, b) -> float:
    to_utm = Transformer.from_crs(4326, 32647, always_xy=True)
    a, b = (shapely.transform(g, lambda x, y: to_utm.transform(x, y), interleaved=False) for g in (a, b))
    return a.hausdorff_distance(b)


def kinds(report) -> list[tuple[int, str]]:
    return [(p["row"], p["kind"]) for p in report["problems"]]


@pytest.mark.parametrize("fmt", ["shp", "gpkg", "geojson", "kml", "csv", "xlsx"])
def test_an_officer_imports_ltax_parcels_from_every_format(tmp_path, lam_phaya, fmt):
    frame = parcels_frame(6)
    report = run(lam_phaya, write(frame, tmp_path, fmt))
    assert report["result"] == {"new": 6, "changed": 0}
    assert report["columns"]["deed_type"] == "land_type"  # the LTAX field, recognised without a mapping
    parcels = parcels_of(lam_phaya)
    assert [p.parcel_code for p in parcels] == list(frame["parcel_code"])
    assert [p.deed_type for p in parcels] == ["chanote", "ns3k", "spk401"] * 2
    first = parcels[0]
    assert (first.land_number, first.survey_page, first.map_sheet, first.map_scale, first.area_sq_wah) == (
        "100",
        "2000",
        "5036IV6620",
        4000,
        Decimal("400.00"),
    )
    original = frame.geometry.iloc[0]
    assert first.geom.geom_type == "MultiPolygon"
    assert metres_apart(shapely.from_wkt(first.geom.wkt), original) < 0.001


@pytest.mark.parametrize(
    ("srid", "encoding", "cpg", "tolerance_m"),
    [
        (32647, "UTF-8", True, 0.001),
        (32648, "UTF-8", True, 0.001),
        (24047, "CP874", False, 0.5),
        (24048, "CP874", True, 0.5),
    ],
)
def test_shapefiles_in_utm_and_indian_1975_land_in_place(tmp_path, lam_phaya, srid, encoding, cpg, tolerance_m):
    frame = parcels_frame(3)
    report = run(lam_phaya, write(frame, tmp_path, "shp", encoding=encoding, crs=srid, cpg=cpg))
    assert (report["source"]["srid"], report["source"]["encoding"]) == (
        srid,
        encoding.lower().replace("utf-8", "utf-8"),
    )
    parcels = parcels_of(lam_phaya)
    assert [p.deed_type for p in parcels] == ["chanote", "ns3k", "spk401"]  # Thai text decoded right
    for parcel, original in zip(parcels, frame.geometry, strict=True):
        assert metres_apart(shapely.from_wkt(parcel.geom.wkt), original) < tolerance_m


def test_the_royal_thai_survey_shift_is_an_option_for_indian_1975(tmp_path, lam_phaya):
    frame = parcels_frame(1)
    path = write(frame, tmp_path, "shp", encoding="CP874", crs=24047, cpg=False)
    default = check(lam_phaya, path)
    assert default["errors"] == 0 and not default["source"]["thai_datum_shift"]
    run(lam_phaya, path, thai_datum_shift=True)
    shifted = shapely.from_wkt(parcels_of(lam_phaya)[0].geom.wkt)
    # The RTSD three-parameter shift and PROJ's default Indian 1975 → WGS 84 transformation disagree by
    # tens to a couple of hundred metres: which one the survey used matters, hence the option.
    assert 0.5 < metres_apart(shifted, frame.geometry.iloc[0]) < 300


def test_ltax_zone_block_and_lot_make_the_parcel_code(tmp_path, lam_phaya):
    frame = parcels_frame(2).drop(columns="parcel_code").assign(zone="03", block=["I", "03I"], lot=["2", "015"])
    run(lam_phaya, write(frame, tmp_path, "gpkg"))
    assert [p.parcel_code for p in parcels_of(lam_phaya)] == ["03I002", "03I015"]


def test_other_column_names_are_mapped_by_a_yaml_file(tmp_path, lam_phaya):
    frame = gpd.GeoDataFrame(
        {"รหัส": ["01B001", "01B002"], "เนื้อที่วา": ["120.5", "88"], "หมายเหตุ": ["x", "y"]}, geometry=lots(2), crs=4326
    )
    mapping = load_mapping("columns:\n  parcel_code: รหัส\n  area_sq_wah: เนื้อที่วา\n")
    report = run(lam_phaya, write(frame, tmp_path, "gpkg"), mapping=mapping)
    assert report["unmatched"] == ["หมายเหตุ"]
    assert [(p.parcel_code, p.area_sq_wah) for p in parcels_of(lam_phaya)] == [
        ("01B001", Decimal("120.50")),
        ("01B002", Decimal("88.00")),
    ]


def test_without_an_area_column_the_drawn_area_is_used_and_said(tmp_path, lam_phaya):
    frame = parcels_frame(1).drop(columns="area_sq_wah")
    report = run(lam_phaya, write(frame, tmp_path, "gpkg"))
    assert kinds(report) == [(1, "measured_area")]
    assert parcels_of(lam_phaya)[0].area_sq_wah == pytest.approx(Decimal(400), abs=Decimal("0.5"))  # 40 m × 40 m


def test_the_report_names_every_problem_by_row_and_nothing_is_written(tmp_path, lam_phaya):
    good = lots(6)
    bowtie = shapely.Polygon(
        [
            (good[1].bounds[0], good[1].bounds[1]),
            (good[1].bounds[2], good[1].bounds[3]),
            (good[1].bounds[2], good[1].bounds[1]),
            (good[1].bounds[0], good[1].bounds[3]),
        ]
    )
    far_away = shapely.box(90.0, 5.0, 90.001, 5.001)
    frame = gpd.GeoDataFrame(
        {
            "parcel_code": ["01A001", "01A002", "01A003", "01A004", "01A004", "XYZ", "01A007"],
            "area_sq_wah": ["400", "400", "400", "400", "400", "400", None],
            "Scale": ["4000", "4000", "4000", "abc", "4000", "4000", "4000"],
        },
        geometry=[good[0], bowtie, far_away, good[3], good[4], good[5], None],
        crs=4326,
    )
    path = write(frame, tmp_path, "geojson")
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, path)
    report = refused.value.report
    assert kinds(report) == [
        (2, "invalid_geometry"),
        (3, "outside_municipality"),
        (4, "duplicate_in_file"),
        (4, "unparseable"),
        (5, "duplicate_in_file"),
        (6, "bad_code"),
        (7, "empty_geometry"),
        (7, "missing_required"),
    ]
    messages = {p["kind"]: p["message"] for p in report["problems"]}
    assert messages["invalid_geometry"].startswith("รูปเรขาคณิตไม่ถูกต้อง: Self-intersection")
    assert messages["unparseable"] == "มาตราส่วนระวาง ต้องเป็นตัวเลข"
    assert messages["missing_required"] == "ไม่มีเนื้อที่ตามเอกสารสิทธิ์ (ตารางวา)"
    assert report["by_kind"]["duplicate_in_file"] == 2 and report["errors"] == 8
    assert "ยังไม่มีการบันทึกข้อมูลใด ๆ" in refused.value.messages[0]
    assert parcels_of(lam_phaya) == []


def test_invalid_geometries_are_repaired_with_make_valid_when_asked(tmp_path, lam_phaya):
    x0, y0, x1, y1 = lots(1)[0].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    frame = gpd.GeoDataFrame({"parcel_code": ["01A001"], "area_sq_wah": ["400"]}, geometry=[bowtie], crs=4326)
    report = run(lam_phaya, write(frame, tmp_path, "gpkg"), repair=True)
    assert kinds(report) == [(1, "repaired_geometry")]
    assert report["warnings"] == 1 and report["errors"] == 0
    parcel = parcels_of(lam_phaya)[0]
    assert parcel.geom.valid and parcel.geom.geom_type == "MultiPolygon" and len(parcel.geom) == 2


def test_a_10000_vertex_self_intersecting_polygon_is_reported_not_written(tmp_path, lam_phaya):
    star = self_intersecting(10_000)
    assert not star.is_valid and len(star.exterior.coords) == 10_001
    frame = gpd.GeoDataFrame({"parcel_code": ["01A001"], "area_sq_wah": ["400"]}, geometry=[star], crs=4326)
    path = write(frame, tmp_path, "gpkg")
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, path)
    assert kinds(refused.value.report) == [(1, "invalid_geometry")]
    # Thousands of crossings: make_valid would need gigabytes, so it is not attempted; the report says why.
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, path, repair=True)
    assert "ซ่อมอัตโนมัติไม่ได้" in refused.value.report["problems"][0]["message"]
    assert parcels_of(lam_phaya) == []


def test_lines_are_the_wrong_type_for_parcels_and_mixed_types_are_refused(tmp_path, lam_phaya):
    line = shapely.LineString(lots(1)[0].exterior.coords)
    lines = gpd.GeoDataFrame({"parcel_code": ["01A001"], "area_sq_wah": ["400"]}, geometry=[line], crs=4326)
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, write(lines, tmp_path, "geojson", name="lines"))
    assert kinds(refused.value.report) == [(1, "wrong_geometry_type")]
    mixed = gpd.GeoDataFrame(
        {"parcel_code": ["01A001", "01A002"], "area_sq_wah": ["400", "400"]}, geometry=[lots(1)[0], line], crs=4326
    )
    with pytest.raises(FileRefused, match="หลายชนิดปนกัน") as refused:
        run(lam_phaya, write(mixed, tmp_path, "geojson", name="mixed"))
    assert refused.value.code == "mixed_geometry"
    assert parcels_of(lam_phaya) == []


def test_codes_already_in_the_register_are_duplicates_when_only_new_ones_are_wanted(tmp_path, lam_phaya):
    path = write(parcels_frame(2), tmp_path, "gpkg")
    run(lam_phaya, path)
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, path, new_only=True)
    assert kinds(refused.value.report) == [(1, "duplicate_in_register"), (2, "duplicate_in_register")]


def test_the_code_of_a_retired_parcel_is_not_reused(tmp_path, lam_phaya):
    ParcelFactory(
        municipality=lam_phaya,
        parcel_code="01A001",
        geom=GEOSGeometry(shapely.MultiPolygon(lots(1)).wkt, srid=4326),
        retired_on=datetime.date(2025, 1, 1),
    )
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, write(parcels_frame(1), tmp_path, "gpkg"))
    assert kinds(refused.value.report) == [(1, "duplicate_in_register")]


def test_reimporting_the_same_file_changes_nothing_and_a_change_touches_one_record(tmp_path, lam_phaya):
    frame = parcels_frame(4)
    path = write(frame, tmp_path, "gpkg", name="first")
    before = timezone.now()
    assert run(lam_phaya, path)["result"] == {"new": 4, "changed": 0}
    with scoped_to(lam_phaya):
        # as-of queries find the imported records through their history rows
        assert Parcel.history.as_of(timezone.now()).count() == 4
        assert Parcel.history.as_of(before).count() == 0
        assert sorted(Parcel.history.values_list("history_type", flat=True)) == ["+"] * 4
    assert run(lam_phaya, path)["result"] == {"new": 0, "changed": 0}
    assert check(lam_phaya, path)["outcome"] == {"new": 0, "changed": 0, "unchanged": 4}

    frame.loc[2, "land_no"] = "999"
    second = write(frame.drop(columns=["Scale"]), tmp_path, "gpkg", name="second")  # a file without Scale
    assert run(lam_phaya, second)["result"] == {"new": 0, "changed": 1}
    with scoped_to(lam_phaya):
        changed = Parcel.objects.get(parcel_code="01A003")
        assert (changed.land_number, changed.map_scale) == ("999", 4000)  # the missing column kept its value
        assert changed.history.count() == 2 and changed.history.first().history_type == "~"
        assert Parcel.objects.get(parcel_code="01A001").history.count() == 1


def test_an_import_links_parcels_to_their_blocks(tmp_path, lam_phaya):
    with platform_scope():
        block = BlockFactory(municipality=lam_phaya, zone__municipality=lam_phaya, zone__code="01", code="01A")
    run(lam_phaya, write(parcels_frame(2), tmp_path, "gpkg"))
    assert {p.block_id for p in parcels_of(lam_phaya)} == {block.pk}


def test_a_changed_area_must_still_match_the_land_uses(tmp_path, lam_phaya):
    parcel = ParcelFactory(
        municipality=lam_phaya,
        parcel_code="01A001",
        geom=GEOSGeometry(shapely.MultiPolygon(lots(1)).wkt, srid=4326),
        area_sq_wah=Decimal("400.00"),
    )
    LandUseFactory(parcel=parcel, area_sq_wah=Decimal("400.00"))
    frame = parcels_frame(1).assign(area_sq_wah="500")
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, write(frame, tmp_path, "gpkg"))
    assert kinds(refused.value.report) == [(1, "parts_total")]


def test_buildings_are_checked_against_their_parcels(tmp_path, lam_phaya):
    run(lam_phaya, write(parcels_frame(2), tmp_path, "gpkg", name="parcels"))
    footprints = [g.buffer(-0.00005) for g in lots(3)]
    frame = gpd.GeoDataFrame(
        {
            "building_code": ["01A001-B001", "01A002-B001", "01A009-B001"],
            "bldg_type": ["100", "บ้านเดี่ยว", "100"],
            "structure": ["ตึก", "ไม้", "ไม้"],
            "floors": ["2", "สองชั้น", "1"],
            "area_m2": ["120", "80", "60"],
            "year_built": ["2560", "2010", "2015"],
        },
        geometry=footprints,
        crs=4326,
    )
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, write(frame, tmp_path, "gpkg", name="buildings"), layer="buildings")
    assert kinds(refused.value.report) == [(2, "unparseable"), (3, "unknown_reference")]
    run(lam_phaya, write(frame.iloc[:1], tmp_path, "gpkg", name="one"), layer="buildings")
    with scoped_to(lam_phaya):
        building = Building.objects.get()
        assert (building.parcel.parcel_code, building.structure, building.year_built, building.floors) == (
            "01A001",
            "masonry",
            2017,
            2,
        )  # the B.E. year 2560 is 2017
        assert building.history.count() == 1


def test_signboards_from_a_csv_of_points_find_their_parcel_and_owner(tmp_path, lam_phaya):
    run(lam_phaya, write(parcels_frame(2), tmp_path, "gpkg"))
    owner = OwnerFactory(municipality=lam_phaya)
    centre = lots(2)[1].centroid
    path = tmp_path / "signs.csv"
    path.write_text(
        "signboard_code,business,sign_type,width_cm,height_cm,installed,owner_id,lon,lat\n"
        f"01A002-P001,ร้านข้าวแกงป้าแดง,2,200,80,15/01/2568,{owner.national_id},{centre.x},{centre.y}\n",
        encoding="cp874",
    )
    report = check(lam_phaya, path, layer="signboards")
    assert report["problems"] == []
    report = run(lam_phaya, path, layer="signboards")
    assert report["source"]["encoding"] == "cp874"
    with scoped_to(lam_phaya):
        sign = Signboard.objects.get()
        assert (
            sign.parcel.parcel_code,
            sign.owner,
            sign.business_name,
            sign.sign_type,
            sign.installed_on,
            sign.faces,
        ) == ("01A002", owner, "ร้านข้าวแกงป้าแดง", "thai_mixed", datetime.date(2025, 1, 15), 1)


def test_infrastructure_mixes_lines_and_points_but_each_kind_keeps_its_type(tmp_path, lam_phaya):
    squares = lots(3)
    road = shapely.LineString([squares[0].exterior.coords[0], squares[0].exterior.coords[1]])
    frame = gpd.GeoDataFrame(
        {
            "asset_code": ["RD-1", "SL-1", "SL-2"],
            "kind": ["road", "streetlight", "ไฟฟ้าส่องสว่าง"],
            "attributes": ['{"lanes": 2}', '{"wattage": 90}', '{"wattage": "ninety"}'],
        },
        geometry=[road, squares[1].centroid, road],
        crs=4326,
    )
    with pytest.raises(ImportRefused) as refused:
        run(lam_phaya, write(frame, tmp_path, "gpkg"), layer="infrastructure")
    assert kinds(refused.value.report) == [(3, "rule"), (3, "wrong_geometry_type")]
    run(lam_phaya, write(frame.iloc[:2], tmp_path, "gpkg", name="ok"), layer="infrastructure")
    with scoped_to(lam_phaya):
        assert list(
            InfrastructureAsset.objects.order_by("asset_code").values_list("asset_code", "kind", "attributes")
        ) == [("RD-1", "road", {"lanes": 2}), ("SL-1", "streetlight", {"wattage": 90})]


@pytest.fixture(scope="module")
def valid_parcel_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("valid")
    frame = parcels_frame(4)
    return {fmt: write(frame, folder, fmt).read_bytes() for fmt in ("shp", "gpkg", "geojson", "csv", "xlsx")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["shp", "gpkg", "geojson", "csv", "xlsx"]),
    cut=st.floats(0.05, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6),
)
def test_a_broken_file_is_imported_whole_or_not_at_all(tmp_path, lam_phaya, valid_parcel_files, fmt, cut, flips):
    data = bytearray(valid_parcel_files[fmt])
    for position, value in flips:
        data[int(position * (len(data) - 1))] = value
    path = tmp_path / ("upload.zip" if fmt == "shp" else f"upload.{fmt}")
    path.write_bytes(bytes(data[: max(1, int(len(data) * cut))]))
    with scoped_to(lam_phaya):
        before = Parcel.objects.count()
    try:
        report = run(lam_phaya, path)
    except ValidationError as error:  # a report of refused rows, or a clear refusal of the file
        assert error.messages and all(m.strip() for m in error.messages)
        written = 0
    else:
        written = report["result"]["new"]
    with scoped_to(lam_phaya):
        assert Parcel.objects.count() == before + written
