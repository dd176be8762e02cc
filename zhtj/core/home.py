"""Cards on the home page, filled by the apps that own the data: the member's 我的首页 (ME-01)
and an acting admin's 组织首页 (e.g. 工作通知, NTC-02).

core can't import members/orgs/incentives, so each registers `fn(request) -> Card | None`
from its own `home_cards.py` (`@home.register` for 我的首页, `@home.register(audience="org")` for
组织首页). A card costs at most one query or two; the page runs every card once, so the home page
runs a constant number of queries whatever the history behind it.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Line:
    """A card line that links somewhere, with an optional note (a date) and mark (未读)."""

    text: str
    url: str = ""
    note: str = ""
    mark: str = ""

    def __str__(self):
        return self.text


@dataclass(frozen=True)
class Card:
    title: str
    lines: tuple = field(default_factory=tuple)  # short texts or Lines, one per line
    link: str = ""
    link_label: str = "查看"
    order: int = 50  # lower first
    badge: str = ""  # a figure beside the title (e.g. the unread count)
    empty: str = ""  # said when there are no lines
    key: str = ""  # the card's HTML id


_cards = {"member": [], "org": []}


def register(fn=None, *, audience="member"):
    """`@register` (我的首页) or `@register(audience="org")` (组织首页 of the acting org)."""

    def add(fn):
        _cards[audience].append(fn)
        return fn

    return add(fn) if fn is not None else add


def cards_for(request):
    audience = "org" if getattr(request, "acting_org", None) is not None else "member"
    found = [card for card in (fn(request) for fn in _cards[audience]) if card]
    return sorted(found, key=lambda c: c.order)


def safe_reverse(name, *args):
    """The URL of `name`, or "" while the app that owns it hasn't landed (e.g. 关系转接)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
