"""Which incentive records an acting org sees (ROLE-02, TRF-08)."""

from django.conf import settings
from django.db import connection
from django.db.models import Q

from zhtj.core.access import acting_org_or_404
from zhtj.core.pagination import ByIds
from zhtj.core.tree import holds_every_org, subtree_q

from .models import IncentiveRecord

NEWEST = ("-created_at", "-pk")


def listed():
    """**(decision)** How many records an incentive list counts and pages through (共 N 条以上 beyond):
    a tenth of LIST_COUNT_MAX, since each way a record is visible reads that many rows, newest first."""
    return settings.ZHTJ["LIST_COUNT_MAX"] // 10


# The level of a province: the orgs directly under 团中央, whose records carry their id (below).
TOP_LEVEL = 1


def _arms(org):
    """The four ways a record is visible to `org`, each one condition an index can serve. A province
    asks the record's kept provinces (`recorder_top`, `person_top`: its recording org's and its
    member's now, kept by triggers, incentives/migrations/0002), one equality its (kind, province,
    created_at) index reads newest first; its subtree's range would be checked record by record
    (the province holds a seventeenth of the country's records: 761 ms at 2,000,000 members).
    Other orgs ask the range: a city's or a branch's records are few, and 团中央 reads them all."""
    if connection.vendor == "postgresql" and org.level == TOP_LEVEL:
        recorded, held = Q(recorder_top=org.pk), Q(person_top=org.pk)
    else:
        recorded, held = subtree_q(org, "recorder"), subtree_q(org, "person__branch")
    return (recorded, held, Q(grantor=org), Q(delegate=org))


def visible_records(request):
    """Records recorded in the acting org's subtree, records whose subject now sits in it (they
    follow the member, TRF-08), and honors it grants or was delegated. Anything else is a 404."""
    org = acting_org_or_404(request)
    a, b, c, d = _arms(org)
    return IncentiveRecord.objects.filter(a | b | c | d)


def listed_records(request, kind, related=()):
    """The `kind` records of `visible_records`, newest first, for a list counted to LISTED
    (`paginate(bounded=LISTED)`), their `related` rows joined: on PostgreSQL, the newest LISTED + 1
    of each way a record is visible, united by id. The OR of `visible_records` spans two joins, so
    PostgreSQL could only read every record of the country against it (4-10 s for any org at
    2,000,000 members); each arm alone is one range join it serves from an index, newest first,
    and the union holds the list's first LISTED rows, all a bounded list shows. The union runs
    once (`ByIds`): it is the page's cost, each arm checking the subtree record by record."""
    org = acting_org_or_404(request)
    records = IncentiveRecord.objects.filter(kind=kind)
    most = listed() + 1
    fetch = IncentiveRecord.objects.select_related(*related)
    if holds_every_org(org):  # 团中央: every record is visible, the arms would only check each one
        ids = records.order_by(*NEWEST)
    elif connection.vendor != "postgresql":  # SQLite can't limit the parts of a UNION
        ids = visible_records(request).filter(kind=kind).order_by(*NEWEST)
    else:
        arms = [records.filter(q).order_by(*NEWEST).values("pk")[:most] for q in _arms(org)]
        # `any_of`: the ids as an array looked up by primary key, not a hash join over every record
        ids = records.filter(pk__any_of=arms[0].union(*arms[1:])).order_by(*NEWEST)
    return ByIds(ids.values_list("pk", flat=True), fetch, most)
