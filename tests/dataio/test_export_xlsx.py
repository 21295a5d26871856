"""Excel workbooks never cut text: an Excel cell holds at most 32,767 characters, and pandas cuts a longer
value with no more than a warning, so a parcel of many vertices (its WKT) or a long text would come back
damaged. Such an export is refused up front, naming the column, the count and a record, as shapefiles are."""

import io

import openpyxl
import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from assets.models import Parcel
from audit.models import PersonalDataAccess
from dataio.services import export_layer, export_with_personal_data
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.dataio.files import export_and_import
from tests.factories import (
    TEST_PASSWORD,
    CustomFieldFactory,
    MembershipFactory,
    MunicipalityFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
)

pytestmark = pytest.mark.django_db

EXCEL_CELL = 32_767


def many_vertices(parcel, vertices: int = 1_200) -> GEOSGeometry:
    """The parcel's square with `vertices` points along its edges: its WKT is longer than an Excel cell."""
    square = shapely.from_wkt(parcel.geom.wkt)
    dense = shapely.MultiPolygon([shapely.segmentize(square.geoms[0], square.length / vertices)])
    return GEOSGeometry(dense.wkt, srid=4326)


def refusal(town, **kwargs) -> list[str]:
    with scoped_to(town), pytest.raises(ValidationError) as refused:
        export_layer(municipality=town, acting_user=None, **{"layer": "parcels", "fmt": "xlsx", **kwargs})
    return refused.value.messages


def test_a_parcel_of_many_vertices_refuses_the_xlsx_export_and_goes_out_whole_as_geopackage(tmp_path):
    town = MunicipalityFactory()
    plain, first, second = (ParcelFactory(municipality=town) for _ in range(3))
    for parcel in (first, second):
        Parcel._base_manager.filter(pk=parcel.pk).update(geom=many_vertices(parcel))
    assert refusal(town) == [
        "ไม่ได้ส่งออก: รูปเรขาคณิต 2 รายการ เช่น รหัส "
        f"{first.parcel_code} มีจุดยอดมากจนข้อความ WKT ยาวเกินกว่าที่เซลล์ของ Excel เก็บได้ (32,767 ตัวอักษร) "
        "รูปเหล่านี้จะถูกตัดท้ายจนเสียหาย โปรดส่งออกเป็น GeoPackage หรือ GeoJSON"
    ]
    # The same register goes out whole as GeoPackage, and comes back bit for bit.
    copy = MunicipalityFactory(boundary=town.boundary)
    export_and_import(town, copy, tmp_path, fmt="gpkg")
    shapes = {p.parcel_code: p.geom.ewkb for p in Parcel._base_manager.filter(municipality=town)}
    assert {p.parcel_code: p.geom.ewkb for p in Parcel._base_manager.filter(municipality=copy)} == shapes
    assert plain.parcel_code in shapes


def test_a_text_of_32767_characters_round_trips_through_xlsx_and_one_more_is_refused(tmp_path):
    town = MunicipalityFactory()
    copy = MunicipalityFactory(boundary=town.boundary)
    for municipality in (town, copy):  # a municipality's own text field, without a length limit
        CustomFieldFactory(
            municipality=municipality, layer="parcels", key="history_note", label_th="ประวัติแปลง", field_type="text"
        )
    at_the_limit = ("แปลงนี้แบ่งแยกจากโฉนดเดิม " * 1_400)[:EXCEL_CELL]
    assert len(at_the_limit) == EXCEL_CELL
    parcel = ParcelFactory(municipality=town, custom={"history_note": at_the_limit})
    export_and_import(town, copy, tmp_path, fmt="xlsx")
    assert Parcel._base_manager.get(municipality=copy).custom == {"history_note": at_the_limit}

    Parcel._base_manager.filter(pk=parcel.pk).update(custom={"history_note": at_the_limit + "ก"})
    assert refusal(town) == [
        "ไม่ได้ส่งออก: คอลัมน์ “ประวัติแปลง” มีข้อความยาวเกินกว่าที่เซลล์ของ Excel เก็บได้ (32,767 ตัวอักษร) "
        f"1 รายการ เช่น รหัส {parcel.parcel_code} ข้อความเหล่านี้จะถูกตัดท้าย โปรดส่งออกเป็น GeoPackage หรือ GeoJSON"
    ]


