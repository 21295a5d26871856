"""The four register layers as files see them: which columns, under which names, with which rules.

A column's type, choices, length and range come from the model field it fills, so the import checks
what the register itself would refuse; the names it is recognised by include the LTAX GIS export
fields (`zone`, `block`, `lot`, `parcel_code`, `survey`, `land_no`, `Mapsheet`, `land_type`, `Scale`),
the short names our shapefiles use (≤ 10 characters) and the Thai headers our spreadsheets carry.
"""

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assets.choices import AREA, LINE, POINT, DeedType
from assets.models import Building, InfrastructureAsset, Parcel, Signboard
from assets.validators import BUILDING_CODE_RE, PARCEL_CODE_RE, SIGNBOARD_CODE_RE

TEXT, INTEGER, DECIMAL, DATE, BOOLEAN, CHOICE, JSON = "text", "integer", "decimal", "date", "boolean", "choice", "json"


@dataclass(frozen=True)
class Column:
    """One attribute of a layer: the model field it fills and the names files give it."""

    name: str  # the model field (and our export name in GeoPackage, GeoJSON, CSV)
    short: str  # the shapefile name (DBF names are at most 10 characters)
    aliases: tuple[str, ...] = ()
    required: bool = False
    default: str | None = None  # the value a new record gets when the file has no such column
    personal: bool = False  # owners' names, IDs and addresses (PDPA): exported only on request
    export_only: bool = False  # written by exports, ignored by imports
    # A municipality's own field (catalogue.CustomField), stored in the record's `custom` JSON:
    # its type, label, choices and limits come from its definition instead of a model field.
    custom: bool = False
    kind: str = ""
    label: str = ""
    choice_labels: tuple[tuple[str, str], ...] = ()
    bounds: tuple[object, object, int | None] = (None, None, None)


@dataclass(frozen=True)
class Layer:
    key: str
    label: str
    model: type[models.Model]
    code: str  # the column that identifies a record within the municipality
    geometry: str  # the geometry field
    geometry_types: tuple[str, ...]
    columns: tuple[Column, ...]
    code_pattern: str = ""
    mixed_geometry: bool = False  # infrastructure mixes lines and points by kind
    extra_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # helper inputs (zone, lot, rai…)

    def field(self, name: str):
        return self.model._meta.get_field(name)

    @cached_property
    def importable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.export_only)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def _is_model_field(self, column: Column) -> bool:
        return (
            not column.custom
            and not column.export_only
            and column.name not in ("owner_national_id",)
            and not (column.name == "parcel_code" and self.code != "parcel_code")
        )

    def kind_of(self, column: Column) -> str:
        """The value type of a column, read from its model field."""
        if column.custom:
            return column.kind
        if not self._is_model_field(column):
            return TEXT
        model_field = self.field(column.name)
        if model_field.choices:
            return CHOICE
        if isinstance(model_field, models.ForeignKey):
            return TEXT
        if isinstance(model_field, models.JSONField):
            return JSON
        if isinstance(model_field, models.BooleanField):
            return BOOLEAN
        if isinstance(model_field, models.DateField):
            return DATE
        if isinstance(model_field, models.DecimalField):
            return DECIMAL
        if isinstance(model_field, models.IntegerField):
            return INTEGER
        return TEXT

    def limits(self, column: Column) -> tuple[object | None, object | None, int | None]:
        """(minimum, maximum, max_length) declared on the model field."""
        if column.custom:
            return column.bounds
        if not self._is_model_field(column):
            return None, None, None
        model_field = self.field(column.name)
        low = high = None
        for validator in model_field.validators:
            if isinstance(validator, MinValueValidator):
                low = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                high = validator.limit_value
        length = next(
            (v.limit_value for v in model_field.validators if isinstance(v, MaxLengthValidator)),
            getattr(model_field, "max_length", None),
        )
        return low, high, length

    def choices(self, column: Column) -> dict[str, str]:
        """Accepted spellings of a choice (its value, its label, the label's number) → the value."""
        accepted = {}
        pairs = column.choice_labels if column.custom else self.field(column.name).choices
        for value, label in pairs:
            words = str(label).split(" ")
            number = next(
                (w for w in words if w.replace("/", "").isdigit()), None
            )  # "ประเภท 2 …" → 2, "100 บ้านเดี่ยว" → 100
            rest = " ".join(words[1:]) if words[0] == number else None  # "บ้านเดี่ยว" of "100 บ้านเดี่ยว"
            for spelling in (value, str(label), words[0], number, rest):
                if spelling:
                    accepted[normalise_label(spelling)] = value
        if column.name == "deed_type":
            accepted.update({normalise_label(k): v for k, v in DEED_TYPE_SPELLINGS.items()})
        return accepted

    def label_of(self, column: Column) -> str:
        """The Thai header of a column (the model field's verbose name)."""
        if column.custom:
            return column.label
        if column.name == "parcel_code" and self.key != "parcels":
            return str(_("รหัสแปลงที่ดิน"))
        if column.personal:
            return str(PERSONAL_LABELS[column.name])
        return str(self.field(column.name).verbose_name)


