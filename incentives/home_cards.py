"""我的首页 card of 团内激励 (ME-01) and the 推优 截止事项 (BEY-08, INC-12): one query each."""

from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse

from zhtj.core import deadlines, home

from .choices import TERMINAL_STATUSES, DevelopmentKind, State
from .models import Development, due_before
from .scope import subtree_q
from .services import records_of


@home.register
def incentives_card(request):
    if request.acting_org is not None or not request.user.is_authenticated:
        return None
    n = records_of(request.user).count()
    return home.Card("我的激励", (f"团内激励记录：{n}条",), reverse("incentives:mine"), order=70)


@deadlines.register
def party_track_due(request, month_start, month_end):
    """INC-12: 推优 records of the subtree whose one year since the last step ends this month,
    and those already due (更新状态 not yet done). One aggregate query."""
    org = request.acting_org
    if org is None:
        return ()
    lo, hi = due_before(month_start), due_before(month_end)
    tracked = (
        Development.objects.filter(subtree_q(org, "record__person__branch"))
        .filter(dev_kind=DevelopmentKind.PARTY, record__state=State.APPROVED)
        .exclude(status__in=TERMINAL_STATUSES)
    )
    upcoming = Q(update_due=False, last_step_on__gte=lo, last_step_on__lte=hi)
    overdue = Q(update_due=True)
    f = tracked.aggregate(
        upcoming=Count("pk", filter=upcoming),
        upcoming_first=Min("last_step_on", filter=upcoming),
        overdue=Count("pk", filter=overdue),
        overdue_first=Min("last_step_on", filter=overdue),
    )
    url = reverse("incentives:development")
    years = settings.ZHTJ["INC_TRACK_PROMPT_YEARS"]
    found = []
    if f["overdue"]:
        found.append(
            deadlines.Deadline(
                "推优入党：已满1年，待更新状态", _plus_years(f["overdue_first"], years), f["overdue"], url
            )
        )
    if f["upcoming"]:
        found.append(
            deadlines.Deadline(
                "推优入党：本月满1年，需更新状态", _plus_years(f["upcoming_first"], years), f["upcoming"], url
            )
        )
    return found


def _plus_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
