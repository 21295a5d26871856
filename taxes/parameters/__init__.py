"""Tax parameters as dated data (the OpenFisca pattern), read through one lookup: `value_at(path, on=date)`.

Every YAML file under this folder (but `ordinances/`) is a tree of parameters; a file's path, with
dots for slashes, is the start of its parameters' paths (`land_building/rates.yaml` holds
`land_building.rates.other`). A parameter is a node with `values`: a mapping from the date a value
took effect to `{value, reference}` (plus `unconfirmed: true` where the law's text was not found).
A value stays in force until a later dated entry replaces it, so years after the last known decree
continue the last known values; `value: null` ends a parameter. Decimal literals are read as
`Decimal`, never as binary floats.

A municipality's ordinance (`ordinances/<DOPA code>.yaml`) overlays rates with its own dated
entries; it is refused when a rate exceeds the Act's ceiling on that date (LBTA s.37 para 6).
"""

import datetime
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent
ORDINANCES = ROOT / "ordinances"
# Ordinances may change rates only (LBTA s.37 para 6); each rate path has the ceiling that bounds it.
OVERLAYABLE = {
    "land_building.rates.agriculture": "land_building.ceilings.agriculture",
    "land_building.rates.residential_main": "land_building.ceilings.residential",
    "land_building.rates.residential_main_building_only": "land_building.ceilings.residential",
    "land_building.rates.residential_other": "land_building.ceilings.residential",
    "land_building.rates.other": "land_building.ceilings.other",
    "land_building.rates.vacant": "land_building.ceilings.vacant",
}


class ParameterError(ValueError):
    """A parameter that does not exist or has no value on the date asked (message in Thai)."""

    def __init__(self, message: str, *, path: str = ""):
        super().__init__(message)
        self.path = path


class OrdinanceRefused(ParameterError):
    """An ordinance file that is malformed or sets a rate above the Act's ceiling."""


class _DecimalLoader(yaml.SafeLoader):
    pass


