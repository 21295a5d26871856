"""Custom fields: one definition (catalogue.CustomField) drives validation, forms, API, exports, imports
and the record view, so a municipality adds an attribute without a code change or a migration.

Values live in the register layer's `custom` JSON column (assets/models/custom.py) in JSON's own
types: text, integer and decimal numbers, booleans, dates as "YYYY-MM-DD", and a choice's value.

For maps and record panels (issue 7 and others), `record_values(record, layer)` gives the labelled,
formatted values of one record, and `sql_select(field, alias)` the typed SQL expression of one field
for vector tiles or any query: both need nothing but the layer key, not coordinates or tile code.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalogue.choices import FieldType
from dataio.layers import Column, custom_sql
from municipalities.thai import thai_date

MODEL_LAYERS = {
    "Parcel": "parcels",
    "Building": "buildings",
    "Signboard": "signboards",
    "InfrastructureAsset": "infrastructure",
}


def layer_of(record) -> str:
    return MODEL_LAYERS[type(record).__name__]


def fields_for(municipality_id: int, layer: str) -> list:
    """The municipality's field definitions of a layer, in their order (read with an explicit filter,
    so that imports, exports and model validation work in any scope)."""
    from catalogue.models import CustomField

    return list(CustomField._base_manager.filter(municipality_id=municipality_id, layer=layer).order_by("order", "key"))


def choice_values(field) -> dict[str, str]:
    """value → label of a choice field (`choices` holds [value, label] pairs or plain strings)."""
    out = {}
    for item in field.choices or []:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            out[str(item[0])] = str(item[1])
        else:
            out[str(item)] = str(item)
    return out


def clean_value(field, value):
    """The JSON value stored for `value` (from a form, the API or a file), or ValidationError in Thai."""
    if value is None or value == "":
        if field.required:
            raise ValidationError(_("%(label)s: ต้องกรอก") % {"label": field.label})
        return None
    kind = field.field_type
    try:
        if kind == FieldType.TEXT:
            text = str(value).strip()
            if field.max_length and len(text) > field.max_length:
                raise ValidationError(
                    _("%(label)s: ยาวเกิน %(n)s ตัวอักษร") % {"label": field.label, "n": field.max_length}
                )
            return text
        if kind == FieldType.BOOLEAN:
            if isinstance(value, bool):
                return value
            raise ValueError
        if kind in (FieldType.INTEGER, FieldType.DECIMAL):
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value))
            if not number.is_finite():
                raise ValueError
            if kind == FieldType.INTEGER and number != number.to_integral_value():
                raise ValueError
            if field.minimum is not None and number < field.minimum:
                raise ValidationError(
                    _("%(label)s: ต้องไม่น้อยกว่า %(n)s") % {"label": field.label, "n": _plain(field.minimum)}
                )
            if field.maximum is not None and number > field.maximum:
                raise ValidationError(
                    _("%(label)s: ต้องไม่เกิน %(n)s") % {"label": field.label, "n": _plain(field.maximum)}
                )
            return int(number) if kind == FieldType.INTEGER else float(number)
        if kind == FieldType.DATE:
            if isinstance(value, datetime.datetime):
                value = value.date()
            if isinstance(value, datetime.date):
                return value.isoformat()
            return datetime.date.fromisoformat(str(value)).isoformat()
        if kind == FieldType.CHOICE:
            if str(value) in choice_values(field):
                return str(value)
            raise ValidationError(
                _("%(label)s: ไม่มีตัวเลือก “%(value)s” (มี: %(known)s)")
                % {"label": field.label, "value": value, "known": ", ".join(choice_values(field))}
            )
    except (ValueError, TypeError, InvalidOperation):
        raise ValidationError(
            _("%(label)s: ต้องเป็น%(type)s") % {"label": field.label, "type": FieldType(kind).label}
        ) from None
    raise ValidationError(_("ไม่รู้จักชนิดข้อมูล %(type)s") % {"type": kind})


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def clean_values(fields, values) -> tuple[dict, list[str]]:
    """(stored values without empties, messages) for a whole record's values."""
    if not isinstance(values, dict):
        return {}, [_("ข้อมูลที่กำหนดเองต้องเป็นชุดชื่อและค่า")]
    known = {f.key: f for f in fields}
    messages = [
        _("ไม่รู้จักฟิลด์ %(key)s (ที่มี: %(known)s)") % {"key": key, "known": ", ".join(known) or "-"}
        for key in values
        if key not in known
    ]
    cleaned = {}
    for field in fields:
        try:
            value = clean_value(field, values.get(field.key))
        except ValidationError as error:
            messages.extend(error.messages)
            continue
        if value is not None:
            cleaned[field.key] = value
    return cleaned, messages


def check_record(record, layer: str) -> list[str]:
    """Messages for a record's values that break its municipality's definitions (model validation);
    when there are none, the values are put in their stored form (trimmed text, ISO dates)."""
    fields = fields_for(record.municipality_id, layer)
    if not fields and not record.custom:
        record.custom = {}
        return []
    cleaned, messages = clean_values(fields, record.custom or {})
    if not messages:
        record.custom = cleaned
    return messages


# Forms -----------------------------------------------------------------------------------------------


