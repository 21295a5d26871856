"""Exports: every format round-trips into an identical register, and personal data leaves only on request
and only for roles that may see it (PDPA)."""

import io
import json
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from assets.models import Building, InfrastructureAsset, Parcel, Signboard
from audit.choices import PersonalDataAction
from audit.models import PersonalDataAccess
from dataio.services import ImportOptions, export_layer, export_with_personal_data, import_file
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import (
    BuildingFactory,
    BuildingUseFactory,
    InfrastructureAssetFactory,
    LandUseFactory,
    MembershipFactory,
    MunicipalityFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    SignboardFactory,
    road,
)

pytestmark = pytest.mark.django_db

FIELDS = {
    Parcel: [
        "parcel_code",
        "deed_type",
        "deed_number",
        "land_number",
        "survey_page",
        "map_sheet",
        "map_scale",
        "area_sq_wah",
        "price_per_sq_wah",
        "block_id",
    ],
    Building: [
        "building_code",
        "parcel__parcel_code",
        "house_number",
        "building_type",
        "structure",
        "floors",
        "floor_area_m2",
        "year_built",
        "price_per_m2",
    ],
    Signboard: [
        "signboard_code",
        "parcel__parcel_code",
        "business_name",
        "text",
        "width_cm",
        "height_cm",
        "faces",
        "sign_type",
        "moving",
        "installed_on",
        "removed_on",
    ],
    InfrastructureAsset: [
        "asset_code",
        "kind",
        "name",
        "material",
        "installed_on",
        "condition",
        "replacement_cost",
        "useful_life_years",
        "attributes",
    ],
}
GEOMETRY = {Parcel: "geom", Building: "footprint", Signboard: "location", InfrastructureAsset: "geom"}
LAYER = {Parcel: "parcels", Building: "buildings", Signboard: "signboards", InfrastructureAsset: "infrastructure"}


@pytest.fixture
def takhli():
    """A register with Thai text, decimals, dates, empty values and every kind of geometry."""
    town = MunicipalityFactory()
    parcels = [
        ParcelFactory(
            municipality=town,
            deed_type="ns3k",
            land_number="12",
            survey_page="ห.3",
            map_sheet="5036IV6620",
            map_scale=4000,
            price_per_sq_wah=Decimal("1234.56"),
        ),
        ParcelFactory(
            municipality=town, deed_type="", map_scale=None, price_per_sq_wah=None, area_sq_wah=Decimal("0.50")
        ),
        ParcelFactory(municipality=town, deed_type="chanote"),
    ]
    BuildingFactory(parcel=parcels[0], house_number="99/1 หมู่ 2", floors=3, price_per_m2=Decimal("7500.25"))
    BuildingFactory(parcel=parcels[2], structure="masonry", building_type="400")
    SignboardFactory(parcel=parcels[0], business_name="ร้านก๋วยเตี๋ยวเรือ “ป้าแดง”", text="อร่อย, สะอาด", moving=True)
    InfrastructureAssetFactory(municipality=town, installed_on="2019-03-01", material="คอนกรีต")
    InfrastructureAssetFactory(
        municipality=town,
        asset_code="RD-00001",
        kind="road",
        geom=road(town, 7),
        condition=None,
        attributes={"surface": "ลาดยาง", "width_m": 6.5, "lanes": 2},
    )
    owner = OwnerFactory(municipality=town, first_name="สมหญิง", last_name="ใจงาม", address="12 หมู่ 3 ตำบลตาคลี")
    OwnershipFactory(parcel=parcels[0], owner=owner)
    return town


def rows(town, model):
    with scoped_to(town):
        objects = model.objects.order_by(FIELDS[model][0])
        values = list(objects.values_list(*FIELDS[model]))
        shapes = [getattr(o, GEOMETRY[model]) for o in objects]
    if model is Parcel:  # blocks belong to each municipality; compare their codes
        values = [v[:-1] for v in values]
    return values, shapes


def roundtrip(source, fmt, tmp_path, encoding="utf-8"):
    target = MunicipalityFactory(boundary=source.boundary)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in (Parcel, Building, Signboard, InfrastructureAsset):
            if fmt == "shp" and model is InfrastructureAsset:
                continue  # one geometry type per shapefile: infrastructure goes out as GeoPackage
            with scoped_to(source):
                exported = export_layer(
                    municipality=source, acting_user=None, layer=LAYER[model], fmt=fmt, encoding=encoding
                )
            path = tmp_path / f"{LAYER[model]}-{exported.filename}"
            path.write_bytes(exported.content)
            with scoped_to(target):
                import_file(municipality=target, acting_user=None, path=path, options=ImportOptions(layer=LAYER[model]))
    return target


