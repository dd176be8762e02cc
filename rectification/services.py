"""整理整顿: the campaign calendar (REC-10, REC-13), submissions and reviews through the record's
state machine, the bottom 20% (REC-05), the two progress views (REC-11, REC-12), the year-end
carry-over (JOB-06) and locked-form corrections (BEY-02). Views stay thin and call these."""

import math
from calendar import monthrange
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from orgs.choices import POOL_CATEGORIES, Industry
from orgs.graduation import province_of
from orgs.models import Organization
from zhtj.core import change_review, inbox
from zhtj.core.access import check_direct_superior
from zhtj.core.tree import holds_every_org, subtree_q
from zhtj.core.workflow import WorkflowError, by_system, perform

from .calendar import (  # noqa: F401  the campaign calendar is also read as s.current_month() …
    _months,
    campaign_months,
    campaign_year,
    current_month,
    in_campaign,
)
from .choices import (
    BOTTOM_ELIGIBLE_STATES,
    BOTTOM_EXCLUDED_CATEGORIES,
    KEY_DONE_STATES,
    KEY_OPEN_STATES,
    LOCKED_STATES,
    RecState,
)
from .models import BottomSelection, CampaignRecord, SelfCheck, SelfCheckCorrectionRequest


class RecError(Exception):
    """Refused input or action; the message is for the user. 400 bad input, 403 not allowed,
    409 the state of the data refuses it."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


# --- the calendar (REC-10, REC-13) ---------------------------------------------------------------


def deadline(key, year):
    month, day = settings.ZHTJ[key]
    return date(year, month, min(day, monthrange(year, month)[1]))


def deadlines(year):
    return {
        "self_check": deadline("REC_SELF_CHECK_DEADLINE", year),
        "review": deadline("REC_REVIEW_DEADLINE", year),
        "key": deadline("REC_KEY_DEADLINE", year),
    }


def months_before(day, months):
    """The same day `months` calendar months earlier (clamped to the month's end)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(y, m + 1, min(day.day, monthrange(y, m + 1)[1]))


def md(day):
    return f"{day.month}月{day.day}日"


def parse_month(raw, year):
    """?month=YYYY-MM of the campaign's months, or None for bad input."""
    raw = (raw or "").strip()
    for m in campaign_months(year):
        if raw == f"{m:%Y-%m}":
            return m
    return None


# --- records and statuses ----------------------------------------------------------------------


def record_for(branch, year):
    try:
        with transaction.atomic():
            return CampaignRecord.objects.get_or_create(branch=branch, year=year)[0]
    except IntegrityError:  # created by a concurrent request
        return CampaignRecord.objects.get(branch=branch, year=year)


def with_status(orgs, year):
    """Annotate orgs with their record's state (未提交 without a record), poor count and flags."""
    rec = CampaignRecord.objects.filter(branch=OuterRef("pk"), year=year)
    return orgs.annotate(
        rec_state=Coalesce(Subquery(rec.values("state")[:1]), Value(RecState.NOT_SUBMITTED.value)),
        rec_id=Subquery(rec.values("pk")[:1]),
        rec_poor=Subquery(rec.values("poor_count")[:1]),
        rec_bottom=Coalesce(Subquery(rec.values("bottom_selected")[:1]), Value(False)),
        last_submitted=Subquery(
            SelfCheck.objects.filter(record__branch=OuterRef("pk"), record__year=year)
            .order_by("-submitted_at")
            .values("submitted_at")[:1]
        ),
    )


def rec_orgs(parent, year, *, whole_subtree=False):
    """The orgs 整理整顿 lists under `parent`: its direct sub-branches (whole_subtree: every branch
    below it), and any such org with a record this year (a 团总支 made a key branch by 不予定级,
    GRD-05)."""
    records = CampaignRecord.objects.filter(year=year)
    if not whole_subtree:
        below = Organization.objects.filter(parent=parent)
        has_record = Exists(records.filter(branch=OuterRef("pk")))
    elif holds_every_org(parent):
        # 团中央: the year's records all lie in its subtree, so the count reads them in one hashed
        # pass (the form below would read the country's orgs twice: 6 s -> 9-10 s nationally). A
        # join, not an EXISTS: PostgreSQL hashes an EXISTS beside an OR for a page's 20 rows too
        # (3.6 s nationally), while a join it probes row by row under a LIMIT.
        below = Organization.objects.exclude(pk=parent.pk).annotate(
            record_now=FilteredRelation("campaign_records", condition=Q(campaign_records__year=year))
        )
        has_record = Q(record_now__isnull=False)  # one record per branch and year: no row twice
    else:
        # Any smaller subtree: as an EXISTS beside the OR, PostgreSQL hashes the whole country's
        # records of the year (1.8 million nationally: 2.8 s for a province of 46,803 orgs). Only
        # the subtree's few orgs that are no branch need their records looked up: a set as small as they.
        below = Organization.objects.subtree_of(parent, include_self=False)
        others = records.filter(subtree_q(parent, "branch"), branch__is_branch_kind=False)
        has_record = Q(pk__in=others.values("branch_id"))
    # a 特殊单位专属库 is a pool, not a branch: never listed or counted (ORG-02)
    return below.filter(Q(is_branch_kind=True) | has_record).exclude(category__in=POOL_CATEGORIES)


def takes_part(org, year):
    if org.is_pool:
        return False
    return org.is_branch_kind or CampaignRecord.objects.filter(branch=org, year=year).exists()


STATE_LABELS = dict(RecState.choices)


# --- submitting (REC-02, REC-06, REC-09, REC-10) -------------------------------------------------


def _submitter_guard(org, by_superior):
    """The branch itself fills its 自检表; 上级评估 is its direct superior's (REC-02), checked on the
    locked row (SEC-04)."""

    def guard(locked):
        if by_superior:
            check_direct_superior(org, locked.branch)
        elif org is None or locked.branch_id != org.pk:
            raise PermissionDenied("只有本团支部的管理员可以填写本支部自检表。")

    return guard


def submit_check(branch, answers, month, *, by, org, by_superior=False, seen=None):
    """One 自检表 through the record's `submit` transition, all or nothing (a refused form leaves no
    record behind); the superior is told it waits. `seen`: the status the form was rendered in."""
    year = campaign_year()
    with transaction.atomic():
        record = record_for(branch, year)
        if record.state in LOCKED_STATES:
            raise RecError(
                "该团支部自检表“较差”项为0且已通过上级审核（或上级评估），自检表已锁定，不能修改。"
                "如确需更正，请由上级团组织提交自检表更正申请，经省级团委审批同意后重新填写。",
                status=409,
            )
        try:
            record = perform(
                record,
                "submit",
                guard=_submitter_guard(org, by_superior),
                seen_state=seen,
                by=by,
                org=org,
                answers=answers,
                month=month,
                by_superior=by_superior,
            )
        except WorkflowError as exc:
            raise RecError(str(exc), status=409) from None
    # A branch's own form waits in its superior's 操作中心 (provider): nothing to copy.
    if not by_superior and record.state == RecState.KEY:  # REC-04: ≥ threshold without a review
        inbox.notify(
            org=branch.parent,
            kind=CampaignRecord.inbox_kind,
            text=f"“{branch.name}”提交的自检表“较差”项为{record.poor_count}项，已纳入重点整顿团支部（重点整改中）。",
            link=reverse("rectification:review", args=[branch.pk]),
        )
    if by_superior:
        inbox.notify(
            org=branch,
            kind=CampaignRecord.inbox_kind,
            text=f"上级团组织已评估本支部{year}年团支部自检表，整顿状态：{record.get_state_display()}",
            link=reverse("rectification:self_check"),
        )
    return record


REVIEW_ACTIONS = {
    "reject": "不通过",
    "approve": "通过",
    "start_key": "开始整改",
    "pass_key": "通过",
    "continue_key": "继续整改",
}


def review(record, action, *, by, acting, note="", seen=None):
    """是否整改 (REC-03/04) and the key branch's re-review (REC-07) by the branch's direct superior,
    checked on the locked row (SEC-04; `seen`: the status the page showed); the branch is told (REC-06)."""
    note = (note or "").strip()
    if action not in REVIEW_ACTIONS:
        raise RecError("不支持的审核操作。")
    if len(note) > 200:
        raise RecError("审核意见不能超过 200 个字。")
    try:
        record = perform(
            record,
            action,
            guard=lambda locked: check_direct_superior(acting, locked.branch),
            seen_state=seen,
            by=by,
            note=note,
        )
    except WorkflowError as exc:
        raise RecError(str(exc), status=409) from None
    text = f"上级团组织审核了本支部{record.year}年团支部自检表：{REVIEW_ACTIONS[action]}"
    if record.state in KEY_OPEN_STATES:
        text += "。本支部已被纳入重点整顿团支部，请整改后编辑自检表重新提交"
    elif action == "reject":
        text += "，请整顿后再次提交"
    inbox.notify(
        org=record.branch,
        kind=CampaignRecord.inbox_kind,
        text=f"{text}（整顿状态：{record.get_state_display()}）。",
        link=reverse("rectification:self_check"),
    )
    return record


# --- 勾选排名后 20% 团支部 (REC-05) ------------------------------------------------------------------


def _founded_before(today):
    return timezone.make_aware(datetime.combine(months_before(today, settings.ZHTJ["REC_MIN_AGE_MONTHS"]), time.max))


def bottom_candidates(parent, year, today=None):
    """Direct sub-branches that may be selected: not 毕业生团组织 / 待接转团支部, at least
    REC_MIN_AGE_MONTHS old, and in a state the seed allows (not 合格 / 整改后合格 / 重点整改后合格).
    `bottom_refusal` is the same rule for one row, with the reason."""
    return (
        with_status(Organization.objects.filter(parent=parent).branches(), year)
        .exclude(category__in=BOTTOM_EXCLUDED_CATEGORIES)
        .filter(created_at__lte=_founded_before(today or timezone.localdate()), rec_state__in=BOTTOM_ELIGIBLE_STATES)
    )


def bottom_refusal(row, today=None):
    """REC-05 for one direct sub-branch annotated by `with_status`: why it can't be selected as
    排名后 20%, or None. The list shows this instead of a checkbox; select_bottom names it."""
    if row.category in BOTTOM_EXCLUDED_CATEGORIES:
        return f"{row.get_category_display()}不参加排名"
    if row.created_at > _founded_before(today or timezone.localdate()):
        months = settings.ZHTJ["REC_MIN_AGE_MONTHS"]
        return f"成立未满{months}个月（{timezone.localdate(row.created_at):%Y-%m-%d}成立）"
    if row.rec_state in KEY_OPEN_STATES or row.rec_state == RecState.DELISTED:
        return f"已纳入重点整顿（{STATE_LABELS[row.rec_state]}）"
    if row.rec_state not in BOTTOM_ELIGIBLE_STATES:
        return f"整顿状态为{STATE_LABELS[row.rec_state]}"
    return None


def bottom_minimum(eligible):
    """At least ceil(20%) of the eligible branches; at least 1 when there are any (fewer than 5 → 1)."""
    if eligible == 0:
        return 0
    return max(1, math.ceil(eligible * settings.ZHTJ["REC_BOTTOM_PERCENT"] / 100))


def bottom_done(parent, year):
    return BottomSelection.objects.filter(org=parent, year=year).first()


def bottom_due(parent, year):
    """The bottom 20% is still to pick: not done this year and some branch may be selected (with
    every sub-branch 合格, say, there is nothing to pick and nothing to remind of)."""
    done = BottomSelection.objects.filter(org=parent, year=year)
    return bottom_candidates(parent, year).exclude(Exists(done)).exists()  # one query


def select_bottom(parent, ids, *, by):
    """All or nothing: every id a candidate, at least the minimum, once a year (final)."""
    year = campaign_year()
    if not in_campaign():
        first, last = _months()
        raise RecError(
            f"当前不在整理整顿集中开展期间（每年{first}月至{last}月），不能勾选排名后 20% 团支部。", status=409
        )
    with transaction.atomic():
        # Lock the superior's row: two admins selecting at once are serialized.
        Organization.objects.select_for_update().filter(pk=parent.pk).first()
        if bottom_done(parent, year):
            raise RecError("本年度已勾选排名后 20% 团支部，一经确定无法撤销或再次勾选。", status=409)
        candidates = {o.pk: o for o in bottom_candidates(parent, year)}
        if not candidates:
            raise RecError("目前没有可勾选的下级团支部。", status=409)
        ids = set(ids)
        wrong = ids - set(candidates)
        if wrong:
            rows = with_status(Organization.objects.filter(pk__in=wrong), year).order_by("tree_id", "lft")
            reasons = "；".join(f"{row.name}：{bottom_refusal(row) or '不是本组织的直属团支部'}" for row in rows)
            raise RecError(f"以下团支部不能被勾选为排名后 20% 团支部——{reasons}。")
        need = bottom_minimum(len(candidates))
        if len(ids) < need:
            raise RecError(
                f"可勾选的团支部共{len(candidates)}个，排名后 20% 团支部至少需要勾选{need}个，您勾选了{len(ids)}个。"
            )
        for pk in sorted(ids):
            record = record_for(candidates[pk], year)
            perform(record, "select_bottom", guard=by_system, by=by, note="勾选排名后20%团支部")
            inbox.notify(
                org=candidates[pk],
                kind=CampaignRecord.inbox_kind,
                text=f"本支部已被上级团组织确定为{year}年排名后 20% 团支部，纳入重点整顿团支部（重点整改中），"
                "请整改后编辑自检表重新提交。",
                link=reverse("rectification:self_check"),
            )
        try:
            with transaction.atomic():
                BottomSelection.objects.create(
                    org=parent, year=year, count=len(ids), eligible=len(candidates), selected_by=by
                )
        except IntegrityError:  # another admin's selection won the race: undo ours entirely
            raise RecError("本年度已勾选排名后 20% 团支部，一经确定无法撤销或再次勾选。", status=409) from None
    return len(ids)


# --- GRD-05: 不予定级 → key rectification --------------------------------------------------------------


def make_key_by_grading(org, year, *, by):
    record = record_for(org, year)
    if record.state in KEY_OPEN_STATES:
        return record
    return perform(record, "grading_key", guard=by_system, by=by, note="对标定级复核结果为不予定级")


# --- 重点整顿团支部列表 (REC-11) and 下级团支部整顿进度 (REC-12) ----------------------------------------------


def key_list(parent, year):
    """Direct sub-orgs under key rectification this year (in it now or done with it), each with the
    items rectified per campaign month, not cumulative: one query."""
    months = campaign_months(year)
    in_month = {
        f"m{m.month}": Coalesce(
            Sum(
                "checks__improved",
                filter=Q(checks__month=m, checks__while_key=True),
            ),
            0,
        )
        for m in months
    }
    return (
        CampaignRecord.objects.filter(branch__parent=parent, year=year, key_since__isnull=False)
        .select_related("branch")
        .annotate(**in_month)
        .order_by("branch__tree_id", "branch__lft")
    )


def progress(org, year):
    """Key branches of `org`'s subtree by industry: how many, and how many finished in each campaign
    month (not cumulative). One aggregate query, whatever the size of the subtree."""
    months = campaign_months(year)
    per_month = {
        f"m{m.month}": Count(
            "pk",
            filter=Q(
                state__in=KEY_DONE_STATES,
                key_done_at__date__gte=m,
                key_done_at__date__lt=(m + timedelta(days=32)).replace(day=1),
            ),
        )
        for m in months
    }
    rows = (
        CampaignRecord.objects.filter(subtree_q(org, "branch"), year=year, key_since__isnull=False)
        .values("branch__industry")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(state__in=KEY_DONE_STATES)), **per_month)
        .order_by("branch__industry")
    )
    labels = dict(Industry.choices)
    result = []
    for row in rows:
        row["industry"] = labels.get(row["branch__industry"], "未填写行业类别")
        row["months"] = [row[f"m{m.month}"] for m in months]
        result.append(row)
    return result


