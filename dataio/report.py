"""The validation report: what each kind of problem is called, whether it blocks the import, and its
message for one row, in Thai."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dataio.staging import MAX_REPAIR_POINTS

ERROR, WARNING = "error", "warning"
TOO_COMPLEX = "too_complex"

PROBLEM_KINDS = {
    "unparseable": (gettext_lazy("ค่าที่อ่านไม่ได้หรือไม่อยู่ในช่วงที่รับได้"), ERROR),
    "missing_required": (gettext_lazy("ขาดข้อมูลที่ต้องมี"), ERROR),
    "empty_geometry": (gettext_lazy("ไม่มีรูปเรขาคณิต"), ERROR),
    "wrong_geometry_type": (gettext_lazy("ชนิดรูปเรขาคณิตไม่ตรงกับชั้นข้อมูล"), ERROR),
    "invalid_geometry": (gettext_lazy("รูปเรขาคณิตไม่ถูกต้อง (ซ่อมได้ด้วย make_valid)"), ERROR),
    "repaired_geometry": (gettext_lazy("ซ่อมรูปเรขาคณิตด้วย make_valid"), WARNING),
    "outside_municipality": (gettext_lazy("อยู่นอกเขตเทศบาล"), ERROR),
    "outside_zones": (gettext_lazy("อยู่นอกเขตที่คุณได้รับมอบหมาย"), ERROR),
    "duplicate_in_file": (gettext_lazy("รหัสซ้ำกันในไฟล์"), ERROR),
    "duplicate_in_register": (gettext_lazy("รหัสซ้ำกับทะเบียน"), ERROR),
    "bad_code": (gettext_lazy("รหัสไม่ถูกรูปแบบ"), ERROR),
    "unknown_reference": (gettext_lazy("ไม่พบข้อมูลที่อ้างถึงในทะเบียน"), ERROR),
    "parts_total": (gettext_lazy("ผลรวมการใช้ประโยชน์ไม่เท่ากับพื้นที่ใหม่"), ERROR),
    "rule": (gettext_lazy("ขัดกับกฎของทะเบียน"), ERROR),
    "measured_area": (gettext_lazy("ไม่มีเนื้อที่ในไฟล์ ใช้เนื้อที่ที่วัดจากรูปแปลง"), WARNING),
}


def severity(kind: str) -> str:
    return PROBLEM_KINDS[kind][1]


def message(kind: str, column_label: str | None, detail: str | None) -> str:
    """One row's problem in a sentence."""
    if kind == "invalid_geometry" and column_label == TOO_COMPLEX:
        return _("รูปเรขาคณิตไม่ถูกต้อง: %(reason)s (มีจุดเกิน %(limit)s จุด ซ่อมอัตโนมัติไม่ได้ โปรดแก้ในโปรแกรม GIS)") % {
            "reason": detail,
            "limit": f"{MAX_REPAIR_POINTS:,}",
        }
    if kind == "invalid_geometry":
        return _("รูปเรขาคณิตไม่ถูกต้อง: %(reason)s") % {"reason": detail}
    if kind == "repaired_geometry":
        return _("ซ่อมรูปเรขาคณิตแล้ว (เดิม: %(reason)s)") % {"reason": detail}
    if kind == "wrong_geometry_type":
        return _("ชนิดรูปเรขาคณิต %(found)s ใช้กับชั้นข้อมูลนี้ไม่ได้") % {"found": detail}
    if kind == "empty_geometry":
        return _("ไม่มีรูปเรขาคณิต (geometry ว่าง)")
    if kind == "outside_municipality":
        return _("รูปเรขาคณิตอยู่นอกเขตเทศบาล (หรือคร่อมแนวเขต)")
    if kind == "outside_zones":
        return _("%(code)s อยู่นอกเขตที่คุณได้รับมอบหมาย (ก่อนหรือหลังนำเข้า) จึงแก้ไขไม่ได้") % {"code": detail}
    if kind == "missing_required":
        return _("ไม่มี%(label)s") % {"label": column_label}
    if kind == "duplicate_in_file":
        return _("รหัสนี้มี %(count)s แถวในไฟล์") % {"count": detail}
    if kind == "duplicate_in_register":
        return _("รหัส %(code)s มีอยู่แล้วในทะเบียน (หรือเป็นแปลงที่สิ้นสภาพแล้ว)") % {"code": detail}
    if kind == "bad_code":
        return _("รหัส %(code)s ไม่ถูกรูปแบบ") % {"code": detail}
    if kind == "unknown_reference":
        return _("ไม่พบ%(label)s %(value)s ในทะเบียน") % {"label": column_label, "value": detail or ""}
    if kind == "parts_total":
        return _("%(label)s ใหม่ (%(value)s) ไม่เท่ากับผลรวมการใช้ประโยชน์ที่บันทึกไว้") % {
            "label": column_label,
            "value": detail,
        }
    if kind == "measured_area":
        return _("ใช้เนื้อที่ %(value)s ตารางวา ที่วัดจากรูปแปลง") % {"value": detail}
    if kind == "rule" and column_label and detail:
        return _("%(label)s ไม่สอดคล้องกับ %(value)s") % {"label": column_label, "value": detail}
    return detail or str(PROBLEM_KINDS[kind][0])
