"""Reading municipal files: formats, Thai encodings, coordinate systems, and files that must be refused."""

import warnings
import zipfile

import openpyxl
import pyarrow as pa
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataio.reader import FileRefused, ReadOptions, detect_encoding, read_source
from tests.dataio.files import parcels_frame, write, zip_bytes


def texts(table, name):
    return table.columns[name].to_pylist()


@pytest.mark.parametrize("fmt", ["shp", "gpkg", "geojson", "kml", "csv", "xlsx"])
def test_every_format_is_read_with_its_thai_text_and_geometry(tmp_path, fmt):
    frame = parcels_frame(6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # geopandas warns that the shapefile shortens column names
        table = read_source(write(frame, tmp_path, fmt))
    code = "parcel_cod" if fmt == "shp" else "parcel_code"  # DBF names stop at 10 characters
    assert texts(table, code) == list(frame["parcel_code"])
    assert texts(table, "land_type") == ["โฉนด", "น.ส.3 ก", "สปก 4-01"] * 2
    assert table.srid == 4326 and table.rows == 6
    geometries = shapely.from_wkb(table.wkb.to_pylist())
    # the same shapes (a shapefile turns rings clockwise)
    assert all(g.normalize().equals_exact(f.normalize(), 1e-9) for g, f in zip(geometries, frame.geometry, strict=True))


def test_a_cp874_shapefile_without_a_cpg_file_is_detected_as_thai(tmp_path):
    path = write(parcels_frame(3), tmp_path, "shp", encoding="CP874", cpg=False)
    with zipfile.ZipFile(path) as archive:
        assert not any(n.endswith(".cpg") for n in archive.namelist())
    table = read_source(path)
    assert table.encoding == "cp874"
    assert texts(table, "land_type") == ["โฉนด", "น.ส.3 ก", "สปก 4-01"]


def test_the_cpg_file_says_the_encoding_and_the_officer_can_override_it(tmp_path):
    path = write(parcels_frame(3), tmp_path, "shp", encoding="CP874")
    assert read_source(path).encoding == "cp874"
    with pytest.raises(FileRefused, match="ไม่ได้เข้ารหัสแบบ UTF-8"):
        read_source(path, ReadOptions(encoding="utf-8"))


def test_a_shapefile_in_indian_1975_utm_47n_is_recognised_from_its_prj(tmp_path):
    path = write(parcels_frame(3), tmp_path, "shp", encoding="CP874", crs=24047, cpg=False)
    table = read_source(path)
    assert (table.srid, table.encoding, table.transform_from) == (24047, "cp874", "")
    shifted = read_source(path, ReadOptions(thai_datum_shift=True))
    assert "+towgs84=206,837,295" in shifted.transform_from and "+zone=47" in shifted.transform_from


@pytest.mark.parametrize("srid", [32647, 32648, 24048])
def test_utm_zones_are_recognised_from_the_prj(tmp_path, srid):
    assert read_source(write(parcels_frame(2), tmp_path, "shp", crs=srid)).srid == srid


def test_a_shapefile_without_a_prj_asks_for_the_coordinate_system(tmp_path):
    path = write(parcels_frame(2), tmp_path, "shp", crs=32647, prj=False)
    with pytest.raises(FileRefused, match=r"ไม่มีไฟล์ \.prj") as refused:
        read_source(path)
    assert refused.value.code == "no_crs"
    assert read_source(path, ReadOptions(srid=32647)).srid == 32647


def test_a_corrupt_zip_is_refused(tmp_path):
    whole = write(parcels_frame(40), tmp_path, "shp").read_bytes()
    truncated, damaged = tmp_path / "truncated.zip", tmp_path / "damaged.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    middle = len(whole) // 3
    damaged.write_bytes(whole[:middle] + bytes(b ^ 0xFF for b in whole[middle : middle + 64]) + whole[middle + 64 :])
    for path in (truncated, damaged):
        with pytest.raises(FileRefused, match="zip เสียหาย"):
            read_source(path)


def test_a_zip_without_a_shp_is_refused(tmp_path):
    path = tmp_path / "parcels.zip"
    path.write_bytes(zip_bytes({"parcels.dbf": b"\x03" * 100, "readme.txt": b"hello"}))
    with pytest.raises(FileRefused, match=r"ไม่มีไฟล์ \.shp") as refused:
        read_source(path)
    assert refused.value.code == "no_shp"


def test_a_zip_bomb_is_not_expanded(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("parcels.shp", b"\0" * 100_000_000)
    assert path.stat().st_size < 200_000
    with pytest.raises(FileRefused, match="ขนาดผิดปกติ") as refused:
        read_source(path)
    assert refused.value.code == "zip_bomb"


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.DATAIO_MAX_UPLOAD_BYTES = 1000
    path = write(parcels_frame(20), tmp_path, "gpkg")
    with pytest.raises(FileRefused, match="เกินขนาดที่รับได้"):
        read_source(path)


def test_a_csv_with_a_broken_quote_says_where(tmp_path):
    path = tmp_path / "parcels.csv"
    path.write_text('parcel_code,land_type,wkt\n01A001,"โฉนด,POINT (100 14)\n01A002,โฉนด,"POINT (100 14)"\n')
    with pytest.raises(FileRefused, match="เครื่องหมายคำพูด") as refused:
        read_source(path)
    assert refused.value.code == "bad_csv"


def test_an_xlsx_with_merged_header_cells_is_refused(tmp_path):
    path = tmp_path / "parcels.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ข้อมูลแปลง", None, "wkt"])
    sheet.append(["01A001", "โฉนด", "POINT (100 14)"])
    sheet.merge_cells("A1:B1")
    book.save(path)
    with pytest.raises(FileRefused, match="เซลล์ที่ผสานกัน") as refused:
        read_source(path)
    assert refused.value.code == "merged_header"