def normalise_label(text: str) -> str:
    """ "ส.ป.ก. 4-01" and "สปก 4-01" compare equal: no spaces, dots, dashes or case."""
    return "".join(ch for ch in str(text).casefold() if ch not in " .-_()/")


# Spellings found in LTAX GIS exports (`land_type`) and in municipal spreadsheets.
DEED_TYPE_SPELLINGS = {
    "โฉนด": DeedType.TITLE_DEED,
    "นส3ก": DeedType.NS3K,
    "นส3": DeedType.NS3,
    "นส3ข": DeedType.NS3KH,
    "นส2": DeedType.NS2,
    "สค1": DeedType.SK1,
    "สปก": DeedType.SPK401,
    "สปก401": DeedType.SPK401,
    "นค3": DeedType.NK3,
    "กสน5": DeedType.KSN5,
    "ภบท5": DeedType.PBT5,
}

# The helper columns of `Layer.extra_names` as the column-mapping page names them.
HELPER_LABELS = {
    "zone": _("เขต (ใช้ประกอบรหัสแปลงเมื่อไฟล์ไม่มีรหัสแปลง)"),
    "block": _("เขตย่อย (ใช้ประกอบรหัสแปลงเมื่อไฟล์ไม่มีรหัสแปลง)"),
    "lot": _("ลำดับแปลง (ใช้ประกอบรหัสแปลงเมื่อไฟล์ไม่มีรหัสแปลง)"),
    "rai": _("เนื้อที่: ไร่ (เมื่อไฟล์ไม่มีเนื้อที่เป็นตารางวา)"),
    "ngan": _("เนื้อที่: งาน (เมื่อไฟล์ไม่มีเนื้อที่เป็นตารางวา)"),
    "wah": _("เนื้อที่: ตารางวา (เมื่อไฟล์ไม่มีเนื้อที่เป็นตารางวา)"),
}

PERSONAL_LABELS = {
    "owner_names": _("ชื่อเจ้าของ"),
    "owner_ids": _("เลขประจำตัวผู้เสียภาษีของเจ้าของ"),
    "owner_addresses": _("ที่อยู่เจ้าของ"),
    "owner_national_id": _("เลขประจำตัวผู้เสียภาษีของเจ้าของ"),
}

OWNER_COLUMNS = (
    Column("owner_names", "own_names", personal=True, export_only=True),
    Column("owner_ids", "own_ids", personal=True, export_only=True),
    Column("owner_addresses", "own_addr", personal=True, export_only=True),
)


def _sql_pattern(regex) -> str:
    """A Python pattern of assets/validators.py as a PostgreSQL regular expression (no group names)."""
    return re.sub(r"\(\?P<\w+>", "(", regex.pattern)


PARCELS = Layer(
    key="parcels",
    label=_("แปลงที่ดิน"),
    model=Parcel,
    code="parcel_code",
    geometry="geom",
    geometry_types=AREA,
    code_pattern=_sql_pattern(PARCEL_CODE_RE),
    columns=(
        Column("parcel_code", "parcelcode", ("parcel_cod", "parcelcode", "parcel"), required=True),
        Column("deed_type", "deed_type", ("land_type", "doctype", "deedtype"), default=""),
        Column("deed_number", "deed_no", ("deed_no", "docno", "chanode_no", "deedno"), default=""),
        Column("land_number", "land_no", ("land_no", "landno", "parcelno"), default=""),
        Column("survey_page", "survey", ("survey", "survey_no", "surveyno"), default=""),
        Column("map_sheet", "mapsheet", ("mapsheet", "utm", "sheet"), default=""),
        Column("map_scale", "scale", ("scale",)),
        Column("area_sq_wah", "area_sqwah", ("area_sqwah", "area_sq_wa", "area_wah", "sq_wah"), required=True),
        Column("price_per_sq_wah", "price_sqwa", ("price_sqwa", "price_wah", "price")),
        *OWNER_COLUMNS,
    ),
    extra_names={
        "zone": ("zone", "เขต"),
        "block": ("block", "เขตย่อย"),
        "lot": ("lot", "ลำดับแปลง", "เลขแปลง"),
        "rai": ("rai", "ไร่"),
        "ngan": ("ngan", "งาน"),
        "wah": ("wah", "wa", "ตารางวา"),
    },
)