def form_field(field) -> forms.Field:
    common = {"label": field.label, "required": field.required, "help_text": field.help_text}
    kind = field.field_type
    if kind == FieldType.TEXT:
        return forms.CharField(max_length=field.max_length, **common)
    if kind == FieldType.INTEGER:
        return forms.IntegerField(min_value=field.minimum, max_value=field.maximum, **common)
    if kind == FieldType.DECIMAL:
        return forms.DecimalField(min_value=field.minimum, max_value=field.maximum, **common)
    if kind == FieldType.BOOLEAN:
        # Three states: yes, no, not known (a required flag must be answered).
        return forms.NullBooleanField(widget=forms.NullBooleanSelect, **common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.ChoiceField(choices=[("", "---------"), *choice_values(field).items()], **common)


def form_name(field) -> str:
    return f"custom__{field.key}"


def add_form_fields(form, fields, values: dict) -> None:
    """Add one form field per definition to `form`, filled with the record's values."""
    for field in fields:
        formfield = form_field(field)
        value = (values or {}).get(field.key)
        if value is not None and field.field_type == FieldType.DATE:
            value = datetime.date.fromisoformat(value)
        formfield.initial = value
        form.fields[form_name(field)] = formfield


def values_from_form(form, fields) -> tuple[dict, dict[str, list[str]]]:
    """The record's values from a bound, valid form, and errors keyed by form field name."""
    values, errors = {}, {}
    for field in fields:
        try:
            value = clean_value(field, form.cleaned_data.get(form_name(field)))
        except ValidationError as error:
            errors[form_name(field)] = error.messages
            continue
        if value is not None:
            values[field.key] = value
    return values, errors


class CustomFieldsAdminMixin:
    """The municipality's custom fields of the layer in the admin's add and change forms (fields marked
    personal only for roles that may see personal data); the raw `custom` JSON is never edited."""

    custom_layer = ""

    def _custom_fields(self, request) -> list:
        from municipalities.permissions import Capability, can

        if request.municipality is None:
            return []
        personal = can(request, Capability.VIEW_PERSONAL_DATA)
        return [f for f in fields_for(request.municipality.pk, self.custom_layer) if personal or not f.personal]

    def get_form(self, request, obj=None, **kwargs):
        fields = self._custom_fields(request)
        names = {form_name(f) for f in fields}
        if kwargs.get("fields") is not None:
            kwargs["fields"] = [n for n in kwargs["fields"] if n not in names and n != "custom"]
        kwargs["exclude"] = [*(kwargs.get("exclude") or self.get_exclude(request, obj) or []), "custom"]
        base = super().get_form(request, obj, **kwargs)

        class WithCustomFields(base):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                add_form_fields(self, fields, self.instance.custom)

            def clean(self):
                cleaned = super().clean()
                values, errors = values_from_form(self, fields)
                for name, messages in errors.items():
                    for message in messages:
                        self.add_error(name, message)
                shown = {f.key for f in fields}
                kept = {k: v for k, v in (self.instance.custom or {}).items() if k not in shown}
                self.instance.custom = {**kept, **values}
                return cleaned

        # A ModelForm subclass rebuilds its fields from the model: keep the base's (the municipality pinned).
        WithCustomFields.base_fields = base.base_fields
        return WithCustomFields

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = [form_name(f) for f in self._custom_fields(request)]
        if names:
            fieldsets.append((_("ข้อมูลที่เทศบาลกำหนดเอง"), {"fields": names}))
        return fieldsets


# Display and SQL -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownValue:
    key: str
    label: str
    value: object  # the stored JSON value
    text: str  # as a person reads it (Thai dates in B.E., ใช่/ไม่ใช่, a choice's label)


def display(field, value) -> str:
    if value is None:
        return "-"
    kind = field.field_type
    if kind == FieldType.BOOLEAN:
        return _("ใช่") if value else _("ไม่ใช่")
    if kind == FieldType.DATE:
        return thai_date(datetime.date.fromisoformat(value))
    if kind == FieldType.CHOICE:
        return choice_values(field).get(str(value), str(value))
    if kind in (FieldType.INTEGER, FieldType.DECIMAL):
        return f"{value:,}" if kind == FieldType.INTEGER else f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def record_values(record, layer: str | None = None, *, personal: bool = True) -> list[ShownValue]:
    """A record's custom values in definition order, for a record page or a map's side panel.
    Fields marked personal are left out unless `personal` (the viewer may see personal data)."""
    fields = fields_for(record.municipality_id, layer or layer_of(record))
    values = record.custom or {}
    return [
        ShownValue(f.key, f.label, values.get(f.key), display(f, values.get(f.key)))
        for f in fields
        if personal or not f.personal
    ]


def sql_select(field, alias: str = "t") -> str:
    """The field's value from `<alias>.custom` as a typed SQL expression (NULL when absent)."""
    return custom_sql(field.key, field.field_type, alias)


def dataio_columns(municipality_id: int, layer: str) -> tuple:
    """The municipality's fields of a layer as dataio columns: imported, validated and exported like
    the register's own (a file's column is recognised by the key or either label)."""

    return tuple(
        Column(
            f.key,
            f.key[:10],
            tuple(a for a in (f.label_th, f.label_en) if a),
            required=f.required,
            personal=f.personal,
            custom=True,
            kind=f.field_type,
            label=f.label_th,
            choice_labels=tuple(choice_values(f).items()),
            bounds=(f.minimum, f.maximum, f.max_length),
        )
        for f in fields_for(municipality_id, layer)
    )
