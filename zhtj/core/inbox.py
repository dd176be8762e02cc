"""操作中心 (OPC-01, OPC-02).

Each app registers providers. A provider answers, for a request, the queryset of
things pending for the acting org (audience "org") or for the person (audience
"member"). Nothing is copied into a task table: once any entitled admin handles
an item, its state changes and it leaves every provider's queryset, so it leaves
the other admin's list too.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from . import sqlcache


@dataclass(frozen=True)
class Provider:
    kind: str
    label: str  # the 类型 shown in the 所有类型 filter (OPC-01)
    audience: str  # "org" or "member"
    pending: Callable  # request -> QuerySet of pending objects (ordered newest first)
    describe: Callable  # obj -> (title, url)


@dataclass(frozen=True)
class Item:
    kind: str
    label: str
    title: str
    url: str
    created_at: object


_providers: dict[str, Provider] = {}


def register(kind, label, audience="org"):
    """Decorator for a class with `pending(request)` and `describe(obj)` static methods."""

    def decorate(cls):
        _providers[kind] = Provider(kind, label, audience, cls.pending, cls.describe)
        return cls

    return decorate


def newest_first(queryset, field="created_at"):
    """A provider's pending items, newest first. DESC NULLS LAST (the column is never null, so the
    order is the same) keeps PostgreSQL from walking the whole `field` index backwards looking for
    an org's few items among 10^5 rows -- ORDER BY … LIMIT's trap; it sorts the few matches instead."""
    return queryset.order_by(F(field).desc(nulls_last=True), "-pk")


def providers_for(request):
    audience = "org" if getattr(request, "acting_org", None) else "member"
    return [p for p in _providers.values() if p.audience == audience]


UNREAD = -1  # the figure of the request's unread results, beside the providers' counts


def _figures(request):
    """{provider index: pending count, UNREAD: unread results} in ONE query for the header of every
    page, whatever the data size and however many providers the apps register: each count is a
    sub-select of one UNION ALL. The SQL is compiled once per acting org (as it is now), person and
    day (zhtj/core/sqlcache.py: a provider's `pending` may depend on nothing else); the figures are
    kept on the request, as the header badge and the 操作中心 page ask for the same ones."""
    cached = getattr(request, "_inbox_figures", None)
    if cached is None:
        org = getattr(request, "acting_org", None)
        user = getattr(request, "user", None)
        key = ("inbox", sqlcache.org_state(org), getattr(user, "pk", None), timezone.localdate(), tuple(_providers))
        cached = request._inbox_figures = dict(sqlcache.fetch(key, lambda: _figures_sql(request)))
    return cached


def _figures_sql(request):
    parts, params = [], []
    unread = notifications_for(request).filter(read_at__isnull=True).values("pk")
    for i, queryset in [(UNREAD, unread)] + [
        (i, p.pending(request).order_by().values("pk")) for i, p in enumerate(providers_for(request))
    ]:
        if queryset.query.is_empty():  # .none(): nothing to ask the database
            continue
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"SELECT {i}, COUNT(*) FROM ({sql}) AS pending_{i - UNREAD}")
        params.extend(part_params)
    return " UNION ALL ".join(parts), params


def counts(request):
    """{kind: pending count} of every provider for the request (OPC-01, OPC-02)."""
    found = _figures(request)
    return {p.kind: found.get(i, 0) for i, p in enumerate(providers_for(request))}


def unread_count(request):
    """How many results of the acting org's (or the person's) submissions are still unread."""
    return _figures(request).get(UNREAD, 0)


def pending_count(request):
    return sum(counts(request).values())


def items(request, kind=None):
    """The newest pending items (of `kind`, or of every kind); providers with nothing pending are
    not asked (the counts say so already)."""
    limit = settings.ZHTJ["INBOX_PAGE_SIZE"]
    pending = counts(request)
    found = []
    for p in providers_for(request):
        if (kind and p.kind != kind) or not pending.get(p.kind):
            continue
        for obj in p.pending(request)[:limit]:
            title, url = p.describe(obj)
            found.append(Item(p.kind, p.label, title, url, obj.created_at))
    found.sort(key=lambda i: i.created_at, reverse=True)
    return found[:limit]


def notify(*, org=None, person=None, kind, text, link=""):
    """A result for a submitter's 操作中心: to an org's admins or to one person."""
    from .models import Notification

    return Notification.objects.create(
        recipient_org=org, recipient_person=person, kind=kind, text=text[:300], link=link
    )


def notifications_for(request):
    from .models import Notification

    org = getattr(request, "acting_org", None)
    if org is not None:
        return Notification.objects.filter(recipient_org=org)
    return Notification.objects.filter(recipient_person=request.user)
