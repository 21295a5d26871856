"""Reading complaint exports in the shape Traffy Fondue produces (CSV or JSON).

Traffy Fondue's public exports carry one ticket a row: `ticket_id`, `type` (a set such as
`{ถนน,ทางเท้า}`), `comment`, `photo` (a URL), `coords` ("lon,lat"), `state` (Thai, or the API's
start/inprogress/finish…), `timestamp` and `last_activity`. JSON exports are a list of the same
objects, or an object whose `results` or `data` holds that list; `coords` may then be [lon, lat].
Parsing is pure: it returns rows and, for every bad row, its number and a Thai message.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from works.choices import ComplaintCategory, ComplaintState

C = ComplaintCategory
TYPE_CATEGORIES = {
    "แสงสว่าง": C.STREETLIGHT,
    "ไฟฟ้า": C.STREETLIGHT,
    "ไฟฟ้าส่องสว่าง": C.STREETLIGHT,
    "ถนน": C.ROAD,
    "ทางเท้า": C.ROAD,
    "ท่อระบายน้ำ": C.DRAIN,
    "น้ำท่วม": C.FLOODING,
    "สะพาน": C.BRIDGE,
    "ประปา": C.WATER_PIPE,
    "น้ำประปา": C.WATER_PIPE,
    "กล้องวงจรปิด": C.CCTV,
}
STATES = {
    "รอรับเรื่อง": ComplaintState.NEW,
    "start": ComplaintState.NEW,
    "กำลังดำเนินการ": ComplaintState.IN_PROGRESS,
    "inprogress": ComplaintState.IN_PROGRESS,
    "ส่งต่อ": ComplaintState.IN_PROGRESS,
    "forward": ComplaintState.IN_PROGRESS,
    "เสร็จสิ้น": ComplaintState.DONE,
    "finish": ComplaintState.DONE,
    "ไม่เกี่ยวข้อง": ComplaintState.REJECTED,
    "irrelevant": ComplaintState.REJECTED,
}
REQUIRED = ("ticket_id", "coords", "timestamp")


@dataclass(frozen=True)
class TraffyRow:
    line: int
    ticket_id: str
    source_type: str
    category: str
    description: str
    lon: float
    lat: float
    photo_url: str
    state: str
    reported_at: datetime.datetime
    updated_at: datetime.datetime | None


class TraffyFormatError(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, or no ticket columns)."""


def read_export(content: bytes, filename: str) -> list[dict]:
    """The records of a CSV or JSON export, by file name (.json) or by content."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TraffyFormatError(_("อ่านไฟล์ไม่ได้: ต้องเป็นข้อความ UTF-8 (CSV หรือ JSON)")) from None
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped[:1] in ("[", "{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise TraffyFormatError(_("ไฟล์ JSON ไม่ถูกต้อง (บรรทัด %(line)s)") % {"line": error.lineno}) from None
        if isinstance(data, dict):
            data = data.get("results", data.get("data"))
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise TraffyFormatError(_("ไฟล์ JSON ต้องเป็นรายการเรื่องร้องเรียน"))
        return data
    records = list(csv.DictReader(io.StringIO(text)))
    if not records:
        raise TraffyFormatError(_("ไม่มีเรื่องร้องเรียนในไฟล์"))
    missing = [c for c in REQUIRED if c not in records[0]]
    if missing:
        raise TraffyFormatError(
            _("ไฟล์ไม่มีคอลัมน์ %(columns)s ตามรูปแบบของ Traffy Fondue") % {"columns": ", ".join(missing)}
        )
    return records


def parse_types(value) -> list[str]:
    """'{ถนน,ทางเท้า}' or ['ถนน'] or 'ถนน' → ['ถนน', 'ทางเท้า']."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "").strip().strip("{}")
    return [part.strip().strip('"') for part in text.split(",") if part.strip().strip('"')]


def category_of(types: list[str]) -> str:
    return next((TYPE_CATEGORIES[t] for t in types if t in TYPE_CATEGORIES), C.OTHER)


def parse_time(value) -> datetime.datetime | None:
    """'2022-06-04 10:55:14.26+00' (PostgreSQL text, as Traffy exports it) or ISO 8601; naive means UTC."""
    text = str(value or "").strip()
    if not text:
        return None
    if text[-3:-2] in "+-" and text[-2:].isdigit():
        text += ":00"
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def parse_coords(value) -> tuple[float, float]:
    parts = value if isinstance(value, list | tuple) else str(value or "").split(",")
    lon, lat = (float(p) for p in parts)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(value)
    return lon, lat


def parse_rows(records: list[dict]) -> tuple[list[TraffyRow], list[str]]:
    rows, errors = [], []
    for line, record in enumerate(records, start=2):  # line 1 is the CSV header
        ticket = str(record.get("ticket_id") or "").strip()
        label = _("แถวที่ %(line)s (%(ticket)s)") % {"line": line, "ticket": ticket or "-"}
        if not ticket:
            errors.append(_("%(row)s: ไม่มีเลขที่เรื่อง (ticket_id)") % {"row": label})
            continue
        try:
            lon, lat = parse_coords(record.get("coords"))
        except (TypeError, ValueError):
            errors.append(_("%(row)s: พิกัดไม่ถูกต้อง ต้องเป็น ลองจิจูด,ละติจูด เช่น 100.5231,13.7467") % {"row": label})
            continue
        try:
            reported_at = parse_time(record.get("timestamp"))
            updated_at = parse_time(record.get("last_activity"))
        except ValueError:
            errors.append(_("%(row)s: วันเวลาไม่ถูกต้อง") % {"row": label})
            continue
        if reported_at is None:
            errors.append(_("%(row)s: ไม่มีวันเวลาที่แจ้ง (timestamp)") % {"row": label})
            continue
        state_text = str(record.get("state") or "").strip()
        if state_text and state_text not in STATES:
            errors.append(_("%(row)s: ไม่รู้จักสถานะ %(state)s") % {"row": label, "state": state_text})
            continue
        types = parse_types(record.get("type"))
        rows.append(
            TraffyRow(
                line=line,
                ticket_id=ticket,
                source_type=", ".join(types),
                category=category_of(types),
                description=str(record.get("comment") or "").strip() or _("(ไม่มีรายละเอียด)"),
                lon=lon,
                lat=lat,
                photo_url=str(record.get("photo") or "").strip(),
                state=STATES.get(state_text, ComplaintState.NEW),
                reported_at=reported_at,
                updated_at=updated_at,
            )
        )
    return rows, errors
