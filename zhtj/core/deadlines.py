"""截止事项 (BEY-08): what falls due this month for the acting org, from every app.

Apps register `fn(request, month_start, month_end) -> iterable of Deadline` from their own
module (members, incentives, rectification, transfers …). A provider is one aggregate query
(COUNT / MIN) or none, so the board runs a constant number of queries.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from django.utils import timezone


@dataclass(frozen=True)
class Deadline:
    title: str
    due_date: date
    count: int
    url: str = ""
    note: str = ""


_providers = []


def register(fn):
    _providers.append(fn)
    return fn


def month_bounds(today=None):
    today = today or timezone.localdate()
    return today.replace(day=1), today.replace(day=monthrange(today.year, today.month)[1])


def for_request(request, today=None):
    start, end = month_bounds(today)
    found = [d for fn in _providers for d in (fn(request, start, end) or ()) if d.count]
    return sorted(found, key=lambda d: (d.due_date, d.title))
