"""The executive's charts, drawn on the server as SVG: Thai labels, B.E. years, baht; no script, they print."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.translation import gettext as _

from municipalities.thai import MONTHS_SHORT, be_year, format_baht
from taxes.choices import TaxKind

COLOURS = {TaxKind.LAND_BUILDING: "#1f5f8b", TaxKind.SIGNBOARD: "#e0a100"}
TARGET = "#b3261e"


def baht_short(amount) -> str:
    """1,234,567 → "1.23 ล้าน"; below a million, baht with separators."""
    amount = Decimal(amount or 0)
    if abs(amount) >= 1_000_000:
        return _("%(n)s ล้าน") % {"n": f"{amount / 1_000_000:,.2f}"}
    return f"{amount:,.0f}"


def _svg(width: int, height: int, title: str, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(parts) + "</svg>"
    )


def _text(x, y, text, cls="label", anchor="middle") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" class="{cls}" text-anchor="{anchor}">{escape(text)}</text>'


def monthly_chart(months: dict, target: Decimal, year: int) -> str:
    """Collections per month, stacked by tax, with the running total against the year's target."""
    width, height, left, right, top, bottom = 760, 300, 64, 16, 24, 40
    inner_w, inner_h = width - left - right, height - top - bottom
    totals = [sum((months[k][i] for k in TaxKind), Decimal(0)) for i in range(12)]
    running, cumulative = Decimal(0), []
    for total in totals:
        running += total
        cumulative.append(running)
    peak = max([target, *cumulative, Decimal(1)])
    slot = inner_w / 12
    title = _("การจัดเก็บรายเดือน ปี พ.ศ. %(year)s เทียบกับเป้าหมาย") % {"year": be_year(year)}
    parts = [f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}" class="axis"/>']
    for step in range(5):
        value = peak * step / 4
        y = top + inner_h - float(value / peak) * inner_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>')
        parts.append(_text(left - 6, y + 4, baht_short(value), "tick", "end"))
    for i in range(12):
        x = left + i * slot + slot * 0.2
        base = top + inner_h
        for kind in TaxKind:
            value = months[kind][i]
            if not value:
                continue
            h = float(value / peak) * inner_h
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.6:.1f}" height="{h:.1f}" fill="{COLOURS[kind]}">'
                f"<title>{escape(MONTHS_SHORT[i])} {escape(str(kind.label))}: {format_baht(value)} บาท</title></rect>"
            )
        parts.append(_text(x + slot * 0.3, height - bottom + 16, MONTHS_SHORT[i]))
    points = " ".join(
        f"{left + (i + 0.5) * slot:.1f},{top + inner_h - float(c / peak) * inner_h:.1f}"
        for i, c in enumerate(cumulative)
    )
    parts.append(f'<polyline points="{points}" class="cumulative"/>')
    if target:
        y = top + inner_h - float(target / peak) * inner_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="target"/>')
        parts.append(
            _text(width - right, y - 5, _("เป้าหมาย %(b)s บาท") % {"b": baht_short(target)}, "target-label", "end")
        )
    parts.append(_text(left, height - 6, _("แท่ง: ยอดจัดเก็บรายเดือน · เส้น: ยอดสะสม (บาท)"), "note", "start"))
    return _svg(width, height, title, parts)


def hbar_chart(rows: list[tuple[str, Decimal, Decimal | None]], *, title: str, width: int = 520) -> str:
    """Horizontal bars (label, value, target or None): value as a bar, target as a mark, with the rate."""
    row_h, left, right, top = 34, 150, 150, 8
    height = top + row_h * len(rows) + 8
    peak = max([Decimal(1), *(v for _, v, _t in rows), *(t for _, _v, t in rows if t)])
    inner = width - left - right
    parts = []
    for i, (label, value, target) in enumerate(rows):
        y = top + i * row_h
        w = float(value / peak) * inner
        parts.append(_text(left - 8, y + 20, label, "label", "end"))
        parts.append(
            f'<rect x="{left}" y="{y + 6}" width="{w:.1f}" height="20" class="bar">'
            f"<title>{escape(label)}: {format_baht(value)} บาท</title></rect>"
        )
        figure = f"{baht_short(value)}"
        if target:
            tx = left + float(target / peak) * inner
            parts.append(f'<line x1="{tx:.1f}" y1="{y + 2}" x2="{tx:.1f}" y2="{y + 30}" class="target"/>')
            figure += f" / {baht_short(target)} ({value / target:.1%})"
        parts.append(_text(width - right + 6, y + 20, figure, "value", "start"))
    return _svg(width, height, title, parts)


def arrears_label(band: dict) -> str:
    low, high = band["from"], band["to"]
    if high is None:
        return _("เกิน 2 ปี")
    if high <= 365:
        return _("%(a)s–%(b)s วัน") % {"a": low, "b": high}
    return _("1–2 ปี")


def dashboard_charts(data: dict) -> dict:
    year = data["tax_year"]
    return {
        "months": monthly_chart(data["months"], data["totals"]["target"], year),
        "kinds": hbar_chart(
            [(k["label"], k["collected"], k["target"]) for k in data["kinds"]],
            title=_("ยอดจัดเก็บตามประเภทภาษี ปี พ.ศ. %(year)s เทียบกับประมาณการ") % {"year": be_year(year)},
        ),
        "arrears": hbar_chart(
            [(arrears_label(b), b["amount"], None) for b in data["arrears"]],
            title=_("ภาษีค้างชำระตามระยะเวลาที่ค้าง"),
        ),
    }