# --- JOB-06: year-end carry-over (REC-13) ------------------------------------------------------------


def carry_over(moment):
    """Key branches unfinished when their campaign's key deadline has passed move into next year's
    campaign as 重点整改中. Set-based (one INSERT of the missing rows), idempotent."""
    local = timezone.localtime(moment)

    def over(y):  # the key deadline of year y is over at the end of its day
        return timezone.make_aware(datetime.combine(deadline("REC_KEY_DEADLINE", y) + timedelta(days=1), time.min))

    # The last campaign year whose key deadline is over at `moment`.
    year = local.year if moment >= over(local.year) else local.year - 1
    has_next = CampaignRecord.objects.filter(branch=OuterRef("branch"), year=OuterRef("year") + 1)
    due = (
        CampaignRecord.objects.filter(year__lte=year, state__in=KEY_OPEN_STATES)
        .exclude(Exists(has_next))
        .values_list("branch_id", "year", "poor_count")
    )
    now = timezone.now()
    rows = [
        CampaignRecord(branch_id=b, year=y + 1, state=RecState.KEY, poor_count=poor, key_since=now, carried_over=True)
        for b, y, poor in due
    ]
    CampaignRecord.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return {"changed": len(rows), "campaign_year": year, "carried": len(rows)}


# --- BEY-02: 自检表更正 -------------------------------------------------------------------------------


