"""Shapefile exports never damage text: a DBF field holds 254 bytes and CP874 lacks many characters, so
a value that would be cut or lose a character refuses the export (naming the column, the count and a
record) instead of leaving GDAL to cut it with a warning, and a re-import to write the damage back."""

import warnings

import geopandas as gpd
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from assets.models import Parcel, Signboard
from audit.models import PersonalDataAccess
from dataio.services import ImportOptions, export_layer, export_with_personal_data, import_file
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
    SignboardFactory,
)

pytestmark = pytest.mark.django_db

THAI_84_AND_2 = "ก" * 84 + "ab"  # 254 bytes in UTF-8 (a Thai character takes three)


def shapefile(town, *, layer="signboards", encoding="utf-8"):
    with scoped_to(town):
        return export_layer(municipality=town, acting_user=None, layer=layer, fmt="shp", encoding=encoding)


def signboards_after_a_round_trip(town, tmp_path, *, encoding):
    """Export parcels and signboards as shapefiles, import both into a new municipality: its signboards."""
    copy = MunicipalityFactory(boundary=town.boundary)
    for layer in ("parcels", "signboards"):
        path = tmp_path / f"{layer}-{encoding}.zip"
        path.write_bytes(shapefile(town, layer=layer, encoding=encoding).content)
        with warnings.catch_warnings(), scoped_to(copy):
            warnings.simplefilter("ignore")
            import_file(municipality=copy, acting_user=None, path=path, options=ImportOptions(layer=layer))
    with scoped_to(copy):
        return list(Signboard.objects.order_by("signboard_code").values_list("signboard_code", "business_name", "text"))


