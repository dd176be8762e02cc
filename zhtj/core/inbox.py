"""操作中心 (OPC-01, OPC-02): 待办 of every kind, and the results of what one submitted.

A kind of 待办 is declared once, as data, by the app that owns it (its `inbox.py`): its label, the
queryset of items pending for an org (or for the person), the page of one item, and which orgs can
ever have such items. core does the rest: one UNION query for every count, the newest items,
and the 所有类型 tabs of 操作中心 and of the 组织首页 card -- showing only the kinds the acting org
can have (a 团支部 never decides a 毕业时间更正). Nothing is copied into a task table: once any
entitled admin handles an item, its state changes and it leaves every list at once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from . import sqlcache
from .paths import path_for


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str  # the 类型 shown in the 所有类型 filter (OPC-01)
    pending: Callable  # the acting org (audience "org") or the person ("member") -> QuerySet
    title: Callable  # item -> the line shown in the list
    url: str | Callable  # a URL name taking the item's `url_arg`, or item -> URL
    audience: str = "org"  # "org" or "member"
    newest: str = "created_at"  # the column that orders the items, newest first
    url_arg: str | None = "pk"  # None: the URL name takes no argument (a list page)
    can_have: Callable | None = None  # org -> whether it can ever have such items; None: every org

    def item_url(self, obj):
        if callable(self.url):
            return self.url(obj)
        if self.url_arg is None:
            return reverse(self.url)
        return path_for(self.url, getattr(obj, self.url_arg))

    def pending_for(self, request):
        subject = request.acting_org if self.audience == "org" else request.user
        return newest_first(self.pending(subject), self.newest)


@dataclass(frozen=True)
class Item:
    kind: str
    label: str
    title: str
    url: str
    created_at: object


_kinds: dict[str, Kind] = {}


def declare(*kinds):
    for k in kinds:
        _kinds[k.kind] = k


def newest_first(queryset, field="created_at"):
    """A kind's pending items, newest first. DESC NULLS LAST (the column is never null, so the
    order is the same) keeps PostgreSQL from walking the whole `field` index backwards looking for
    an org's few items among 10^5 rows -- ORDER BY … LIMIT's trap; it sorts the few matches instead."""
    return queryset.order_by(F(field).desc(nulls_last=True), "-pk")


def kinds_for(request):
    """The kinds the request's 操作中心 shows: the personal ones in the personal center; for an
    acting org, those it can have."""
    org = getattr(request, "acting_org", None)
    if org is None:
        return [k for k in _kinds.values() if k.audience == "member"]
    return [k for k in _kinds.values() if k.audience == "org" and (k.can_have is None or k.can_have(org))]


UNREAD = -1  # the figure of the request's unread results, beside the kinds' counts


def _figures(request):
    """{kind index: pending count, UNREAD: unread results} in ONE query for the header of every
    page, whatever the data size and however many kinds the apps declare: each count is a
    sub-select of one UNION ALL. The SQL is compiled once per acting org (as it is now), person and
    day (zhtj/core/sqlcache.py: a kind's `pending` may depend on nothing else); the figures are
    kept on the request, as the header badge and the 操作中心 page ask for the same ones."""
    cached = getattr(request, "_inbox_figures", None)
    if cached is None:
        org = getattr(request, "acting_org", None)
        user = getattr(request, "user", None)
        key = ("inbox", sqlcache.org_state(org), getattr(user, "pk", None), timezone.localdate(), tuple(_kinds))
        cached = request._inbox_figures = dict(sqlcache.fetch(key, lambda: _figures_sql(request)))
    return cached


def _figures_sql(request):
    parts, params = [], []
    unread = notifications_for(request).filter(read_at__isnull=True).values("pk")
    for i, queryset in [(UNREAD, unread)] + [
        (i, k.pending_for(request).order_by().values("pk")) for i, k in enumerate(kinds_for(request))
    ]:
        if queryset.query.is_empty():  # .none(): nothing to ask the database
            continue
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"SELECT {i}, COUNT(*) FROM ({sql}) AS pending_{i - UNREAD}")
        params.extend(part_params)
    return " UNION ALL ".join(parts), params


def counts(request):
    """{kind: pending count} of every kind the request's 操作中心 shows (OPC-01, OPC-02)."""
    found = _figures(request)
    return {k.kind: found.get(i, 0) for i, k in enumerate(kinds_for(request))}


def tabs(request):
    """[(kind, pending count)] of the 所有类型 tabs and the 组织首页 card, in declaration order."""
    found = counts(request)
    return [(k, found[k.kind]) for k in kinds_for(request)]


def unread_count(request):
    """How many results of the acting org's (or the person's) submissions are still unread."""
    return _figures(request).get(UNREAD, 0)


def pending_count(request):
    return sum(counts(request).values())


class PendingItems:
    """The pending items (of `kind`, or of every kind) newest first, as a sequence a paginator can
    cut: its length is the counts' sum (no query), a slice asks each provider that has any for its
    newest `stop` items (one query each) and merges them. Deep pages read more rows, never more
    queries."""

    def __init__(self, request, kind=None):
        self.request = request
        pending = counts(request)
        self.kinds = [k for k in kinds_for(request) if (not kind or k.kind == kind) and pending.get(k.kind)]
        self.total = sum(pending[k.kind] for k in self.kinds)

    def count(self):
        return self.total

    def __len__(self):
        return self.total

    def __getitem__(self, window):
        found = []
        for k in self.kinds:
            for obj in k.pending_for(self.request)[: window.stop]:
                found.append(Item(k.kind, k.label, k.title(obj), k.item_url(obj), obj.created_at))
        found.sort(key=lambda i: i.created_at, reverse=True)
        return found[window]


def items(request, kind=None):
    """The newest page of pending items (the 操作中心 page paginates `PendingItems` instead)."""
    return PendingItems(request, kind)[: settings.ZHTJ["INBOX_PAGE_SIZE"]]


def notify(*, org=None, person=None, kind, text, link=""):
    """A result for a submitter's 操作中心: to an org's admins or to one person."""
    from .models import Notification

    return Notification.objects.create(
        recipient_org=org, recipient_person=person, kind=kind, text=text[:300], link=link
    )


def notify_many(notes):
    """Many results at once, one INSERT (a batch, core.batch): each a dict of org_id or person_id,
    kind, text and link."""
    from .models import Notification

    return Notification.objects.bulk_create(
        Notification(
            recipient_org_id=n.get("org_id"),
            recipient_person_id=n.get("person_id"),
            kind=n["kind"],
            text=n["text"][:300],
            link=n.get("link", ""),
        )
        for n in notes
    )


def notifications_for(request):
    from .models import Notification

    org = getattr(request, "acting_org", None)
    if org is not None:
        return Notification.objects.filter(recipient_org=org)
    return Notification.objects.filter(recipient_person=request.user)
