"""截止事项 of 团组织关系转接 (BEY-08, TRF-10): 学社衔接 transfers waiting for the acting org whose
收尾期 return date (10 days after the later of the step's start and the start of 收尾期) falls in
the month. Returns happen only inside 收尾期 (the job's rule), so a month of 申请期 or 审核期 lists
nothing. One aggregate query."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from zhtj.core import deadlines

from .calendar import closing_end, closing_start
from .models import Transfer
from .services import pending_q


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@deadlines.register
def graduate_returns(request, month_start, month_end):
    org = request.acting_org
    if org is None:
        return ()
    days = timedelta(days=settings.ZHTJ["TRF_RETURN_DAYS"])
    closing = closing_start(month_end)
    last = min(month_end, closing_end(closing))  # the month's last day on which the job returns
    if last < month_start:
        return ()
    # return date in the month ⇔ the later of (step start, 收尾期 start) lies 10 days earlier
    lo, hi = month_start - days, last - days
    started_late = Q(step_started_at__gte=_start_of(max(lo, closing)), step_started_at__lt=_start_of(hi + timedelta(1)))
    started_early = Q(step_started_at__lt=_start_of(closing)) if lo <= closing <= hi else Q(pk__in=[])
    figures = Transfer.objects.filter(pending_q(org), started_late | started_early, is_graduate=True).aggregate(
        count=Count("pk"), first=Min("step_started_at")
    )
    if not figures["count"]:
        return ()
    first_step = max(timezone.localdate(figures["first"]), closing)
    return [
        deadlines.Deadline(
            "学社衔接组织关系转接待审核（收尾期逾期将被系统退回）",
            first_step + days,
            figures["count"],
            reverse("transfers:approvals"),
            note=f"收尾期内超过{days.days}天未审核的申请将退回发起方",
        )
    ]
