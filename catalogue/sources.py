"""Where each catalogue dataset's rows come from: one SQL description per register layer.

A `Source` names the table, the rows that belong to the dataset (always of one municipality), the
columns everyone may see when the dataset is public, and the further columns a municipality's own
users see. The same description serves the record counts, the OGC API items, the portal's map
preview and the downloads (written by dataio's exporters), so a column is published in one place.
Owners' names, IDs and addresses are in no source: they leave only through dataio's personal export.
"""

from dataclasses import dataclass

from assets.choices import InfrastructureKind
from catalogue.choices import Classification, UpdateFrequency
from municipalities.permissions import Capability
from municipalities.tenancy import parcel_in_zones_sql

FINANCE = "กองคลัง (งานแผนที่ภาษีและทะเบียนทรัพย์สิน)"
ENGINEERING = "กองช่าง"


@dataclass(frozen=True)
class Source:
    key: str
    title_th: str
    title_en: str
    description_th: str
    department: str
    frequency: str
    table: str
    geometry: str | None  # the geometry column (4326), None for a table without geometry
    geometry_type: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL on alias t) seen by everyone when public
    internal_columns: tuple[tuple[str, str], ...] = ()  # seen by the municipality's users and token holders
    where: str = ""  # further condition on alias t
    classification: str = Classification.INTERNAL  # every layer starts internal: publishing is the municipality's act
    open_data: bool = False  # fit to publish as it is (public geography and assets): what the demo opens
    keywords: tuple[str, ...] = ()
    custom_layer: str | None = None  # register layer whose custom fields are columns too
    personal: bool = False  # never public, never served: only counted
    zone_summary: bool = False  # rows are the per-zone tax summary (catalogue.selectors), not table rows
    # The rows a zone-limited member sees (ids in %(zones)s), as the model's `zone_paths` say; "" when the
    # layer is town-wide (infrastructure, rasters).
    zone_sql: str = ""
    # What a member's role needs to read the layer when it is not public (pages, downloads, OGC API).
    capability: Capability = Capability.VIEW_REGISTER


def dataset_key(source_key: str) -> str:
    """The key of a register layer's dataset in a municipality's catalogue (infrastructure:fire_hydrant →
    infrastructure-fire-hydrant): what its settings store when they hide the layer (`hidden_layers`)."""
    return source_key.replace(":", "-").replace("_", "-")


IN_ZONES_BY_BLOCK = "t.block_id IN (SELECT b.id FROM municipalities_block b WHERE b.zone_id = ANY(%(zones)s))"
IN_ZONES_BY_PARCEL = parcel_in_zones_sql("t.parcel_id", "%(zones)s")


def _infrastructure(kind: InfrastructureKind) -> Source:
    geometry_type = {"road": "LineString", "drain": "LineString", "water_pipe": "LineString"}.get(
        kind.value, "Point" if kind.value in ("streetlight", "cctv", "fire_hydrant") else "Geometry"
    )
    if kind == InfrastructureKind.PUBLIC_BUILDING:
        geometry_type = "Polygon"
    return Source(
        key=f"infrastructure:{kind.value}",
        title_th=str(kind.label),
        title_en=kind.value.replace("_", " ").capitalize(),
        description_th=f"ทะเบียนโครงสร้างพื้นฐานประเภท{kind.label} ตำแหน่ง วัสดุ ปีที่ติดตั้ง และสภาพล่าสุด (1 ดีมาก – 5 ต้องเปลี่ยน)",
        department=ENGINEERING,
        frequency=UpdateFrequency.CONTINUOUS,
        table="assets_infrastructureasset",
        geometry="geom",
        geometry_type=geometry_type,
        columns=(
            ("asset_code", "t.asset_code"),
            ("name", "t.name"),
            ("material", "t.material"),
            ("installed_on", "t.installed_on"),
            ("condition", "t.condition"),
            ("attributes", "t.attributes"),
        ),
        internal_columns=(("replacement_cost", "t.replacement_cost"), ("useful_life_years", "t.useful_life_years")),
        where=f"t.kind = '{kind.value}'",
        open_data=True,
        keywords=("โครงสร้างพื้นฐาน", str(kind.label), "infrastructure"),
        custom_layer="infrastructure",
    )