def test_text_in_an_undeclared_encoding_is_refused(tmp_path):
    path = tmp_path / "parcels.csv"
    path.write_bytes("parcel_code,owner,lon,lat\n01A001,Café Müller,100.1,14.1\n".encode("latin-1"))
    with pytest.raises(FileRefused, match="ไม่ทราบการเข้ารหัสตัวอักษร") as refused:
        read_source(path)
    assert refused.value.code == "unknown_encoding"
    with pytest.raises(FileRefused, match="ไม่ได้เข้ารหัสแบบ UTF-8"):
        read_source(path, ReadOptions(encoding="utf-8"))


def test_encodings_are_told_apart():
    assert detect_encoding("โฉนดที่ดิน".encode()) == "utf-8"
    assert detect_encoding("โฉนดที่ดิน น.ส.3 ก".encode("cp874")) == "cp874"
    assert detect_encoding(b"plain ascii") == "utf-8"
    with pytest.raises(FileRefused):
        detect_encoding("日本語のテキスト".encode("shift_jis"))


def test_a_csv_with_lon_lat_columns_is_read_as_points(tmp_path):
    path = tmp_path / "signs.csv"
    path.write_text("signboard_code,lon,lat\n01A001-P001,100.05,13.95\n01A002-P001,100.06,13.96\n", encoding="utf-8")
    table = read_source(path)
    points = shapely.from_wkb(table.wkb.to_pylist())
    assert [(p.x, p.y) for p in points] == [(100.05, 13.95), (100.06, 13.96)]
    assert list(table.columns) == ["signboard_code"]


def test_utm_coordinates_in_a_table_need_the_coordinate_system(tmp_path):
    path = tmp_path / "signs.csv"
    path.write_text("code,x,y\nA,650000,1550000\n", encoding="utf-8")
    with pytest.raises(FileRefused, match="ไม่ใช่ลองจิจูด/ละติจูด"):
        read_source(path)
    assert read_source(path, ReadOptions(srid=32647)).srid == 32647


SUFFIXES = ["zip", "gpkg", "geojson", "kml", "csv", "xlsx", "shp", "json", "txt"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_give_a_table_or_a_clear_refusal(tmp_path, data, suffix):
    path = tmp_path / f"upload.{suffix}"
    path.write_bytes(data)
    try:
        table = read_source(path)
    except FileRefused as refused:
        assert refused.messages and all(m.strip() for m in refused.messages)
    else:
        assert isinstance(table.wkb, pa.Array) and table.rows == len(table.wkb)


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("valid")
    frame = parcels_frame(5)
    return {fmt: write(frame, folder, fmt).read_bytes() for fmt in ("shp", "gpkg", "geojson", "kml", "csv", "xlsx")}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["shp", "gpkg", "geojson", "kml", "csv", "xlsx"]),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
)
def test_broken_copies_of_valid_files_give_a_table_or_a_clear_refusal(tmp_path, valid_files, fmt, cut, flips):
    data = bytearray(valid_files[fmt])
    for position, value in flips:
        data[int(position * (len(data) - 1))] = value
    data = bytes(data[: max(1, int(len(data) * cut))]) if cut < 1 else bytes(data)
    path = tmp_path / ("upload.zip" if fmt == "shp" else f"upload.{fmt}")
    path.write_bytes(data)
    try:
        read_source(path)
    except FileRefused as refused:
        assert refused.messages and all(m.strip() for m in refused.messages)
