"""factory_boy factories for every municipal model, with geometry inside its municipality.

Municipal rows are written in the platform scope (tenancy.py), as a seeding job would; tests then
read them through the scope of the person they act as.
"""

import datetime
import functools
import random
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from factory.django import DjangoModelFactory

import taxes.models as tax
from assets.choices import BuildingType, InfrastructureKind, OwnerKind, SignType, Structure, UseCategory
from assets.models import (
    Building,
    BuildingUse,
    InfrastructureAsset,
    LandUse,
    Owner,
    Ownership,
    Parcel,
    ParcelLineage,
    Signboard,
    SignboardPhoto,
)
from audit.choices import AuthEventKind, PersonalDataAction
from audit.models import AuthEvent, PersonalDataAccess
from catalogue.models import CustomField, Dataset, DatasetRecord, MunicipalProfile, NationalExport
from dataio.models import ImportSession
from fixtures.demo import juristic_id, national_id
from jobs.models import BackgroundTask
from maps.models import BlockRevenue, RevenueEstimate
from municipalities.choices import MunicipalityKind, Role
from municipalities.models import Block, Membership, Municipality, Zone
from municipalities.tenancy import platform_scope
from rasters.models import FloodAnalysis, FloodImpact, Raster, RasterKind, RasterStatus
from works.models import Complaint, Inspection, InspectionPhoto, MaintenanceSchedule, WorkOrder, WorkOrderPhoto

TEST_PASSWORD = "correct horse battery staple"
MUNICIPALITY_SIZE_DEG = 0.05  # about 5.4 km a side at 13.5° N
PARCEL_SIZE_DEG = 0.0004  # about 44 m


def square(lon: float, lat: float, size: float) -> Polygon:
    return Polygon.from_bbox((lon, lat, lon + size, lat + size))


