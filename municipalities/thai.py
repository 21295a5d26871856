"""Thai ways of writing dates, areas and money: Buddhist Era years, ไร่-งาน-ตารางวา, baht."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

BE_OFFSET = 543  # พ.ศ. = ค.ศ. + 543, exact for dates from 1 January 1941 (B.E. 2484)
SQ_WAH_PER_NGAN = 100
SQ_WAH_PER_RAI = 400

MONTHS_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
MONTHS_LONG = [
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
]  # fmt: skip


def be_year(year: int) -> int:
    return year + BE_OFFSET


def ce_year(be: int) -> int:
    return be - BE_OFFSET


def thai_date(value: datetime.date | datetime.datetime | None, *, long: bool = False) -> str:
    """21 พ.ย. 2569, or 21 พฤศจิกายน พ.ศ. 2569; datetimes add the local time (14:05 น.)."""
    if value is None:
        return ""
    time_part = ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        time_part = f" {value:%H:%M} น."
    if long:
        text = f"{value.day} {MONTHS_LONG[value.month - 1]} พ.ศ. {be_year(value.year)}"
    else:
        text = f"{value.day} {MONTHS_SHORT[value.month - 1]} {be_year(value.year)}"
    return text + time_part


def rai_ngan_wa(sq_wah: Decimal | int | None) -> tuple[int, int, Decimal] | None:
    """Split an area in square wah into (rai, ngan, square wah): 650.5 → (1, 2, 50.5)."""
    if sq_wah is None:
        return None
    total = Decimal(sq_wah)
    sign = -1 if total < 0 else 1
    total = abs(total)
    rai = int(total // SQ_WAH_PER_RAI)
    rest = total - rai * SQ_WAH_PER_RAI
    ngan = int(rest // SQ_WAH_PER_NGAN)
    wah = rest - ngan * SQ_WAH_PER_NGAN
    return sign * rai, sign * ngan, sign * wah


def format_rai_ngan_wa(sq_wah: Decimal | int | None, *, long: bool = False) -> str:
    """ "1-2-50.50" as on a land document, or "1 ไร่ 2 งาน 50.50 ตารางวา"."""
    parts = rai_ngan_wa(sq_wah)
    if parts is None:
        return ""
    rai, ngan, wah = parts
    wah_text = f"{wah.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}".rstrip("0").rstrip(".")
    if long:
        return f"{rai} ไร่ {ngan} งาน {wah_text} ตารางวา"
    return f"{rai}-{ngan}-{wah_text}"


def format_baht(amount: Decimal | int | None, *, unit: bool = False) -> str:
    """1234.5 → "1,234.50" (and "1,234.50 บาท" with unit). Formatting only: no rounding rule of law."""
    if amount is None:
        return ""
    text = f"{Decimal(amount).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    return f"{text} บาท" if unit else text