SOURCES: dict[str, Source] = {
    s.key: s
    for s in [
        Source(
            key="zones",
            title_th="เขตแผนที่ภาษี",
            title_en="Tax map zones",
            description_th="เขต (01, 02, …) ของแผนที่แม่บทภาษีของเทศบาล",
            department=FINANCE,
            frequency=UpdateFrequency.ANNUAL,
            table="municipalities_zone",
            geometry="geom",
            geometry_type="MultiPolygon",
            columns=(("zone_code", "t.code"), ("name", "t.name")),
            open_data=True,
            zone_sql="t.id = ANY(%(zones)s)",
            keywords=("แผนที่ภาษี", "เขต", "tax map"),
        ),
        Source(
            key="blocks",
            title_th="เขตย่อยแผนที่ภาษี",
            title_en="Tax map blocks",
            description_th="เขตย่อย (03A, 03B, …) ของแผนที่แม่บทภาษี ใช้เป็นหน่วยของรหัสแปลง",
            department=FINANCE,
            frequency=UpdateFrequency.ANNUAL,
            table="municipalities_block",
            geometry="geom",
            geometry_type="MultiPolygon",
            columns=(("block_code", "t.code"), ("zone_code", "left(t.code, 2)")),
            open_data=True,
            zone_sql="t.zone_id = ANY(%(zones)s)",
            keywords=("แผนที่ภาษี", "เขตย่อย", "tax map"),
        ),
        Source(
            key="parcels",
            title_th="แปลงที่ดิน",
            title_en="Land parcels",
            description_th="แปลงที่ดินในแผนที่ภาษี รหัสแปลง ประเภทเอกสารสิทธิ์ เนื้อที่ และราคาประเมินทุนทรัพย์ (ไม่มีข้อมูลเจ้าของ)",
            department=FINANCE,
            frequency=UpdateFrequency.CONTINUOUS,
            table="assets_parcel",
            geometry="geom",
            geometry_type="MultiPolygon",
            columns=(
                ("parcel_code", "t.parcel_code"),
                ("deed_type", "t.deed_type"),
                ("map_sheet", "t.map_sheet"),
                ("area_sq_wah", "t.area_sq_wah"),
                ("price_per_sq_wah", "t.price_per_sq_wah"),
            ),
            internal_columns=(
                ("deed_number", "t.deed_number"),
                ("land_number", "t.land_number"),
                ("survey_page", "t.survey_page"),
                ("map_scale", "t.map_scale"),
            ),
            where="t.retired_on IS NULL",
            keywords=("ที่ดิน", "แผนที่ภาษี", "parcel"),
            custom_layer="parcels",
            zone_sql=IN_ZONES_BY_BLOCK,
        ),
        Source(
            key="buildings",
            title_th="สิ่งปลูกสร้าง",
            title_en="Buildings",
            description_th="สิ่งปลูกสร้างบนแปลงที่ดิน ประเภท โครงสร้าง จำนวนชั้น พื้นที่ใช้สอย และปีที่สร้าง",
            department=FINANCE,
            frequency=UpdateFrequency.CONTINUOUS,
            table="assets_building",
            geometry="footprint",
            geometry_type="Polygon",
            columns=(
                ("building_code", "t.building_code"),
                ("building_type", "t.building_type"),
                ("structure", "t.structure"),
                ("floors", "t.floors"),
                ("floor_area_m2", "t.floor_area_m2"),
                ("year_built", "t.year_built"),
            ),
            internal_columns=(("house_number", "t.house_number"), ("price_per_m2", "t.price_per_m2")),
            keywords=("อาคาร", "สิ่งปลูกสร้าง", "building"),
            custom_layer="buildings",
            zone_sql=IN_ZONES_BY_PARCEL,
        ),
        Source(
            key="signboards",
            title_th="ป้าย",
            title_en="Signboards",
            description_th="ป้ายตาม พ.ร.บ.ภาษีป้าย ตำแหน่ง ประเภท ขนาด และวันที่ติดตั้ง (ที่ยังไม่รื้อถอน)",
            department=FINANCE,
            frequency=UpdateFrequency.CONTINUOUS,
            table="assets_signboard",
            geometry="location",
            geometry_type="Point",
            columns=(
                ("signboard_code", "t.signboard_code"),
                ("sign_type", "t.sign_type"),
                ("width_cm", "t.width_cm"),
                ("height_cm", "t.height_cm"),
                ("faces", "t.faces"),
                ("moving", "t.moving"),
                ("installed_on", "t.installed_on"),
            ),
            internal_columns=(("business_name", "t.business_name"), ("text", "t.text")),
            where="t.removed_on IS NULL",
            keywords=("ป้าย", "signboard"),
            custom_layer="signboards",
            zone_sql=IN_ZONES_BY_PARCEL,
        ),
        *(_infrastructure(kind) for kind in InfrastructureKind),
        Source(
            key="rasters",
            title_th="ภาพแรสเตอร์",
            title_en="Rasters (orthophotos, elevation, flood maps)",
            description_th="ขอบเขตและรายละเอียดของภาพถ่ายทางอากาศ แบบจำลองระดับความสูง และแผนที่น้ำท่วมที่เทศบาลอัปโหลด",
            department=ENGINEERING,
            frequency=UpdateFrequency.IRREGULAR,
            table="rasters_raster",
            geometry="footprint",
            geometry_type="Polygon",
            columns=(
                ("name", "t.name"),
                ("kind", "t.kind"),
                ("crs", "t.crs"),
                ("pixel_size", "t.pixel_size"),
                ("width", "t.width"),
                ("height", "t.height"),
            ),
            where="t.status = 'ready'",
            keywords=("แรสเตอร์", "ภาพถ่ายทางอากาศ", "raster"),
        ),
        Source(
            key="assessments",
            title_th="สรุปผลการประเมินภาษีรายเขต",
            title_en="Tax assessments by zone",
            description_th=(
                "ภาษีที่ประเมิน ภาษีที่จัดเก็บได้ และภาษีค้างชำระ รายเขต ของการประเมินล่าสุด "
                "(ไม่มีรายแปลง ตัวเลขที่มาจากน้อยกว่า 5 แปลงไม่แสดง เช่น เขตที่มีน้อยกว่า 5 แปลง "
                "หรือภาษีค้างชำระเมื่อค้างชำระน้อยกว่า 5 แปลง)"
            ),
            department=FINANCE,
            frequency=UpdateFrequency.ANNUAL,
            table="taxes_assessment",
            geometry="geom",
            geometry_type="MultiPolygon",
            columns=(
                ("zone_code", "t.zone_code"),
                ("tax_year", "t.tax_year"),
                ("parcel_count", "t.parcel_count"),
                ("assessed_tax", "t.assessed_tax"),
                ("collected_tax", "t.collected_tax"),
                ("arrears", "t.arrears"),
            ),
            keywords=("ภาษีที่ดินและสิ่งปลูกสร้าง", "รายได้", "tax"),
            zone_summary=True,
            zone_sql="t.id = ANY(%(zones)s)",
            capability=Capability.VIEW_TAXES,  # tax figures: not an engineer's (issue 5's roles)
        ),
        Source(
            key="owners",
            title_th="เจ้าของทรัพย์สิน (ผู้เสียภาษี)",
            title_en="Property owners (taxpayers)",
            description_th="ชื่อ เลขประจำตัว และที่อยู่ของเจ้าของทรัพย์สิน: ข้อมูลส่วนบุคคล ไม่เปิดเผยและไม่ส่งออกทางแคตตาล็อก",
            department=FINANCE,
            frequency=UpdateFrequency.CONTINUOUS,
            table="assets_owner",
            geometry=None,
            geometry_type="",
            columns=(),
            classification=Classification.PERSONAL,
            keywords=("ผู้เสียภาษี",),
            personal=True,
        ),
    ]
}

# Which catalogue sources a change to a model touches (catalogue/signals.py).
MODEL_SOURCES = {
    "municipalities.Zone": ("zones",),
    "municipalities.Block": ("blocks",),
    "assets.Parcel": ("parcels",),
    "assets.Building": ("buildings",),
    "assets.Signboard": ("signboards",),
    "assets.Owner": ("owners",),
    "assets.InfrastructureAsset": tuple(k for k in SOURCES if k.startswith("infrastructure:")),
    "rasters.Raster": ("rasters",),
    "taxes.Assessment": ("assessments",),
    "taxes.Payment": ("assessments",),
    "taxes.AssessmentRun": ("assessments",),
}

UPLOAD = "upload"
