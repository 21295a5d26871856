"""Match a file's columns to a layer and turn their text into the register's values, column by column.

Work is vectorised with pandas so that a million rows take a second, not minutes. Every value that
does not parse, is not one of the field's choices, is too long or out of the field's range becomes a
problem of its row; the value itself is then left empty (and the row refused at validation).
"""

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assets.choices import KIND_SPECS
from assets.models.infrastructure import _attribute_problem
from dataio.layers import BOOLEAN, CHOICE, DATE, DECIMAL, INTEGER, JSON, TEXT, Layer, normalise_label

TRUE_WORDS = {"true", "t", "yes", "y", "1", "ใช่", "จริง", "มี"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "ไม่ใช่", "ไม่", "เท็จ", "ไม่มี"}
STRING = pd.StringDtype("pyarrow")
NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$"
DMY_RE = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"


@dataclass
class Normalised:
    """The values of one file for one layer: canonical text per register column, and what went wrong."""

    rows: int
    values: dict[str, pd.Series]  # register column → canonical text (None where empty)
    present: set[str]  # register columns the file has (absent ones keep their register value)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row index, kind, column, message)


def match_columns(layer: Layer, names: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """Register column (or helper such as `zone`) → file column: the mapping's choices, then known names."""
    known = {c.name for c in layer.importable} | set(layer.extra_names)
    chosen: dict[str, str] = {}
    for target, source in (mapping or {}).items():
        if target not in known:
            raise ValidationError(
                _("การจับคู่คอลัมน์ระบุคอลัมน์ %(target)s ซึ่งไม่มีในชั้นข้อมูล%(layer)s") % {"target": target, "layer": layer.label},
                code="bad_mapping",
            )
        if source in (None, ""):
            chosen[target] = ""  # explicitly left out
            continue
        if source not in names:
            raise ValidationError(
                _("การจับคู่คอลัมน์ระบุคอลัมน์ %(source)s ซึ่งไม่มีในไฟล์ (มี: %(names)s)")
                % {"source": source, "names": ", ".join(names)},
                code="bad_mapping",
            )
        chosen[target] = source
    by_name = {normalise_label(n): n for n in names}
    taken = set(chosen.values())
    for column in layer.importable:
        if column.name in chosen:
            continue
        spellings = (column.name, column.short, *column.aliases, layer.label_of(column))
        for spelling in spellings:
            source = by_name.get(normalise_label(spelling))
            if source is not None and source not in taken:
                chosen[column.name] = source
                taken.add(source)
                break
    for helper, spellings in layer.extra_names.items():
        if helper in chosen:
            continue
        source = next((by_name[normalise_label(s)] for s in spellings if normalise_label(s) in by_name), None)
        if source is not None and source not in taken:
            chosen[helper] = source
            taken.add(source)
    return {target: source for target, source in chosen.items() if source}


def load_mapping(text: str) -> dict[str, str]:
    """A YAML mapping file: `columns: {register_column: file_column}` (or the pairs at the top level)."""
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ValidationError(_("ไฟล์การจับคู่คอลัมน์ (YAML) อ่านไม่ได้: %(detail)s") % {"detail": error}) from None
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ValidationError(_("ไฟล์การจับคู่คอลัมน์ต้องเป็นคู่ ชื่อคอลัมน์ในทะเบียน: ชื่อคอลัมน์ในไฟล์"))
    return {k: ("" if v is None else str(v)) for k, v in data.items()}


def normalise(layer: Layer, columns: dict[str, pa.Array], rows: int, mapping: dict[str, str]) -> Normalised:
    """Canonical text for each mapped column of `layer`, with the problems of each row."""
    result = Normalised(rows=rows, values={}, present=set())
    text = {target: _strip(columns[source]) for target, source in mapping.items()}
    if layer.key == "parcels":
        _compose_parcel_code(text, result)
        _compose_area(text, result)
    for column in layer.importable:
        if column.name not in text:
            continue
        result.present.add(column.name)
        result.values[column.name] = _parse(layer, column, text[column.name], result).astype(STRING)
    if layer.key == "infrastructure" and "attributes" in result.values and "kind" in result.values:
        _check_attributes(result)
    return result


def _strip(array: pa.Array) -> pd.Series:
    """Trimmed text with empty cells as missing, in pandas' Arrow-backed strings (vectorised)."""
    trimmed = pc.utf8_trim_whitespace(array.cast(pa.string()))
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pd.Series(pd.arrays.ArrowStringArray(trimmed), dtype=STRING)


def _problem(result: Normalised, mask: pd.Series, kind: str, column: str, message) -> None:
    for index in np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool)):
        result.problems.append((int(index), kind, column, str(message)))


