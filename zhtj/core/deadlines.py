"""截止事项 (BEY-08): what falls due this month for the acting org, and what fell due earlier and
is still not done, from every app.

Apps register `fn(request, month_start, month_end) -> iterable of Deadline` from their own
module (members, incentives, rectification, transfers …): every item due on or before
`month_end` that is still open — a missed deadline stays on the board, marked 已逾期, until the
work is done (or can no longer be done). A provider is one aggregate query (COUNT / MIN) or
none, so the board runs a constant number of queries.
"""

from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date

from django.utils import timezone


@dataclass(frozen=True)
class Deadline:
    title: str
    due_date: date
    count: int
    url: str = ""
    note: str = ""
    overdue: bool = False  # set by the board: due before today and still open


_providers = []


def register(fn):
    _providers.append(fn)
    return fn


def month_bounds(today=None):
    today = today or timezone.localdate()
    return today.replace(day=1), today.replace(day=monthrange(today.year, today.month)[1])


def for_request(request, today=None):
    today = today or timezone.localdate()
    start, end = month_bounds(today)
    found = [
        replace(d, overdue=d.due_date < today) for fn in _providers for d in (fn(request, start, end) or ()) if d.count
    ]
    return sorted(found, key=lambda d: (d.due_date, d.title))
