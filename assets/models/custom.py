"""The `custom` column of the register layers: attributes a municipality defines itself (catalogue app).

Values are a JSON object keyed by the field's key (`{"flood_prone": true}`), validated against the
municipality's `catalogue.CustomField` definitions whenever a record is cleaned. A partial GIN index
(jsonb_path_ops, only rows that have a value) serves `custom @> '{"flood_prone": true}'` filters
without costing anything to the million rows of a municipality that defines no field.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


def custom_values_field():
    # The database default keeps COPY and INSERT … SELECT writers (dataio, fixtures/bulk.py) working
    # without naming the column.
    return models.JSONField(
        _("ข้อมูลที่เทศบาลกำหนดเอง"),
        default=dict,
        db_default=models.Value({}, output_field=models.JSONField()),
        blank=True,
        help_text=_("ค่าของฟิลด์ที่เทศบาลเพิ่มเอง ตรวจสอบตามนิยามฟิลด์ในแคตตาล็อก"),
    )


def custom_values_index(name: str) -> GinIndex:
    return GinIndex(fields=["custom"], name=name, opclasses=["jsonb_path_ops"], condition=~models.Q(custom={}))


def custom_value_errors(instance, layer: str) -> dict:
    """{"custom": [messages]} when the record's values break its municipality's field definitions."""
    from catalogue.customfields import check_record

    if not instance.municipality_id:
        return {}
    problems = check_record(instance, layer)
    return {"custom": problems} if problems else {}