def _compose_parcel_code(text: dict[str, pd.Series], result: Normalised) -> None:
    """LTAX GIS gives zone 03, block 03I (or I) and lot 2 when parcel_code is missing: 03I002."""
    if "block" not in text or "lot" not in text:
        return
    zone = text.get("zone", pd.Series([None] * result.rows, dtype=STRING)).fillna("").str.zfill(2)
    block = text["block"].fillna("").str.upper()
    block = block.where(block.str.match(r"^\d{2}") | (zone == "00"), zone + block)
    lot = text["lot"].fillna("")
    lot = lot.where(~lot.str.fullmatch(r"\d{1,3}"), lot.str.zfill(3))
    composed = (block + lot).where((block != "") & (lot != ""), None)
    code = text.get("parcel_code")
    text["parcel_code"] = composed if code is None else code.where(code.notna(), composed)


def _compose_area(text: dict[str, pd.Series], result: Normalised) -> None:
    """ไร่-งาน-ตารางวา columns make the area in square wah (1 ไร่ = 4 งาน = 400 ตารางวา)."""
    if "area_sq_wah" in text or not {"rai", "ngan", "wah"} & set(text):
        return
    total = pd.Series(np.zeros(result.rows))
    bad = pd.Series(np.zeros(result.rows, dtype=bool))
    for helper, factor in (("rai", 400), ("ngan", 100), ("wah", 1)):
        if helper in text:
            numbers = pd.to_numeric(text[helper].str.replace(",", "", regex=False), errors="coerce")
            bad |= text[helper].notna() & numbers.isna()
            total += numbers.fillna(0) * factor
    _problem(result, bad, "unparseable", "area_sq_wah", _("เนื้อที่ ไร่-งาน-ตารางวา ต้องเป็นตัวเลข"))
    text["area_sq_wah"] = total.round(2).map(lambda v: f"{v:.2f}").astype(STRING).where(~bad & (total > 0))


def _parse(layer: Layer, column, series: pd.Series, result: Normalised) -> pd.Series:
    kind = layer.kind_of(column)
    low, high, length = layer.limits(column)
    label = layer.label_of(column)
    present = series.notna()
    if kind == TEXT:
        if length:
            too_long = present & (series.str.len() > length)
            _problem(
                result,
                too_long,
                "unparseable",
                column.name,
                _("%(label)s ยาวเกิน %(length)s ตัวอักษร") % {"label": label, "length": length},
            )
            series = series.where(~too_long, None)
        return series
    if kind == CHOICE:
        accepted = layer.choices(column)
        mapped = _lookup(series, lambda v: accepted.get(normalise_label(v)))
        bad = present & mapped.isna()
        for index in np.flatnonzero(bad.fillna(False).to_numpy(dtype=bool)):
            result.problems.append(
                (
                    int(index),
                    "unparseable",
                    column.name,
                    _("%(label)s: ไม่รู้จักค่า “%(value)s”") % {"label": label, "value": series.iat[index]},
                )
            )
        return mapped
    if kind == BOOLEAN:
        mapped = _lookup(
            series, lambda v: "true" if v.casefold() in TRUE_WORDS else "false" if v.casefold() in FALSE_WORDS else None
        )
        _problem(
            result,
            present & mapped.isna(),
            "unparseable",
            column.name,
            _("%(label)s ต้องเป็น ใช่/ไม่ใช่") % {"label": label},
        )
        return mapped
    if kind == DATE:
        return _parse_dates(series, column.name, label, result)
    if kind == JSON:
        return _parse_json(series, column.name, label, result)
    # Numbers: thousands separators are fine; "1:4,000" is a scale of 4000.
    cleaned = pc.replace_substring_regex(pc.replace_substring(pa.array(series), ",", ""), r"^1\s*:\s*", "")
    if column.name == "year_built":
        cleaned = pc.replace_substring_regex(cleaned, r"\.0+$", "")
    cleaned = pd.Series(pd.arrays.ArrowStringArray(cleaned), dtype=STRING)
    shaped = cleaned.str.match(NUMBER_RE).fillna(False).astype(bool)
    numbers = pd.to_numeric(cleaned.where(shaped), errors="coerce").astype(float)
    bad = present & numbers.isna()
    if kind == INTEGER:
        bad |= present & numbers.notna() & (numbers != numbers.round())
        if column.name == "year_built":
            numbers = numbers.where(numbers < 2400, numbers - 543)  # a Buddhist Era year (พ.ศ.)
    _problem(result, bad, "unparseable", column.name, _("%(label)s ต้องเป็นตัวเลข") % {"label": label})
    in_range = pd.Series(np.ones(len(series), dtype=bool))
    if low is not None:
        in_range &= ~(numbers < float(low))
    if high is not None:
        in_range &= ~(numbers > float(high))
    if kind == DECIMAL and not column.custom:
        model_field = layer.field(column.name)
        limit = 10.0 ** (model_field.max_digits - model_field.decimal_places)
        in_range &= ~(numbers.abs() >= limit)
    out = present & ~bad & ~in_range
    _problem(result, out, "unparseable", column.name, _range_message(label, low, high))
    good = (present & ~bad & in_range).fillna(False)
    if kind == INTEGER:
        return pd.Series(pd.array(numbers.where(good).round(), dtype="Int64")).astype(STRING)
    # Decimals stay as written; PostgreSQL rounds them half away from zero into the column's places.
    return cleaned.where(good)


