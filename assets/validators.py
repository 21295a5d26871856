"""Validators for Thai identifiers and LTAX codes, with messages that name what is wrong."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.th import moa, pin

PARCEL_CODE_RE = re.compile(r"^(?P<zone>\d{2})(?P<letters>[A-Z]{1,2})(?P<lot>\d{3})(?:/(?P<sub>\d{3}))?$")
BUILDING_CODE_RE = re.compile(r"^(?P<parcel>.+)-B(?P<number>\d{3})$")
SIGNBOARD_CODE_RE = re.compile(r"^(?P<parcel>.+)-P(?P<number>\d{3})$")
# The block a parcel code names (03I002/001 → 03I), as a PostgreSQL pattern for `substring(code from …)`.
BLOCK_OF_PARCEL_CODE_SQL = "'^([0-9]{2}[A-Z]{1,2})'"


@dataclass(frozen=True)
class ParcelCode:
    """A tax-map parcel code: zone 03, block 03I, lot 002 and an optional sub-parcel (03I002/001)."""

    zone: str
    block: str
    lot: str
    sub: str | None

    @classmethod
    def parse(cls, code: str) -> "ParcelCode":
        match = PARCEL_CODE_RE.match(code or "")
        if not match:
            raise ValidationError(
                _(
                    "รหัสแปลง %(code)s ไม่ถูกรูปแบบ: ต้องเป็นเขต 2 หลัก ตัวอักษรเขตย่อย และเลขแปลง 3 หลัก "
                    "เช่น 03I002 หรือ 19M002/002"
                ),
                code="invalid_parcel_code",
                params={"code": code},
            )
        return cls(zone=match["zone"], block=match["zone"] + match["letters"], lot=match["lot"], sub=match["sub"])


def validate_parcel_code(value: str) -> None:
    ParcelCode.parse(value)


def validate_national_id(value: str) -> None:
    """A personal 13-digit ID (เลขประจำตัวประชาชน): weights 13…2, check = (11 − s mod 11) mod 10."""
    _validate_13_digits(value, pin, _("เลขประจำตัวประชาชน"))


def validate_juristic_id(value: str) -> None:
    """A juristic person's 13-digit registration number, starting with 0, same check digit."""
    _validate_13_digits(value, moa, _("เลขทะเบียนนิติบุคคล"))


def _validate_13_digits(value: str, module, label: str) -> None:
    try:
        module.validate(value)
    except InvalidChecksum:
        raise ValidationError(
            _("%(label)s %(value)s มีเลขตรวจสอบ (หลักที่ 13) ไม่ถูกต้อง"),
            code="invalid_checksum",
            params={"label": label, "value": value},
        ) from None
    except (InvalidLength, InvalidFormat):
        raise ValidationError(
            _("%(label)s ต้องเป็นตัวเลข 13 หลัก"), code="invalid_length", params={"label": label}
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("%(label)s %(value)s ขึ้นต้นด้วยหลักที่ไม่ใช้สำหรับประเภทนี้"),
            code="invalid_component",
            params={"label": label, "value": value},
        ) from None


# Fields holding national IDs: shown masked in histories and lists, even to roles that may see them.
MASKED_FIELDS = frozenset({"national_id"})


def mask_national_id(value: str) -> str:
    """Show only the first and last digits (PDPA): 1-xxxx-xxxxx-xx-3."""
    if not value or len(value) != 13:
        return "x-xxxx-xxxxx-xx-x"
    return f"{value[0]}-xxxx-xxxxx-xx-{value[-1]}"


def format_national_id(value: str) -> str:
    """The usual grouping 1-2345-67890-12-3."""
    if not value or len(value) != 13:
        return value or ""
    return f"{value[0]}-{value[1:5]}-{value[5:10]}-{value[10:12]}-{value[12]}"
