"""A bar chart drawn on the server as SVG: no chart library, no script, prints as it shows."""

from decimal import Decimal

from django.utils.html import escape


def bar_chart_svg(
    bars: list[tuple[str, Decimal]], *, title: str, value_label, width: int = 760, height: int = 260
) -> str:
    """`bars` are (label, value); `value_label(value)` writes the figure above each bar."""
    left, right, top, bottom = 10, 10, 28, 34
    inner_w, inner_h = width - left - right, height - top - bottom
    peak = max((v for _, v in bars), default=Decimal(0)) or Decimal(1)
    slot = inner_w / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="bar-chart" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}" class="axis"/>',
    ]
    for i, (label, value) in enumerate(bars):
        figure = escape(value_label(value)) if value else ""
        bar_h = float(Decimal(value) / peak) * inner_h
        x = left + i * slot + slot * 0.15
        y = top + inner_h - bar_h
        parts.append(
            f'<g class="bar"><rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}">'
            f"<title>{escape(label)}: {escape(value_label(value))}</title></rect>"
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" class="value">{figure}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - 12}" class="label">{escape(label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