def municipality_origin(n: int) -> tuple[float, float]:
    """Test municipalities sit side by side along latitude 15° N, away from the demo towns."""
    return 99.0 + (n % 200) * 0.06, 15.0 + (n // 200) * 0.06


class PlatformFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with platform_scope():
            return super()._create(model_class, *args, **kwargs)


class MunicipalityFactory(PlatformFactory):
    class Meta:
        model = Municipality

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name_th = factory.Sequence(lambda n: f"ทดสอบ{n}")
    name_en = factory.Sequence(lambda n: f"Test {n}")
    kind = MunicipalityKind.SUBDISTRICT
    province_th = "ทดสอบ"
    boundary = factory.Sequence(
        lambda n: MultiPolygon(square(*municipality_origin(n), MUNICIPALITY_SIZE_DEG), srid=4326)
    )
    area_srid = 32647


def _inside(municipality, n: int, size: float = PARCEL_SIZE_DEG) -> Polygon:
    """The n-th little square of a 100 × 100 grid inside the municipality's boundary."""
    lon0, lat0, _, _ = municipality.boundary.extent
    step = MUNICIPALITY_SIZE_DEG / 101
    i = n % 10_000
    return square(lon0 + step * (1 + i % 100), lat0 + step * (1 + i // 100), min(size, step * 0.9))


class ZoneFactory(PlatformFactory):
    class Meta:
        model = Zone

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"เขต {o.code}")
    geom = factory.LazyAttribute(lambda o: o.municipality.boundary)


class BlockFactory(PlatformFactory):
    class Meta:
        model = Block

    zone = factory.SubFactory(ZoneFactory)
    municipality = factory.SelfAttribute("zone.municipality")
    code = factory.Sequence(lambda n: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26])
    geom = factory.LazyAttribute(lambda o: o.municipality.boundary)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if len(kwargs["code"]) == 1:
            kwargs["code"] = kwargs["zone"].code + kwargs["code"]
        return kwargs


class ParcelFactory(PlatformFactory):
    class Meta:
        model = Parcel

    municipality = factory.SubFactory(MunicipalityFactory)
    parcel_code = factory.Sequence(lambda n: f"01A{n % 1000:03d}" if n < 1000 else f"01B{n % 1000:03d}/{n // 1000:03d}")
    geom = factory.LazyAttributeSequence(lambda o, n: MultiPolygon(_inside(o.municipality, n), srid=4326))
    deed_type = "chanote"
    deed_number = factory.Sequence(lambda n: str(10000 + n))
    area_sq_wah = Decimal("100.00")
    price_per_sq_wah = Decimal("30000.00")


class LandUseFactory(PlatformFactory):
    class Meta:
        model = LandUse

    parcel = factory.SubFactory(ParcelFactory)
    municipality = factory.SelfAttribute("parcel.municipality")
    use = UseCategory.RESIDENTIAL_OTHER
    area_sq_wah = factory.SelfAttribute("parcel.area_sq_wah")


class ParcelLineageFactory(PlatformFactory):
    class Meta:
        model = ParcelLineage

    parent = factory.SubFactory(ParcelFactory)
    municipality = factory.SelfAttribute("parent.municipality")
    child = factory.SubFactory(ParcelFactory, municipality=factory.SelfAttribute("..municipality"))
    kind = "split"
    recorded_on = datetime.date(2026, 1, 15)


class BuildingFactory(PlatformFactory):
    class Meta:
        model = Building

    parcel = factory.SubFactory(ParcelFactory)
    municipality = factory.SelfAttribute("parcel.municipality")
    building_code = factory.LazyAttribute(lambda o: f"{o.parcel.parcel_code}-B001")
    footprint = factory.LazyAttribute(lambda o: o.parcel.geom[0].buffer(-0.00005))
    building_type = BuildingType.DETACHED_HOUSE
    structure = Structure.WOOD
    floors = 1
    floor_area_m2 = Decimal("80.00")
    year_built = 2016


class BuildingUseFactory(PlatformFactory):
    class Meta:
        model = BuildingUse

    building = factory.SubFactory(BuildingFactory)
    municipality = factory.SelfAttribute("building.municipality")
    use = UseCategory.RESIDENTIAL_OTHER
    floor_area_m2 = factory.SelfAttribute("building.floor_area_m2")


_ids = random.Random(2569)


class OwnerFactory(PlatformFactory):
    class Meta:
        model = Owner

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = OwnerKind.PERSON
    title = "นาย"
    first_name = factory.Sequence(lambda n: f"สมชาย{n}")
    last_name = "ใจดี"
    national_id = factory.LazyAttribute(
        lambda o: national_id(_ids) if o.kind == OwnerKind.PERSON else juristic_id(_ids)
    )
    address = "99 หมู่ 1 ตำบลทดสอบ"


class OwnershipFactory(PlatformFactory):
    class Meta:
        model = Ownership

    parcel = factory.SubFactory(ParcelFactory)
    municipality = factory.SelfAttribute("parcel.municipality")
    owner = factory.SubFactory(OwnerFactory, municipality=factory.SelfAttribute("..municipality"))
    share = Decimal(1)


class SignboardFactory(PlatformFactory):
    class Meta:
        model = Signboard

    parcel = factory.SubFactory(ParcelFactory)
    municipality = factory.SelfAttribute("parcel.municipality")
    signboard_code = factory.LazyAttribute(lambda o: f"{o.parcel.parcel_code}-P001")
    location = factory.LazyAttribute(lambda o: o.parcel.geom.point_on_surface)
    business_name = "ร้านทดสอบ"
    width_cm = 123
    height_cm = 77
    sign_type = SignType.THAI_MIXED
    installed_on = datetime.date(2025, 1, 10)


class SignboardPhotoFactory(PlatformFactory):
    class Meta:
        model = SignboardPhoto

    signboard = factory.SubFactory(SignboardFactory)
    municipality = factory.SelfAttribute("signboard.municipality")
    image = factory.django.ImageField(color="blue", width=40, height=30)
    caption = "ด้านหน้า"


class AssessmentRunFactory(PlatformFactory):
    class Meta:
        model = tax.AssessmentRun

    municipality = factory.SubFactory(MunicipalityFactory)
    tax_year = 2026
    status = "done"


class AssessmentFactory(PlatformFactory):
    """A land-and-building assessment of the E2 case (552.00 baht) on a parcel of its municipality."""

    class Meta:
        model = tax.Assessment

    run = factory.SubFactory(AssessmentRunFactory)
    municipality = factory.SelfAttribute("run.municipality")
    tax_year = factory.SelfAttribute("run.tax_year")
    kind = "land_building"
    parcel = factory.SubFactory(ParcelFactory, municipality=factory.SelfAttribute("..municipality"))
    # The E2 case of thai-taxes.md §4 in the stored form of taxes/facts.py.
    facts = factory.LazyAttribute(
        lambda o: f"[{o.tax_year},0,[80,30000,0,1,[[3,1]]],[[80,7500,2,10,1,[[3,1]]]],null,0,null]"
    )
    tax = Decimal("552.00")


class NoticeFactory(PlatformFactory):
    class Meta:
        model = tax.Notice

    assessment = factory.SubFactory(AssessmentFactory)
    municipality = factory.SelfAttribute("assessment.municipality")
    kind = "assessment"
    number = factory.Sequence(lambda n: f"2569/{n:06d}")
    issued_on = datetime.date(2026, 2, 15)
    due_on = datetime.date(2026, 6, 30)


class InstalmentFactory(PlatformFactory):
    class Meta:
        model = tax.Instalment

    assessment = factory.SubFactory(AssessmentFactory)
    municipality = factory.SelfAttribute("assessment.municipality")
    number = 1
    due_on = datetime.date(2026, 6, 30)
    amount = Decimal("552.00")


class PaymentFactory(PlatformFactory):
    class Meta:
        model = tax.Payment

    assessment = factory.SubFactory(AssessmentFactory)
    municipality = factory.SelfAttribute("assessment.municipality")
    receipt_number = factory.Sequence(lambda n: f"R{n:07d}")
    paid_on = datetime.date(2026, 4, 1)
    amount = Decimal("552.00")
    principal = Decimal("552.00")


class TaxStatusFactory(PlatformFactory):
    class Meta:
        model = tax.TaxStatus

    run = factory.SubFactory(AssessmentRunFactory)
    municipality = factory.SelfAttribute("run.municipality")
    tax_year = factory.SelfAttribute("run.tax_year")
    parcel = factory.SubFactory(ParcelFactory, municipality=factory.SelfAttribute("..municipality"))
    tax_due = Decimal("552.00")


class InfrastructureAssetFactory(PlatformFactory):
    class Meta:
        model = InfrastructureAsset

    municipality = factory.SubFactory(MunicipalityFactory)
    asset_code = factory.Sequence(lambda n: f"SL-{n:05d}")
    kind = InfrastructureKind.STREETLIGHT
    geom = factory.LazyAttributeSequence(lambda o, n: _inside(o.municipality, n).centroid)
    condition = 2
    replacement_cost = Decimal("25000.00")
    useful_life_years = 15
    attributes = factory.LazyFunction(lambda: {"lamp_type": "LED", "wattage": 90})


@functools.cache
def _hashed_test_password() -> str:
    """TEST_PASSWORD hashed once for every test user: hashing it anew (PBKDF2, a second on a busy
    machine) for each of the thousands of users the suite creates took minutes."""
    return make_password(TEST_PASSWORD)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.LazyFunction(_hashed_test_password)


class MembershipFactory(PlatformFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    role = Role.TAX_OFFICER


class BackgroundTaskFactory(PlatformFactory):
    class Meta:
        model = BackgroundTask

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = "test"
    title = "งานทดสอบ"


class InspectionFactory(PlatformFactory):
    class Meta:
        model = Inspection

    municipality = factory.SubFactory(MunicipalityFactory)
    asset = factory.SubFactory(InfrastructureAssetFactory, municipality=factory.SelfAttribute("..municipality"))
    inspected_on = datetime.date(2026, 3, 2)
    inspector = factory.SubFactory(UserFactory)
    condition = 3
    checklist = factory.LazyFunction(lambda: {"lamp": "ok", "pole": "defect"})


class InspectionPhotoFactory(PlatformFactory):
    class Meta:
        model = InspectionPhoto

    municipality = factory.SubFactory(MunicipalityFactory)
    inspection = factory.SubFactory(InspectionFactory, municipality=factory.SelfAttribute("..municipality"))
    image = factory.django.ImageField(color="green", width=40, height=30)


class MaintenanceScheduleFactory(PlatformFactory):
    class Meta:
        model = MaintenanceSchedule

    municipality = factory.SubFactory(MunicipalityFactory)
    asset = factory.SubFactory(InfrastructureAssetFactory, municipality=factory.SelfAttribute("..municipality"))
    title = "ตรวจและทำความสะอาดโคมไฟ"
    interval_months = 6


class ComplaintFactory(PlatformFactory):
    class Meta:
        model = Complaint

    municipality = factory.SubFactory(MunicipalityFactory)
    channel = "web_form"
    category = "streetlight"
    description = "ไฟดับหน้าบ้าน"
    location = factory.LazyAttributeSequence(lambda o, n: _inside(o.municipality, n).centroid)
    reported_at = factory.LazyFunction(lambda: datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC))


class WorkOrderFactory(PlatformFactory):
    class Meta:
        model = WorkOrder

    municipality = factory.SubFactory(MunicipalityFactory)
    number = factory.Sequence(lambda n: f"69-{n:05d}")
    title = "ซ่อมไฟฟ้าส่องสว่าง"
    asset = factory.SubFactory(InfrastructureAssetFactory, municipality=factory.SelfAttribute("..municipality"))
    due_on = datetime.date(2026, 4, 1)
    location = factory.LazyAttribute(lambda o: o.asset.geom if o.asset else None)


class WorkOrderPhotoFactory(PlatformFactory):
    class Meta:
        model = WorkOrderPhoto

    municipality = factory.SubFactory(MunicipalityFactory)
    work_order = factory.SubFactory(WorkOrderFactory, municipality=factory.SelfAttribute("..municipality"))
    stage = "before"
    image = factory.django.ImageField(color="red", width=40, height=30)


class RasterFactory(PlatformFactory):
    class Meta:
        model = Raster

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"ภาพทดสอบ {n}")
    kind = RasterKind.FLOOD_DEPTH
    status = RasterStatus.READY
    crs = "EPSG:32647"
    footprint = factory.LazyAttribute(lambda o: o.municipality.boundary.envelope)
    width = 100
    height = 100
    band_count = 1
    dtype = "float32"
    pixel_size = 10.0
    size_bytes = 40_000