def refusal(town, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        shapefile(town, **kwargs)
    return refused.value.messages


@pytest.mark.parametrize(
    ("encoding", "at_the_limit", "one_byte_more", "message"),
    [
        (
            "utf-8",
            THAI_84_AND_2,
            THAI_84_AND_2 + "c",
            "ไม่ได้ส่งออก: คอลัมน์ “ข้อความบนป้าย” มีข้อความยาวเกินกว่าที่ shapefile เก็บได้ "
            "(254 ไบต์ ราว 84 ตัวอักษรไทยเมื่อเข้ารหัส UTF-8) 1 รายการ เช่น รหัส {code} "
            "ข้อความเหล่านี้จะถูกตัดท้าย โปรดส่งออกเป็น GeoPackage หรือ shapefile ที่เข้ารหัส CP874 (เก็บได้ 254 ตัวอักษร)",
        ),
        (
            "cp874",
            "ก" * 254,
            "ก" * 255,
            "ไม่ได้ส่งออก: คอลัมน์ “ข้อความบนป้าย” มีข้อความยาวเกินกว่าที่ shapefile เก็บได้ "
            "(254 ตัวอักษรเมื่อเข้ารหัส CP874) 1 รายการ เช่น รหัส {code} "
            "ข้อความเหล่านี้จะถูกตัดท้าย โปรดส่งออกเป็น GeoPackage",
        ),
    ],
    ids=["utf-8", "cp874"],
)
def test_a_sign_text_of_254_bytes_goes_out_whole_and_one_byte_more_is_refused(
    tmp_path, encoding, at_the_limit, one_byte_more, message
):
    town = MunicipalityFactory()
    sign = SignboardFactory(parcel=ParcelFactory(municipality=town), text=at_the_limit)
    assert len(at_the_limit.encode(encoding)) == 254
    assert signboards_after_a_round_trip(town, tmp_path, encoding=encoding) == [
        (sign.signboard_code, sign.business_name, at_the_limit)
    ]
    Signboard._base_manager.filter(pk=sign.pk).update(text=one_byte_more)
    assert refusal(town, encoding=encoding) == [message.format(code=sign.signboard_code)]


def test_an_officer_learns_every_column_how_many_records_and_the_first_one(tmp_path):
    town = MunicipalityFactory()
    parcels = [ParcelFactory(municipality=town) for _ in range(3)]
    long_name = "ร้านก๋วยเตี๋ยวเรือป้าแดงสาขา" * 4  # 112 characters, 336 bytes in UTF-8; the register takes 200
    long_text = "อร่อย สะอาด ราคาถูก" * 14  # 266 characters: too long for a shapefile in either encoding
    first = SignboardFactory(parcel=parcels[0], business_name=long_name)
    SignboardFactory(parcel=parcels[1], business_name=long_name, text=long_text)
    SignboardFactory(parcel=parcels[2], business_name="ร้านทดสอบ")
    messages = refusal(town, encoding="utf-8")
    assert len(messages) == 2  # one for each column, in the order of the columns
    assert "“ชื่อกิจการ”" in messages[0] and "2 รายการ เช่น รหัส " + first.signboard_code in messages[0]
    assert "“ข้อความบนป้าย”" in messages[1] and f"1 รายการ เช่น รหัส {parcels[1].parcel_code}-P001" in messages[1]
    # CP874 cannot hold the 266-character text either, so it is not offered; GeoPackage is, and keeps all.
    assert all(m.endswith("โปรดส่งออกเป็น GeoPackage") for m in messages)
    with scoped_to(town):
        exported = export_layer(municipality=town, acting_user=None, layer="signboards", fmt="gpkg")
    path = tmp_path / exported.filename
    path.write_bytes(exported.content)
    assert gpd.read_file(path)["text"].tolist() == ["", long_text, ""]


def test_a_cp874_export_refuses_a_character_cp874_lacks_and_utf8_keeps_it(tmp_path):
    town = MunicipalityFactory()
    sign = SignboardFactory(parcel=ParcelFactory(municipality=town), business_name="Café Amazon")
    assert refusal(town, encoding="cp874") == [
        "ไม่ได้ส่งออก: คอลัมน์ “ชื่อกิจการ” มีตัวอักษรที่การเข้ารหัส CP874 ไม่มี (เช่น “é”) 1 รายการ "
        f"เช่น รหัส {sign.signboard_code} ตัวอักษรเหล่านี้จะหายไปจากไฟล์ โปรดเลือกการเข้ารหัส UTF-8 หรือส่งออกเป็น GeoPackage"
    ]
    assert signboards_after_a_round_trip(town, tmp_path, encoding="utf-8") == [(sign.signboard_code, "Café Amazon", "")]


def test_owners_addresses_too_long_for_a_shapefile_refuse_a_personal_data_export_and_log_nothing():
    town = MunicipalityFactory()
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user
    parcel = ParcelFactory(municipality=town)
    for n in range(3):  # three heirs: their addresses are joined into one value of 300 bytes and more
        owner = OwnerFactory(municipality=town, address=f"{n + 1}/9 หมู่ 4 ตำบลลำพญา อำเภอบางเลน จังหวัดนครปฐม")
        OwnershipFactory(parcel=parcel, owner=owner)
    with scoped_to(town), pytest.raises(ValidationError) as refused:
        export_with_personal_data(municipality=town, acting_user=officer, layer="parcels", fmt="shp")
    [message] = refused.value.messages
    assert "“ที่อยู่เจ้าของ”" in message and f"1 รายการ เช่น รหัส {parcel.parcel_code}" in message
    with scoped_to(town):
        assert not PersonalDataAccess.objects.exists()  # refused: nothing exported, nothing logged


@pytest.mark.parametrize(
    ("encoding", "sign", "expected"),
    [
        ("utf-8", {"text": "ก" * 85}, "(254 ไบต์ ราว 84 ตัวอักษรไทยเมื่อเข้ารหัส UTF-8) 1 รายการ"),
        ("cp874", {"business_name": "Café Amazon"}, "ไม่มี (เช่น “é”) 1 รายการ"),
    ],
    ids=["utf-8-too-long", "cp874-character"],
)
def test_the_export_command_refuses_in_thai_and_writes_no_file(tmp_path, encoding, sign, expected):
    town = MunicipalityFactory()
    code = SignboardFactory(parcel=ParcelFactory(municipality=town), **sign).signboard_code
    target = tmp_path / "signboards.zip"
    arguments = ["--municipality", town.code, "--layer", "signboards", "--format", "shp", "--encoding", encoding]
    with pytest.raises(CommandError) as refused:
        call_command("export_layer", *arguments, "-o", str(target))
    assert str(refused.value).startswith("ไม่ได้ส่งออก: คอลัมน์ ")
    assert expected in str(refused.value) and f"เช่น รหัส {code}" in str(refused.value)
    assert not target.exists()


def test_the_export_page_shows_the_limit_and_the_refusal_instead_of_a_file(client):
    town = MunicipalityFactory()
    sign = SignboardFactory(parcel=ParcelFactory(municipality=town), text="ป้ายโฆษณา" * 30)
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user
    client.login(username=officer.username, password=TEST_PASSWORD)
    page = client.get(reverse("dataio:export"))
    assert "shapefile เก็บข้อความได้ช่องละไม่เกิน 254 ไบต์" in page.content.decode()
    response = client.get(reverse("dataio:export"), {"layer": "signboards", "fmt": "shp", "encoding": "utf-8"})
    assert response.status_code == 200 and "Content-Disposition" not in response
    [error] = response.context["form"].non_field_errors()
    assert "“ข้อความบนป้าย”" in error and f"เช่น รหัส {sign.signboard_code}" in error
    assert error in response.content.decode()
    # Other formats are unchanged: the same text goes out whole as CSV.
    csv = client.get(reverse("dataio:export"), {"layer": "signboards", "fmt": "csv"})
    assert "ป้ายโฆษณา" * 30 in csv.content.decode("utf-8-sig")


def test_custom_fields_whose_names_a_dbf_would_cut_to_one_refuse_the_shapefile_and_geopackage_keeps_them(tmp_path):
    """DBF field names are 10 characters at most: a municipality's fields `flood_depth_2554` and
    `flood_depth_2564` would both be `flood_dept`, and `area_sqwah_gis` the parcels' `area_sqwah`."""
    town = MunicipalityFactory()
    copy = MunicipalityFactory(boundary=town.boundary)
    fields = [
        ("flood_depth_2564", "ความลึกน้ำท่วมปี 2564 (เมตร)"),
        ("flood_depth_2554", "ความลึกน้ำท่วมปี 2554 (เมตร)"),
        ("area_sqwah_gis", "เนื้อที่จากแผนที่ (ตารางวา)"),
        ("flood_prone", "พื้นที่เสี่ยงน้ำท่วม"),  # `flood_pron` in a shapefile: clashes with nothing
    ]
    for municipality in (town, copy):
        for order, (key, label) in enumerate(fields):
            CustomFieldFactory(
                municipality=municipality, layer="parcels", key=key, label_th=label, field_type="text", order=order
            )
    values = {"flood_depth_2564": "0.5", "flood_depth_2554": "1.8", "area_sqwah_gis": "98.5", "flood_prone": "ใช่"}
    parcel = ParcelFactory(municipality=town, custom=values)
    assert refusal(town, layer="parcels") == [  # in the order of the columns: the register's own first
        "ไม่ได้ส่งออก: shapefile ตั้งชื่อคอลัมน์ได้ไม่เกิน 10 ตัวอักษร คอลัมน์ “เนื้อที่ตามเอกสารสิทธิ์ (ตารางวา)” "
        "(area_sq_wah) และ “เนื้อที่จากแผนที่ (ตารางวา)” (area_sqwah_gis) จึงได้ชื่อเดียวกันคือ area_sqwah "
        "ค่าของคอลัมน์เหล่านี้จะหายไปหรือสลับกันเมื่อนำเข้ากลับ โปรดส่งออกเป็น GeoPackage",
        "ไม่ได้ส่งออก: shapefile ตั้งชื่อคอลัมน์ได้ไม่เกิน 10 ตัวอักษร คอลัมน์ “ความลึกน้ำท่วมปี 2564 (เมตร)” "
        "(flood_depth_2564) และ “ความลึกน้ำท่วมปี 2554 (เมตร)” (flood_depth_2554) จึงได้ชื่อเดียวกันคือ flood_dept "
        "ค่าของคอลัมน์เหล่านี้จะหายไปหรือสลับกันเมื่อนำเข้ากลับ โปรดส่งออกเป็น GeoPackage",
    ]
    export_and_import(town, copy, tmp_path, fmt="gpkg")  # GeoPackage names are whole: every value comes back
    assert Parcel._base_manager.get(municipality=copy, parcel_code=parcel.parcel_code).custom == values


def test_a_custom_field_cut_to_a_name_of_its_own_round_trips_through_a_shapefile(tmp_path):
    town = MunicipalityFactory()
    copy = MunicipalityFactory(boundary=town.boundary)
    for municipality in (town, copy):
        CustomFieldFactory(municipality=municipality, layer="parcels", key="flood_prone", field_type="boolean")
        CustomFieldFactory(municipality=municipality, layer="parcels", key="flood_depth_m", field_type="decimal")
    parcel = ParcelFactory(municipality=town, custom={"flood_prone": True, "flood_depth_m": 1.25})
    export_and_import(town, copy, tmp_path, fmt="shp")
    got = Parcel._base_manager.get(municipality=copy, parcel_code=parcel.parcel_code)
    assert got.custom == {"flood_prone": True, "flood_depth_m": 1.25}


def test_the_export_command_and_page_refuse_a_shapefile_whose_names_clash(client, tmp_path):
    town = MunicipalityFactory()
    for key in ("flood_depth_2554", "flood_depth_2564"):
        CustomFieldFactory(municipality=town, layer="parcels", key=key, label_th=key, field_type="text")
    ParcelFactory(municipality=town)
    target = tmp_path / "parcels.zip"
    with pytest.raises(CommandError) as refused:
        call_command("export_layer", "--municipality", town.code, "--format", "shp", "-o", str(target))
    assert str(refused.value).startswith("ไม่ได้ส่งออก: shapefile ตั้งชื่อคอลัมน์ได้ไม่เกิน 10 ตัวอักษร")
    assert not target.exists()
    officer = MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user
    client.login(username=officer.username, password=TEST_PASSWORD)
    response = client.get(reverse("dataio:export"), {"layer": "parcels", "fmt": "shp", "encoding": "utf-8"})
    assert response.status_code == 200 and "Content-Disposition" not in response
    [error] = response.context["form"].non_field_errors()
    assert "flood_dept" in error and "โปรดส่งออกเป็น GeoPackage" in error
