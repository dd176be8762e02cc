"""我发起的 (OPC-01): what the acting org filed upward and still waits for someone else — transfers it
started, requests and records waiting for a superior's decision — with 撤销 / 撤回 / 删除 where the
workflow allows the filer to take it back.

Apps register `@sent.register(kind, label)` classes with `filed(request)` (the open items the acting
org filed, newest first) and `describe(obj) -> Line`. Two queries per kind (a page of its items and
their COUNT), however many items; each kind's list pages on its own.
"""

from collections.abc import Callable
from dataclasses import dataclass

from zhtj.core.pagination import paginate


@dataclass(frozen=True)
class Withdraw:
    """A 撤销 button: a POST to `url` naming the item (`obj`: its state goes along as seen_state)."""

    url: str
    obj: object
    label: str = "撤销"
    action: str = "withdraw"


def withdraw_request(req):
    """撤回 of a change request (zhtj/core/change_requests.py) while it waits: posted to its review
    page, where the filing org is checked on the locked row."""
    return Withdraw(req.get_absolute_url(), req, "撤回") if req.withdrawable() else None


@dataclass(frozen=True)
class Line:
    title: str
    state: str
    url: str
    created_at: object
    withdraw: Withdraw | None = None  # only where the service would accept it now


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    filed: Callable
    describe: Callable


_kinds: dict[str, Kind] = {}


def register(kind, label):
    def decorate(cls):
        _kinds[kind] = Kind(kind, label, cls.filed, cls.describe)
        return cls

    return decorate


def sections(request):
    """[(kind, [Line …], page)] for the acting org: each kind it has items of, a page of them, paged
    by its own query parameter (the kind's name) so each list pages on its own (issue 17)."""
    found = []
    for k in _kinds.values():
        page = paginate(request, k.filed(request), param=k.kind)
        lines = [k.describe(obj) for obj in page]  # read even when empty: the same queries either way
        if lines:
            found.append((k, lines, page))
    return found