class FloodAnalysisFactory(PlatformFactory):
    class Meta:
        model = FloodAnalysis

    municipality = factory.SubFactory(MunicipalityFactory)
    raster = factory.SubFactory(RasterFactory, municipality=factory.SelfAttribute("..municipality"))
    threshold_m = Decimal("0.30")


class FloodImpactFactory(PlatformFactory):
    class Meta:
        model = FloodImpact

    municipality = factory.SubFactory(MunicipalityFactory)
    analysis = factory.SubFactory(FloodAnalysisFactory, municipality=factory.SelfAttribute("..municipality"))
    layer = "parcel"
    parcel = factory.SubFactory(ParcelFactory, municipality=factory.SelfAttribute("..municipality"))
    flooded_share = 0.5
    mean_depth_m = 0.6
    max_depth_m = 1.1


class ImportSessionFactory(PlatformFactory):
    class Meta:
        model = ImportSession

    municipality = factory.SubFactory(MunicipalityFactory)
    layer = "parcels"
    source_name = "parcels.gpkg"
    file = factory.django.FileField(filename="parcels.gpkg", data=b"GPKG")
    options = factory.LazyFunction(lambda: {"layer": "parcels"})
    report = factory.LazyFunction(lambda: {"rows": 0, "errors": 0, "problems": []})