def test_the_export_command_refuses_an_xlsx_in_thai_and_writes_no_file(tmp_path):
    town = MunicipalityFactory()
    parcel = ParcelFactory(municipality=town)
    Parcel._base_manager.filter(pk=parcel.pk).update(geom=many_vertices(parcel))
    target = tmp_path / "parcels.xlsx"
    with pytest.raises(CommandError) as refused:
        call_command("export_layer", "--municipality", town.code, "--format", "xlsx", "-o", str(target))
    assert str(refused.value).startswith("ไม่ได้ส่งออก: รูปเรขาคณิต 1 รายการ เช่น รหัส " + parcel.parcel_code)
    assert "โปรดส่งออกเป็น GeoPackage หรือ GeoJSON" in str(refused.value)
    assert not target.exists()


def test_the_export_page_shows_the_xlsx_refusal_instead_of_a_file(client):
    town = MunicipalityFactory()
    parcel = ParcelFactory(municipality=town)
    Parcel._base_manager.filter(pk=parcel.pk).update(geom=many_vertices(parcel))
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user
    client.login(username=officer.username, password=TEST_PASSWORD)
    response = client.get(reverse("dataio:export"), {"layer": "parcels", "fmt": "xlsx"})
    assert response.status_code == 200 and "Content-Disposition" not in response
    [error] = response.context["form"].non_field_errors()
    assert f"เช่น รหัส {parcel.parcel_code}" in error and "GeoPackage หรือ GeoJSON" in error
    assert error in response.content.decode()
    # GeoJSON carries the same parcel whole.
    geojson = client.get(reverse("dataio:export"), {"layer": "parcels", "fmt": "geojson"})
    assert geojson.status_code == 200 and geojson["Content-Disposition"].endswith('.geojson"')


def test_an_ltax_workbook_with_an_address_too_long_for_a_cell_is_refused_and_nothing_logged():
    town = MunicipalityFactory()
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user
    owner = OwnerFactory(municipality=town, address="ก" * (EXCEL_CELL + 1))
    OwnershipFactory(parcel=ParcelFactory(municipality=town), owner=owner)
    with scoped_to(town), pytest.raises(ValidationError) as refused:
        export_with_personal_data(municipality=town, acting_user=officer, layer="parcels", fmt="ltax")
    assert refused.value.messages == [
        "ไม่ได้ส่งออก: คอลัมน์ “address ที่อยู่” มีข้อความยาวเกินกว่าที่เซลล์ของ Excel เก็บได้ (32,767 ตัวอักษร) "
        f"1 รายการ เช่น รหัส {owner.pk} ข้อความเหล่านี้จะถูกตัดท้าย โปรดแก้ไขข้อมูลในทะเบียนให้สั้นลง"
    ]
    with scoped_to(town):
        assert not PersonalDataAccess.objects.exists()  # refused: nothing exported, nothing logged
    # Without personal data the workbook has no addresses, and goes out.
    with scoped_to(town):
        exported = export_layer(municipality=town, acting_user=None, layer="parcels", fmt="ltax")
    assert openpyxl.load_workbook(io.BytesIO(exported.content))["2 land ที่ดิน"].max_row == 2


def test_a_custom_field_labelled_like_a_register_column_keeps_its_own_header_and_round_trips(tmp_path):
    """Two columns under one Thai header would make a workbook the importer refuses (headers must be
    distinct): the later one, a municipality's own field, goes out under its name instead."""
    town = MunicipalityFactory()
    copy = MunicipalityFactory(boundary=town.boundary)
    for municipality in (town, copy):
        for key in ("old_land_no", "land_no_2500"):  # both labelled like the register's เลขที่ดิน
            CustomFieldFactory(
                municipality=municipality, layer="parcels", key=key, label_th="เลขที่ดิน", field_type="text"
            )
    ParcelFactory(municipality=town, land_number="12", custom={"old_land_no": "7", "land_no_2500": "3"})
    with scoped_to(town):
        exported = export_layer(municipality=town, acting_user=None, layer="parcels", fmt="xlsx")
    header = [c.value for c in next(openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows())]
    assert header.count("เลขที่ดิน") == 1 and {"old_land_no", "land_no_2500"} <= set(header)
    export_and_import(town, copy, tmp_path, fmt="xlsx")
    got = Parcel._base_manager.get(municipality=copy)
    assert (got.land_number, got.custom) == ("12", {"old_land_no": "7", "land_no_2500": "3"})