def _decimal(loader, node):
    return Decimal(loader.construct_scalar(node))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _numbers(value):
    """Ints become Decimals too, so rules only ever meet Decimal (bools stay bools)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Entry:
    """One dated value of a parameter, with where it comes from."""

    path: str
    since: datetime.date
    value: Any
    reference: str
    unconfirmed: bool = False
    source: str = "national"  # or the municipality code of the ordinance

    def as_record(self) -> dict:
        """A JSON-ready record of the value used, stored with every assessment run."""
        return {
            "value": _jsonable(self.value),
            "since": self.since.isoformat(),
            "reference": self.reference,
            "unconfirmed": self.unconfirmed,
            "source": self.source,
        }


def _jsonable(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _entries(path: str, values: dict, *, source: str) -> list[Entry]:
    if not isinstance(values, dict) or not values:
        raise ParameterError(f"{path}: values ต้องเป็นรายการตามวันที่", path=path)
    entries = []
    for since, item in values.items():
        if not isinstance(since, datetime.date) or not isinstance(item, dict) or "value" not in item:
            raise ParameterError(f"{path}: ค่าของวันที่ {since} ต้องมี value และ reference", path=path)
        if not item.get("reference"):
            raise ParameterError(f"{path}: ค่าของวันที่ {since} ไม่มีแหล่งอ้างอิงทางกฎหมาย", path=path)
        entries.append(
            Entry(
                path=path,
                since=since,
                value=_numbers(item["value"]),
                reference=str(item["reference"]).strip(),
                unconfirmed=bool(item.get("unconfirmed", False)),
                source=source,
            )
        )
    return sorted(entries, key=lambda e: e.since)


def _walk(prefix: str, node: dict, into: dict[str, list[Entry]]) -> None:
    if "values" in node:
        into[prefix] = _entries(prefix, node["values"], source="national")
        return
    for key, child in node.items():
        if key in ("description", "metadata") or not isinstance(child, dict):
            continue
        _walk(f"{prefix}.{key}", child, into)


def _pick(entries: list[Entry], on: datetime.date) -> Entry | None:
    found = None
    for entry in entries:
        if entry.since <= on:
            found = entry
    return found


class ParameterTree:
    """National parameters plus the ordinances of a folder, loaded once and read by date."""

    def __init__(self, root: Path = ROOT, ordinance_dirs: tuple[Path, ...] = (ORDINANCES,)):
        self.national: dict[str, list[Entry]] = {}
        for file in sorted(root.rglob("*.yaml")):
            relative = file.relative_to(root)
            if relative.parts[0] == "ordinances":
                continue
            prefix = ".".join(relative.with_suffix("").parts)
            node = yaml.load(file.read_text(encoding="utf-8"), Loader=_DecimalLoader)
            _walk(prefix, node, self.national)
        self.ordinance_dirs = ordinance_dirs
        self._ordinances: dict[str, dict[str, list[Entry]]] = {}

    def paths(self) -> list[str]:
        return sorted(self.national)

    def ordinance(self, code: str | None) -> dict[str, list[Entry]]:
        """The overlay of a municipality (empty when it has no ordinance); refused above the ceilings."""
        if not code:
            return {}
        if code not in self._ordinances:
            self._ordinances[code] = self._load_ordinance(code)
        return self._ordinances[code]

    def _load_ordinance(self, code: str) -> dict[str, list[Entry]]:
        if not re.fullmatch(r"\d{6}", code):
            raise OrdinanceRefused(f"รหัสเทศบาล {code!r} ต้องเป็นตัวเลข 6 หลัก", path="municipality")
        file = next((d / f"{code}.yaml" for d in self.ordinance_dirs if (d / f"{code}.yaml").exists()), None)
        if file is None:
            return {}
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_DecimalLoader)
        if not isinstance(data, dict) or str(data.get("municipality")) != code:
            raise OrdinanceRefused(f'{file.name}: ต้องระบุ municipality: "{code}"', path="municipality")
        overlay = {}
        for path, values in (data.get("overrides") or {}).items():
            if path not in OVERLAYABLE:
                raise OrdinanceRefused(
                    f"เทศบัญญัติของ {code} กำหนด {path} ไม่ได้: เทศบัญญัติกำหนดได้เฉพาะอัตราภาษี (มาตรา 37)", path=path
                )
            entries = [
                Entry(e.path, e.since, e.value, e.reference, e.unconfirmed, source=code)
                for e in _entries(path, values, source=code)
            ]
            for entry in entries:
                if entry.value is None:
                    continue
                ceiling = self.lookup(OVERLAYABLE[path], on=entry.since).value
                for threshold, rate in entry.value:
                    if rate > ceiling:
                        raise OrdinanceRefused(
                            f"เทศบัญญัติของ {code}: อัตรา {rate} ของ {path} (ตั้งแต่ {entry.since}, ฐานเกิน {threshold}) "
                            f"เกินเพดาน {ceiling} ตามมาตรา 37",
                            path=path,
                        )
            overlay[path] = entries
        return overlay

    def lookup(self, path: str, *, on: datetime.date, municipality: str | None = None) -> Entry:
        """The entry in force on `on`: the ordinance's while it has one (`value: null` repeals it), else the Act's."""
        entries = self.national.get(path)
        if entries is None:
            raise ParameterError(f"ไม่มีพารามิเตอร์ {path}", path=path)
        local = _pick(self.ordinance(municipality).get(path, []), on)
        national = _pick(entries, on)
        entry = local if local is not None and local.value is not None else national
        if entry is None or entry.value is None:
            raise ParameterError(f"ไม่มีค่า {path} ณ วันที่ {on.isoformat()}", path=path)
        return entry


@functools.cache
def default_tree() -> ParameterTree:
    return ParameterTree()


def lookup(path: str, *, on: datetime.date, municipality: str | None = None) -> Entry:
    return default_tree().lookup(path, on=on, municipality=municipality)


def value_at(path: str, *, on: datetime.date, municipality: str | None = None):
    """The value of a parameter on a date, with a municipality's ordinance applied if it has one."""
    return lookup(path, on=on, municipality=municipality).value