class RevenueEstimateFactory(PlatformFactory):
    class Meta:
        model = RevenueEstimate

    municipality = factory.SubFactory(MunicipalityFactory)
    tax_year = 2026
    kind = "land_building"
    amount = Decimal("1000000.00")
    reference = "เทศบัญญัติงบประมาณรายจ่ายประจำปีงบประมาณ พ.ศ. 2569"


class BlockRevenueFactory(PlatformFactory):
    class Meta:
        model = BlockRevenue

    municipality = factory.SubFactory(MunicipalityFactory)
    run = factory.LazyAttribute(lambda o: AssessmentRunFactory(municipality=o.municipality))
    block = factory.LazyAttribute(lambda o: BlockFactory(zone=ZoneFactory(municipality=o.municipality)))
    expected = Decimal("1000.00")
    collected = Decimal("250.00")


class MunicipalProfileFactory(PlatformFactory):
    class Meta:
        model = MunicipalProfile

    municipality = factory.SubFactory(MunicipalityFactory)
    primary_colour = "#7a1f5c"
    letterhead_th = factory.LazyAttribute(lambda o: f"สำนักงานเทศบาล{o.municipality.name_th}")


class DatasetFactory(PlatformFactory):
    class Meta:
        model = Dataset

    municipality = factory.SubFactory(MunicipalityFactory)
    key = factory.Sequence(lambda n: f"markets-{n}")
    source = "upload"
    title_th = "ตลาดสด"
    title_en = "Fresh markets"
    owner_department = "กองสาธารณสุข"
    columns = factory.LazyFunction(lambda: [{"name": "name", "type": "text"}, {"name": "stalls", "type": "integer"}])
    geometry_type = "Point"