def test_a_layer_longer_than_an_excel_sheet_is_refused_before_anything_is_written(monkeypatch):
    """Excel's 1,048,576 rows, lowered here to three (the header and two records) to build no million parcels."""
    monkeypatch.setattr("dataio.exporter.EXCEL_ROWS", 3)
    town = MunicipalityFactory()
    for _ in range(2):
        ParcelFactory(municipality=town)
    with scoped_to(town):
        written = export_layer(municipality=town, acting_user=None, layer="parcels", fmt="xlsx")
    assert openpyxl.load_workbook(io.BytesIO(written.content)).active.max_row == 3  # a full sheet is written
    ParcelFactory(municipality=town)
    assert refusal(town) == [
        "ไม่ได้ส่งออก: แผ่นงาน “แปลงที่ดิน” มี 3 รายการ เกินกว่าที่ Excel เก็บได้ในแผ่นงานเดียว (2 รายการ) "
        "โปรดส่งออกเป็น GeoPackage, GeoJSON หรือ CSV"
    ]


def test_a_text_with_a_control_character_refuses_the_workbook_in_thai_instead_of_a_server_error(client):
    """Word's line break (U+000B) and other control characters come in through imports and the API, and
    an Excel cell cannot hold them (openpyxl raises IllegalCharacterError): refused like a long text."""
    town = MunicipalityFactory()
    CustomFieldFactory(municipality=town, layer="parcels", key="history_note", label_th="ประวัติแปลง", field_type="text")
    parcel = ParcelFactory(municipality=town, custom={"history_note": "แบ่งแยกปี 2540\x0bรวมแปลงปี 2555"})
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user
    client.login(username=officer.username, password=TEST_PASSWORD)
    response = client.get(reverse("dataio:export"), {"layer": "parcels", "fmt": "xlsx"})
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert response.context["form"].non_field_errors() == [
        "ไม่ได้ส่งออก: คอลัมน์ “ประวัติแปลง” มีอักขระควบคุมที่มองไม่เห็น (เช่น การขึ้นบรรทัดด้วย Shift+Enter ของ Word) "
        f"ซึ่งเซลล์ของ Excel เก็บไม่ได้ 1 รายการ เช่น รหัส {parcel.parcel_code} โปรดส่งออกเป็น GeoPackage, GeoJSON หรือ CSV"
    ]
    csv = client.get(reverse("dataio:export"), {"layer": "parcels", "fmt": "csv"})
    assert csv.status_code == 200 and b"\x0b" in csv.content  # CSV carries it whole

    owner = OwnerFactory(municipality=town, address="12 หมู่ 3\x0bต.ลำพญา")
    OwnershipFactory(parcel=parcel, owner=owner)
    with scoped_to(town), pytest.raises(ValidationError) as refused:
        export_with_personal_data(municipality=town, acting_user=officer, layer="parcels", fmt="ltax")
    assert refused.value.messages == [
        "ไม่ได้ส่งออก: คอลัมน์ “address ที่อยู่” มีอักขระควบคุมที่มองไม่เห็น (เช่น การขึ้นบรรทัดด้วย Shift+Enter ของ Word) "
        f"ซึ่งเซลล์ของ Excel เก็บไม่ได้ 1 รายการ เช่น รหัส {owner.pk} โปรดแก้ไขข้อความเหล่านี้ในทะเบียน"
    ]


def test_a_text_beginning_with_an_equals_sign_goes_out_as_text_not_a_formula_and_round_trips(tmp_path):
    """openpyxl takes a string that begins with "=" for a formula: Excel would compute it (or show
    #NAME?) and the importer would read it back empty. Such a value is written as the text it is."""
    town = MunicipalityFactory()
    copy = MunicipalityFactory(boundary=town.boundary)
    for municipality in (town, copy):
        CustomFieldFactory(
            municipality=municipality, layer="parcels", key="sign_note", label_th="ข้อความประกาศ", field_type="text"
        )
    ParcelFactory(municipality=town, custom={"sign_note": "=ขายด่วน= โทร 081"})
    with scoped_to(town):
        exported = export_layer(municipality=town, acting_user=None, layer="parcels", fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("ข้อความประกาศ") + 1)
    assert (cell.value, cell.data_type) == ("=ขายด่วน= โทร 081", "s")
    export_and_import(town, copy, tmp_path, fmt="xlsx")
    assert Parcel._base_manager.get(municipality=copy).custom == {"sign_note": "=ขายด่วน= โทร 081"}
