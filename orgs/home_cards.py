"""我的首页 cards of 组织生活 (ME-01, ORG-18): 三会·两制·一课 and 团日活动 of this year.

Both cards read the same figures, fetched once per request in one query (the member's
participations counted by kind, and the year's 年度团籍注册 state as a subquery).
"""

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse

from zhtj.core import home

from . import life
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