class DatasetRecordFactory(PlatformFactory):
    class Meta:
        model = DatasetRecord

    dataset = factory.SubFactory(DatasetFactory)
    municipality = factory.SelfAttribute("dataset.municipality")
    row_no = factory.Sequence(lambda n: n + 1)
    geom = factory.LazyAttributeSequence(lambda o, n: _inside(o.municipality, n).centroid)
    attributes = factory.LazyFunction(lambda: {"name": "ตลาดเช้า", "stalls": 40})


class CustomFieldFactory(PlatformFactory):
    class Meta:
        model = CustomField

    municipality = factory.SubFactory(MunicipalityFactory)
    layer = "parcels"
    key = factory.Sequence(lambda n: f"flood_prone_{n}")
    label_th = "พื้นที่เสี่ยงน้ำท่วม"
    label_en = "Flood-prone"
    field_type = "boolean"


class NationalExportFactory(PlatformFactory):
    class Meta:
        model = NationalExport

    municipality = factory.SubFactory(MunicipalityFactory)
    tax_year = 2026
    schema_version = "1.0"
    path = "var/national/packages/999999-2026"
    cells = 12
    suppressed = 3


class AuthEventFactory(PlatformFactory):
    class Meta:
        model = AuthEvent

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = AuthEventKind.LOGIN_FAILED
    username = factory.Sequence(lambda n: f"someone{n}")
    ip_address = "192.0.2.10"


class PersonalDataAccessFactory(PlatformFactory):
    class Meta:
        model = PersonalDataAccess

    municipality = factory.SubFactory(MunicipalityFactory)
    action = PersonalDataAction.EXPORT
    username = factory.Sequence(lambda n: f"officer{n}")
    record_count = 12
    detail = "owners.xlsx"


def road(municipality, n: int = 0) -> LineString:
    cell = _inside(municipality, n, size=0.0004)
    (x0, y0), (x1, y1) = cell.coords[0][0], cell.coords[0][2]
    return LineString((x0, y0), (x1, y1), srid=4326)


def point_in(municipality, n: int = 0) -> Point:
    return _inside(municipality, n).centroid


# One factory per municipal model: tests/municipalities/test_tenancy.py runs the isolation checks on each,
# and fails when a new municipal model has no factory here.
FACTORIES = {
    Zone: ZoneFactory,
    Block: BlockFactory,
    Membership: MembershipFactory,
    Parcel: ParcelFactory,
    LandUse: LandUseFactory,
    ParcelLineage: ParcelLineageFactory,
    Building: BuildingFactory,
    BuildingUse: BuildingUseFactory,
    Owner: OwnerFactory,
    Ownership: OwnershipFactory,
    Signboard: SignboardFactory,
    SignboardPhoto: SignboardPhotoFactory,
    tax.AssessmentRun: AssessmentRunFactory,
    tax.Assessment: AssessmentFactory,
    tax.Notice: NoticeFactory,
    tax.Instalment: InstalmentFactory,
    tax.Payment: PaymentFactory,
    tax.TaxStatus: TaxStatusFactory,
    InfrastructureAsset: InfrastructureAssetFactory,
    BackgroundTask: BackgroundTaskFactory,
    Inspection: InspectionFactory,
    InspectionPhoto: InspectionPhotoFactory,
    MaintenanceSchedule: MaintenanceScheduleFactory,
    Complaint: ComplaintFactory,
    WorkOrder: WorkOrderFactory,
    WorkOrderPhoto: WorkOrderPhotoFactory,
    Raster: RasterFactory,
    FloodAnalysis: FloodAnalysisFactory,
    FloodImpact: FloodImpactFactory,
    ImportSession: ImportSessionFactory,
    RevenueEstimate: RevenueEstimateFactory,
    BlockRevenue: BlockRevenueFactory,
    MunicipalProfile: MunicipalProfileFactory,
    Dataset: DatasetFactory,
    DatasetRecord: DatasetRecordFactory,
    CustomField: CustomFieldFactory,
    NationalExport: NationalExportFactory,
    AuthEvent: AuthEventFactory,
    PersonalDataAccess: PersonalDataAccessFactory,
}
