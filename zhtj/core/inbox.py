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
from django.db import connection
from django.db.models import F


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


def counts(request):
    """{kind: pending count} in ONE query, whatever the data size and however many providers
    the apps register: each provider's queryset becomes a COUNT sub-select of one UNION ALL.
    Kept on the request: the header badge and the 操作中心 page ask for the same figures."""
    cached = getattr(request, "_inbox_counts", None)
    if cached is not None:
        return cached
    providers = providers_for(request)
    parts, params = [], []
    for i, p in enumerate(providers):
        queryset = p.pending(request).order_by().values("pk")
        if queryset.query.is_empty():  # .none(): nothing to ask the database
            continue
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"SELECT {i}, COUNT(*) FROM ({sql}) AS pending_{i}")
        params.extend(part_params)
    found = {}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = dict(cursor.fetchall())
    request._inbox_counts = {p.kind: found.get(i, 0) for i, p in enumerate(providers)}
    return request._inbox_counts


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