@pytest.mark.parametrize(
    ("fmt", "encoding"),
    [("gpkg", "utf-8"), ("shp", "cp874"), ("shp", "utf-8"), ("geojson", "utf-8"), ("csv", "utf-8"), ("xlsx", "utf-8")],
)
def test_export_then_import_reproduces_the_register(takhli, tmp_path, fmt, encoding):
    copy = roundtrip(takhli, fmt, tmp_path, encoding)
    for model in (Parcel, Building, Signboard, InfrastructureAsset):
        if fmt == "shp" and model is InfrastructureAsset:
            continue
        (expected, expected_shapes), (got, got_shapes) = rows(takhli, model), rows(copy, model)
        assert got == expected, model
        for a, b in zip(expected_shapes, got_shapes, strict=True):
            if fmt == "gpkg":
                assert a.ewkb == b.ewkb  # bit for bit
            else:
                assert (a.equals(b) and a.equals_exact(b, 1e-12)) or a.normalize().equals_exact(b.normalize(), 1e-12)


def test_a_cp874_shapefile_declares_its_encoding(takhli):
    with scoped_to(takhli):
        exported = export_layer(municipality=takhli, acting_user=None, layer="signboards", fmt="shp", encoding="cp874")
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert archive.read("signboards.cpg") == b"874"
    assert "ร้านก๋วยเตี๋ยวเรือ".encode("cp874") in archive.read("signboards.dbf")


def test_exports_without_personal_data_carry_no_names_ids_or_addresses(takhli, tmp_path):
    owner = OwnerFactory._meta.model._base_manager.get(municipality=takhli)
    for fmt in ("gpkg", "csv", "xlsx", "geojson", "ltax"):
        with scoped_to(takhli):
            exported = export_layer(municipality=takhli, acting_user=None, layer="parcels", fmt=fmt)
        assert "-pdpa." in exported.filename
        text = _text_of(exported, tmp_path)
        for secret in (owner.national_id, "สมหญิง", "12 หมู่ 3 ตำบลตาคลี"):
            assert secret not in text, (fmt, secret)


def test_an_officer_exports_personal_data_through_the_one_service(takhli, tmp_path):
    officer = MembershipFactory(municipality=takhli, role=Role.TAX_OFFICER).user
    owner = OwnerFactory._meta.model._base_manager.get(municipality=takhli)
    with scoped_to(takhli):
        exported = export_with_personal_data(municipality=takhli, acting_user=officer, layer="parcels", fmt="geojson")
    features = json.loads(exported.content)["features"]
    owned = next(f["properties"] for f in features if f["properties"]["owner_ids"])
    assert owned["owner_ids"] == owner.national_id
    assert owned["owner_names"] == "นายสมหญิง ใจงาม"
    assert owned["owner_addresses"] == "12 หมู่ 3 ตำบลตาคลี"
    with scoped_to(takhli):
        ltax = export_with_personal_data(municipality=takhli, acting_user=officer, layer="parcels", fmt="ltax")
    assert owner.national_id in _text_of(ltax, tmp_path)
    # Each export is in the access log (PDPA): who, which layer and file, how many records.
    with scoped_to(takhli):
        logged = list(PersonalDataAccess.objects.order_by("id"))
    assert [(row.user, row.action, row.detail, row.record_count) for row in logged] == [
        (officer, PersonalDataAction.EXPORT, exported.filename, len(features)),
        (officer, PersonalDataAction.EXPORT, ltax.filename, ltax.rows),
    ]
    assert logged[0].content_type.model == "parcel"


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.ENGINEER])
def test_executives_and_engineers_never_get_personal_data(takhli, role):
    person = MembershipFactory(municipality=takhli, role=role).user
    with scoped_to(takhli), pytest.raises(PermissionDenied):
        export_with_personal_data(municipality=takhli, acting_user=person, layer="parcels", fmt="csv")
    with scoped_to(takhli):
        assert not PersonalDataAccess.objects.exists()  # refused: nothing exported, nothing logged


def test_an_officer_of_another_municipality_gets_no_personal_data(takhli):
    outsider = MembershipFactory(role=Role.TAX_OFFICER).user
    with scoped_to(takhli), pytest.raises(PermissionDenied):
        export_with_personal_data(municipality=takhli, acting_user=outsider, layer="parcels", fmt="csv")