BUILDINGS = Layer(
    key="buildings",
    label=_("สิ่งปลูกสร้าง"),
    model=Building,
    code="building_code",
    geometry="footprint",
    geometry_types=("Polygon",),
    code_pattern=_sql_pattern(BUILDING_CODE_RE),
    columns=(
        Column("building_code", "bldg_code", ("bldg_code", "buildingcode", "building"), required=True),
        Column("parcel_code", "parcelcode", ("parcel_cod", "parcelcode")),
        Column("house_number", "house_no", ("house_no", "houseno", "address_no"), default=""),
        Column("building_type", "bldg_type", ("bldg_type", "buildingtype", "type"), required=True),
        Column("structure", "structure", ("struct",), required=True),
        Column("floors", "floors", ("floor", "storeys"), required=True),
        Column("floor_area_m2", "area_m2", ("area_m2", "floor_area", "area"), required=True),
        Column("year_built", "year_built", ("year", "built"), required=True),
        Column("price_per_m2", "price_m2", ("price_m2",)),
        *OWNER_COLUMNS,
    ),
)

SIGNBOARDS = Layer(
    key="signboards",
    label=_("ป้าย"),
    model=Signboard,
    code="signboard_code",
    geometry="location",
    geometry_types=POINT,
    code_pattern=_sql_pattern(SIGNBOARD_CODE_RE),
    columns=(
        Column("signboard_code", "sign_code", ("sign_code", "signcode", "signboard"), required=True),
        Column("parcel_code", "parcelcode", ("parcel_cod", "parcelcode")),
        Column("business_name", "business", ("business",), default=""),
        Column("text", "text", ("sign_text", "message"), default=""),
        Column("width_cm", "width_cm", ("width",), required=True),
        Column("height_cm", "height_cm", ("height", "length_cm"), required=True),
        Column("faces", "faces", ("sides",), default="1"),
        Column("sign_type", "sign_type", ("signtype",), required=True),
        Column("moving", "moving", (), default="false"),
        Column("installed_on", "installed", ("installed", "install_date"), required=True),
        Column("removed_on", "removed", ("removed",)),
        Column("owner_national_id", "owner_id", ("owner_id",), personal=True),
        Column("owner_names", "own_names", personal=True, export_only=True),
        Column("owner_addresses", "own_addr", personal=True, export_only=True),
    ),
)

INFRASTRUCTURE = Layer(
    key="infrastructure",
    label=_("โครงสร้างพื้นฐาน"),
    model=InfrastructureAsset,
    code="asset_code",
    geometry="geom",
    geometry_types=POINT + LINE + AREA,
    mixed_geometry=True,
    columns=(
        Column("asset_code", "asset_code", ("assetcode", "code"), required=True),
        Column("kind", "kind", ("asset_kind",), required=True),
        Column("name", "name", ("location",), default=""),
        Column("material", "material", (), default=""),
        Column("installed_on", "installed", ("installed",)),
        Column("condition", "condition", ()),
        Column("replacement_cost", "repl_cost", ("repl_cost", "cost"), default="0"),
        Column(
            "useful_life_years",
            "life_years",
            ("life_years", "useful_life"),
        ),
        Column("attributes", "attributes", ("attrs",), default="{}"),
    ),
)

LAYERS = {layer.key: layer for layer in (PARCELS, BUILDINGS, SIGNBOARDS, INFRASTRUCTURE)}


CUSTOM_CASTS = {INTEGER: "bigint", DECIMAL: "numeric", DATE: "date"}


def custom_sql(key: str, kind: str, alias: str = "t") -> str:
    """A custom field's value in `<alias>.custom` as typed SQL (NULL when absent); keys are [a-z0-9_]."""
    if kind == BOOLEAN:
        return f"({alias}.custom -> '{key}')::boolean"
    cast = CUSTOM_CASTS.get(kind)
    return f"({alias}.custom ->> '{key}')" + (f"::{cast}" if cast else "")


def layer_for(municipality_id: int, key: str) -> Layer:
    """A layer as one municipality's files see it: the register's columns and its custom fields."""
    from catalogue.customfields import dataio_columns

    extra = dataio_columns(municipality_id, key)
    return replace(LAYERS[key], columns=LAYERS[key].columns + extra) if extra else LAYERS[key]


def layer_choices():
    return [(key, layer.label) for key, layer in LAYERS.items()]
