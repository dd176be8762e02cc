"""Cards on the member's 我的首页 (ME-01), filled by the apps that own the data.

core can't import members/orgs/incentives, so each registers `fn(request) -> Card | None`
from its own `home_cards.py`. A card costs at most one query; the page runs every card once,
so 我的首页 runs a constant number of queries whatever the member's history.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Card:
    title: str
    lines: tuple = field(default_factory=tuple)  # short texts, one per line
    link: str = ""
    link_label: str = "查看"
    order: int = 50  # lower first


_cards = []


def register(fn):
    _cards.append(fn)
    return fn


def cards_for(request):
    found = [card for card in (fn(request) for fn in _cards) if card]
    return sorted(found, key=lambda c: c.order)


def safe_reverse(name, *args):
    """The URL of `name`, or "" while the app that owns it hasn't landed (e.g. 关系转接)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