def _lookup(series: pd.Series, translate) -> pd.Series:
    """Translate each distinct value once (a million rows have few distinct choices)."""
    table = {value: translate(value) for value in series.dropna().unique()}
    return pd.Series(series.map(table), dtype=STRING)


def _range_message(label, low, high) -> str:
    if low is not None and high is not None:
        return _("%(label)s ต้องอยู่ระหว่าง %(low)s ถึง %(high)s") % {"label": label, "low": low, "high": high}
    if low is not None:
        return _("%(label)s ต้องไม่น้อยกว่า %(low)s") % {"label": label, "low": low}
    if high is not None:
        return _("%(label)s ต้องไม่เกิน %(high)s") % {"label": label, "high": high}
    return _("%(label)s มีจำนวนหลักเกินกว่าที่ทะเบียนรับได้") % {"label": label}


def _parse_dates(series: pd.Series, name: str, label: str, result: Normalised) -> pd.Series:
    """ISO dates (2025-01-10) or day/month/year, the year in B.E. when above 2400 (10/1/2568)."""
    iso = series.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
    dmy = series.str.extract(DMY_RE)
    year, month, day = (
        pd.to_numeric(a.fillna(b), errors="coerce").astype(float)
        for a, b in ((iso[0], dmy[2]), (iso[1], dmy[1]), (iso[2], dmy[0]))
    )
    year = year.where(year < 2400, year - 543)
    dates = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    bad = series.notna() & dates.isna()
    _problem(
        result, bad, "unparseable", name, _("%(label)s ต้องเป็นวันที่ เช่น 2025-01-10 หรือ 10/01/2568") % {"label": label}
    )
    return dates.dt.strftime("%Y-%m-%d").astype(STRING).where(dates.notna())


def _parse_json(series: pd.Series, name: str, label: str, result: Normalised) -> pd.Series:
    out = []
    for index, value in enumerate(series.tolist()):
        if pd.isna(value):
            out.append(None)
            continue
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            result.problems.append(
                (index, "unparseable", name, _('%(label)s ต้องเป็น JSON แบบ {"ชื่อ": ค่า}') % {"label": label})
            )
            out.append(None)
            continue
        out.append(json.dumps(data, ensure_ascii=False, sort_keys=True))
    return pd.Series(out, dtype=STRING, index=series.index)


def _check_attributes(result: Normalised) -> None:
    """Infrastructure attributes must be the kind's (assets.choices.KIND_SPECS), as the model requires."""
    for index, (kind, attributes) in enumerate(zip(result.values["kind"], result.values["attributes"], strict=True)):
        if pd.isna(kind) or pd.isna(attributes) or kind not in KIND_SPECS:
            continue
        spec = KIND_SPECS[kind]
        problem = _attribute_problem(json.loads(attributes), spec.attributes)
        if problem:
            result.problems.append((index, "rule", "attributes", problem))
