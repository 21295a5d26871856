"""The one place where money is rounded."""

from decimal import ROUND_HALF_UP, Decimal

SATANG = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)


def round_baht(amount: Decimal) -> Decimal:
    """Round to the satang, half up, once, at the end of a computation.

    Neither Act fixes a rounding rule for the computed tax; the ภ.ด.ส.7 sheet and receipts show
    baht and satang, so each payable amount (tax, penalty, surcharge, instalment) is rounded
    to 0.01 where it becomes payable, and nothing in between.
    """
    return amount.quantize(SATANG, rounding=ROUND_HALF_UP)


def plain(amount: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros ("2400000", "0.0003")."""
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
