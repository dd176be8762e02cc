"""截止事项 of 组织整顿 and 对标定级 (BEY-08): the REC-13 deadlines and the GRD-04 lock that fall
in the month, counted over the acting org's own record (a branch) or its direct sub-branches'
(a superior). Aggregate queries only: one for the campaign figures, one for the bottom 20%
one for 对标定级."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from orgs.models import Organization
from zhtj.core import deadlines

from . import grading
from . import services as s
from .choices import AWAITING_REVIEW, GRADING_CATEGORIES, KEY_OPEN_STATES, GrdState, RecState
from .models import GradingRecord


def _in(day, month_start, month_end):
    return month_start <= day <= month_end


@deadlines.register
def campaign_deadlines(request, month_start, month_end):
    """REC-13: this year's deadlines up to the month's end — a missed one stays (已逾期) while the
    campaign year lasts, since the work can still be done; next year's campaign starts afresh
    (unfinished key branches are carried into it, JOB-06)."""
    org = request.acting_org
    if org is None:
        return ()
    year = month_start.year
    due = s.deadlines(year)
    wanted = {k: d for k, d in due.items() if d <= month_end}
    if not wanted:
        return ()
    orgs = Organization.objects.filter(pk=org.pk) if org.is_branch_kind else s.rec_orgs(org, year)
    f = s.with_status(orgs, year).aggregate(
        not_submitted=Count("pk", filter=Q(rec_state=RecState.NOT_SUBMITTED)),
        waiting=Count("pk", filter=Q(rec_state__in=AWAITING_REVIEW)),
        key_open=Count("pk", filter=Q(rec_state__in=KEY_OPEN_STATES)),
    )
    own = org.is_branch_kind
    found = []
    if "self_check" in wanted:
        url = reverse("rectification:self_check" if own else "rectification:evaluate_list")
        title = "团支部自检表提交截止" if own else "直属团支部自检表提交截止（未提交）"
        found.append(deadlines.Deadline(title, wanted["self_check"], f["not_submitted"], url))
    if "review" in wanted and not own:
        url = reverse("rectification:branches")
        found.append(deadlines.Deadline("自检表审核截止（待审核）", wanted["review"], f["waiting"], url))
        if s.bottom_due(org, year):
            found.append(deadlines.Deadline("勾选排名后 20% 团支部截止", wanted["review"], 1, url))
    if "key" in wanted:
        url = reverse("rectification:self_check" if own else "rectification:branches")
        title = "重点整顿完成截止（本支部重点整改中）" if own else "重点整顿团支部完成整改截止"
        found.append(deadlines.Deadline(title, wanted["key"], f["key_open"], url))
    return found


@deadlines.register
def grading_lock(request, month_start, month_end):
    """GRD-04: every 对标定级 review of the year locks at GRD_LOCK_AT. The reviewing org (the direct
    superior: a 团委, or a 团总支 over its branches) sees its direct subs' self-ratings still
    unreviewed; a 团(总)支部 its own. A 团总支 is both. One query; gone once the lock has passed
    (nothing can be done after it)."""
    org = request.acting_org
    if org is None:
        return ()
    lock = timezone.localtime(grading.lock_moment(month_start.year))
    if not _in(lock.date(), month_start, month_end) or timezone.now() >= lock:
        return ()
    pending = GradingRecord.objects.filter(year=month_start.year, state=GrdState.PENDING)
    # `any_of`: the org and its direct subs by index, not an OR over a join to every org (180 ms)
    here = Organization.objects.filter(Q(pk=org.pk) | Q(parent=org)).values("pk")
    f = pending.filter(org__any_of=here).aggregate(
        own=Count("pk", filter=Q(org=org)), subs=Count("pk", filter=~Q(org=org))
    )
    found = [
        deadlines.Deadline(
            f"对标定级复核锁定（{lock:%H:%M}），尚未复核",
            lock.date(),
            f["subs"],
            reverse("rectification:grading_review"),
            note="锁定后复核结果不能再修改",
        )
    ]
    if org.category in GRADING_CATEGORIES:
        found.append(
            deadlines.Deadline(
                f"对标定级复核锁定（{lock:%H:%M}），本组织自评尚未复核",
                lock.date(),
                f["own"],
                reverse("rectification:grading_self"),
            )
        )
    return found
