from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate, digits: int = 1) -> str:
    """A collection rate (0.1632) as a percentage with one decimal ("16.3%"); "-" when there is none."""
    if rate is None:
        return "-"
    step = Decimal(1).scaleb(-int(digits))
    return f"{(Decimal(rate) * 100).quantize(step, rounding=ROUND_HALF_UP):,}%"