def test_the_ltax_online_workbook_follows_the_entry_order(takhli):
    with scoped_to(takhli):
        exported = export_layer(municipality=takhli, acting_user=None, layer="parcels", fmt="ltax")
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    assert [s.split(" ")[1] for s in book.sheetnames] == [
        "owner",
        "land",
        "landUse",
        "building",
        "buildingUse",
        "signboard",
    ]
    land = book["2 land ที่ดิน"]
    header = [c.value for c in land[1]]
    first = dict(zip(header, [c.value for c in land[2]], strict=True))
    assert first["parcelCode รหัสแปลง"] == "01A000" or first["parcelCode รหัสแปลง"].startswith("01")
    assert first["docType ประเภทเอกสารสิทธิ์"] == 4  # น.ส.3 ก is the 4th document type
    assert (first["utm1"], first["utm2"], first["utm3"], first["utm4"]) == ("5036", "IV", "66", "20")
    assert (first["rai ไร่"], first["ngan งาน"], first["wah ตารางวา"]) == (0, 1, 0)  # 100 ตารางวา
    owners = book["1 owner เจ้าของ"]
    assert [c.value for c in owners[1]] == ["ownerRef ลำดับเจ้าของ", "personType ประเภทบุคคล"]


def test_the_ltax_online_workbook_carries_todays_register_without_retired_parcels_or_their_buildings():
    """A parcel split or merged away is retired: it, its land uses, the buildings left on it and owners who
    hold nothing else are not entered into LTAX Online again (the tax run leaves them out too)."""
    town = MunicipalityFactory()
    current = ParcelFactory(municipality=town, parcel_code="01A001")
    retired = ParcelFactory(municipality=town, parcel_code="01A002", retired_on="2025-06-01")
    holder, former, tenant, advertiser = (
        OwnerFactory(municipality=town, first_name=name) for name in ("สมหญิง", "สมปอง", "สมศักดิ์", "สมศรี")
    )
    for parcel, owner in ((current, holder), (retired, former)):
        OwnershipFactory(parcel=parcel, owner=owner)
        LandUseFactory(parcel=parcel)
        BuildingUseFactory(building=BuildingFactory(parcel=parcel))
    house = Building._base_manager.get(parcel=current)
    OwnershipFactory(parcel=None, building=house, municipality=town, owner=tenant)  # owns the house only
    # A sign stands on the retired parcel until it is taken down: it is still taxed, so it is still entered.
    SignboardFactory(parcel=retired, owner=advertiser)
    SignboardFactory(parcel=current, signboard_code="01A001-P002", removed_on="2025-12-31")

    with scoped_to(town):
        exported = export_with_personal_data(
            municipality=town,
            acting_user=MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user,
            layer="parcels",
            fmt="ltax",
        )
    book = openpyxl.load_workbook(io.BytesIO(exported.content))

    def column(sheet, header):
        rows = list(book[sheet].iter_rows(values_only=True))
        return [row[rows[0].index(header)] for row in rows[1:]]

    assert column("2 land ที่ดิน", "parcelCode รหัสแปลง") == ["01A001"] and exported.rows == 1
    assert column("3 landUse การใช้ที่ดิน", "parcelCode รหัสแปลง") == ["01A001"]
    assert column("4 building สิ่งปลูกสร้าง", "buildingCode รหัสสิ่งปลูกสร้าง") == ["01A001-B001"]
    assert column("5 buildingUse การใช้อาคาร", "buildingCode รหัสสิ่งปลูกสร้าง") == ["01A001-B001"]
    assert column("6 signboard ป้าย", "signCode รหัสป้าย") == ["01A002-P001"]
    assert column("1 owner เจ้าของ", "ownerRef ลำดับเจ้าของ") == sorted([holder.pk, tenant.pk, advertiser.pk])
    assert former.pk not in column("1 owner เจ้าของ", "ownerRef ลำดับเจ้าของ")


def test_another_municipalitys_records_never_reach_an_export(takhli):
    other = MunicipalityFactory()
    ParcelFactory(municipality=other, parcel_code="77Z999")
    with scoped_to(takhli):
        exported = export_layer(municipality=takhli, acting_user=None, layer="parcels", fmt="csv")
    assert b"77Z999" not in exported.content and exported.rows == 3


def _text_of(exported, tmp_path: Path) -> str:
    if exported.filename.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(exported.content))
        return " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
    if exported.filename.endswith(".gpkg"):
        path = tmp_path / exported.filename
        path.write_bytes(exported.content)
        return gpd.read_file(path).to_csv()
    return exported.content.decode("utf-8-sig")