def pending_correction(record):
    return SelfCheckCorrectionRequest.objects.filter(record=record, state=SelfCheckCorrectionRequest.State.PENDING)


def file_correction(acting, record, *, explanation, by):
    """An admin of the branch's superior chain asks the provincial committee to reopen a locked form."""
    explanation = (explanation or "").strip()
    if not explanation:
        raise RecError("请填写需修改的原因。")
    if len(explanation) > 500:
        raise RecError("更正原因不能超过 500 个字。")
    if record.state not in LOCKED_STATES:
        raise RecError("该团支部的自检表未锁定，无需申请更正，团支部可直接编辑后重新提交。", status=409)
    approver = province_of(record.branch)
    if approver is None:
        raise RecError("未找到该团支部所属的省级团委，无法提交更正申请，请联系系统运维人员。", status=409)
    try:
        return change_review.file(
            SelfCheckCorrectionRequest,
            one_open="该团支部已有一条待审批的自检表更正申请，请等待省级团委处理。",
            by=by,
            record=record,
            filed_by_org=acting,
            approver=approver,
            explanation=explanation,
        )
    except WorkflowError as exc:
        raise RecError(str(exc), status=409) from None


def reopen_for_correction(req, *, by):
    """同意 of a 自检表更正: the locked form is reopened (`CampaignRecord.unlock`, REC-09) and the
    branch is told to fill it in again."""
    perform(req.record, "unlock", guard=by_system, by=by, note=f"自检表更正申请#{req.pk}：{req.explanation}")
    inbox.notify(
        org=req.record.branch,
        kind=SelfCheckCorrectionRequest.inbox_kind,
        text="省级团委已同意本支部自检表更正申请，请在“团支部自检”中重新填写提交。",
        link=reverse("rectification:self_check"),
    )


def decide_correction(req, decision, *, by, acting, note="", seen=None):
    """The 省级团委's 同意 / 不同意 (`change_review.decide`); 同意 reopens the form in the same
    transaction."""
    return change_review.decide(req, decision, by=by, acting=acting, note=note, seen=seen, apply=reopen_for_correction)
