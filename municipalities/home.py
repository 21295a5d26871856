"""The home page's cards: each app adds the few figures its users look at first, shown to members
who may open its module (the menu item it belongs to), so a hidden or closed module shows no card."""

from collections.abc import Callable
from dataclasses import dataclass, field

from municipalities.menus import menu_for


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    warn: bool = False  # drawn in the warning colour (overdue, arrears)


@dataclass(frozen=True)
class Card:
    title: str
    url: str
    figures: list[Figure] = field(default_factory=list)
    note: str = ""  # said instead of figures that do not exist yet


CARDS: dict[str, Callable] = {}


def register(module: str, card: Callable) -> None:
    """`card(request) -> Card | None` is shown on the home page to those whose menu has `module`."""
    CARDS[module] = card


def cards_for(request) -> list[Card]:
    shown = [CARDS[item.key](request) for item in menu_for(request) if item.key in CARDS]
    return [card for card in shown if card is not None]
