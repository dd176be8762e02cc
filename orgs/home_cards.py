"""Home cards of the orgs app: on 我的首页, 组织生活 (ME-01, ORG-18): 三会·两制·一课 and 团日活动
of this year; on 组织首页, 工作通知 (NTC-02).

The two 组织生活 cards read the same figures, fetched once per request in one query (the member's
participations counted by kind, and the year's 年度团籍注册 state as a subquery).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from zhtj.core import home

from . import life, notices
from .choices import MEETING_KINDS, LifeKind, RegistrationState
from .models import AnnualRegistration


def _figures(request):
    cached = getattr(request, "_life_figures", None)
    if cached is not None:
        return cached
    person, year = request.user, life.current_year()
    # Same choice as life.registration_of: a live registration first, else the latest rejected one.
    registration = (
        AnnualRegistration.objects.filter(person=OuterRef("pk"), year=year)
        .annotate(
            rejected=Case(
                When(state=RegistrationState.REJECTED, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("rejected", "-created_at")
        .values("state")[:1]
    )
    this_year = Q(life_records__date__year=year)
    figures = (
        get_user_model()
        .objects.filter(pk=person.pk)
        .values("pk")
        .annotate(
            meetings=Count("life_records", filter=this_year & Q(life_records__kind__in=MEETING_KINDS)),
            lectures=Count("life_records", filter=this_year & Q(life_records__kind=LifeKind.LECTURE)),
            activities=Count("life_records", filter=this_year & Q(life_records__kind=LifeKind.ACTIVITY)),
            registration=Subquery(registration),
        )
        .first()
    )
    figures["year"] = year
    request._life_figures = figures
    return figures


def _member(request):
    return request.acting_org is None and request.user.is_authenticated


@home.register
def life_card(request):
    if not _member(request):
        return None
    f = _figures(request)
    state = RegistrationState(f["registration"]).label if f["registration"] else "未注册"
    return home.Card(
        "三会·两制·一课",
        (
            f"{f['year']}年参加三会：{f['meetings']}次",
            f"{f['year']}年参加团课：{f['lectures']}次",
            f"{f['year']}年度团籍注册：{state}",
        ),
        reverse("orgs:my_life"),
        order=30,
    )


@home.register
def activity_card(request):
    if not _member(request):
        return None
    f = _figures(request)
    return home.Card(
        "团日活动", (f"{f['year']}年参加团日活动：{f['activities']}次",), reverse("orgs:my_activities"), order=40
    )


@home.register(audience="org")
def work_notices(request):
    """工作通知 (NTC-02): the newest notices the acting org received, unread marked, the unread count
    beside the title; 查看 opens the list. Three queries (ancestors, rows, count)."""
    org = request.acting_org
    q = notices.received_q(org)
    if q is None:  # 团中央 receives nothing; it publishes
        return None
    received = notices.Notice.objects.filter(q)
    rows = received.annotate(is_read=notices.read_by(org)).order_by("-published_at", "-pk")
    rows = rows[: settings.ZHTJ["NTC_HOME_CARD_ROWS"]]
    unread = received.exclude(notices.read_by(org)).count()
    lines = tuple(
        home.Line(
            n.title,
            reverse("orgs:notice", args=[n.pk]),
            f"{timezone.localtime(n.published_at):%m-%d}",
            "" if n.is_read else "未读",
        )
        for n in rows
    )
    return home.Card(
        "工作通知",
        lines,
        link=reverse("orgs:notices"),
        order=10,
        badge=str(unread) if unread else "",
        empty="暂无工作通知",
        key="notice-card",
    )
