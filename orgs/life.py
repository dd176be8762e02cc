"""组织生活 rules (ORG-18): who may publish, what a date may be, registering and deciding.

The views stay thin; every rule is here or on the models/forms.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from zhtj.core import audit, batch, inbox
from zhtj.core.workflow import AlreadyHandled, WorkflowError, perform, perform_many

from .models_life import AnnualRegistration

NOT_A_BRANCH = "组织生活记录（会议发布、团课上传、活动发布）由团支部管理员录入，请切换到团支部后操作。"
NOT_THIS_BRANCH = "只有本团支部的管理员可以修改或审批，上级组织可以查看。"
REASON_MAX_LENGTH = 200


class LifeError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def require_branch(org):
    """ORG-18: records are published by a branch-kind org's admin only."""
    if org is None or not org.is_branch_kind:
        raise PermissionDenied(NOT_A_BRANCH)


def require_own_branch(org, branch_id):
    """Editing and deciding belong to the branch itself; ancestors may view (scope)."""
    if org is None or org.pk != branch_id:
        raise PermissionDenied(NOT_THIS_BRANCH)


def date_bounds(today=None):
    """ORG-18 (decision): a record's date lies between N years back and M days ahead."""
    today = today or timezone.localdate()
    earliest = today.replace(year=today.year - settings.ZHTJ["ORG_LIFE_MAX_PAST_YEARS"], month=1, day=1)
    return earliest, today + timedelta(days=settings.ZHTJ["ORG_LIFE_MAX_FUTURE_DAYS"])


def save_record(form, *, branch, by):
    """Save a LifeRecord form (new or edit) and its participants in one transaction.
    A concurrent duplicate (same natural key) becomes a LifeError, never a 500."""
    record = form.instance
    creating = record.pk is None
    record.branch = branch
    if creating:
        record.created_by = by
    before = [] if creating else sorted(record.participants.values_list("name", flat=True))
    try:
        with transaction.atomic():
            record = form.save()
            after = sorted(record.participants.values_list("name", flat=True))
            if not creating and before != after:
                # BEY-05: field edits are logged by HistoryMixin; who took part is logged here.
                audit.record(record, "participants", changes={"participants": [before, after]}, actor=by)
    except IntegrityError:
        raise LifeError(duplicate_message(record), status=409) from None
    return record, creating


def duplicate_message(record):
    return (
        f"本支部已有一条{record.get_kind_display()}记录：{record.date:%Y-%m-%d}“{record.topic}”，"
        "不能重复录入。如需更正，请在原记录上点击“编辑”修改。"
    )


# --- 年度团籍注册 -----------------------------------------------------------------------------


def current_year():
    return timezone.localdate().year


def registration_of(person, year=None):
    """The member's live (pending or approved) registration of the year, else the latest rejected one."""
    year = year or current_year()
    regs = AnnualRegistration.objects.filter(person=person, year=year).order_by("-created_at")
    return regs.exclude(state=AnnualRegistration.State.REJECTED).first() or regs.first()


def register(person, note=""):
    """A member registers for the current year (ORG-18): once per year (constraint)."""
    if person.branch_id is None:
        raise LifeError("您目前没有团组织关系，无法进行年度团籍注册。", status=409)
    note = (note or "").strip()
    if len(note) > 200:
        raise LifeError("注册说明不能超过200字。")
    year = current_year()
    try:
        with transaction.atomic():
            reg = AnnualRegistration.objects.create(person=person, branch_id=person.branch_id, year=year, note=note)
    except IntegrityError:
        raise LifeError(f"您已提交{year}年度团籍注册，无需重复提交。", status=409) from None
    return reg


def decide(reg, decision, *, by, acting, note="", seen=None):
    """同意 or 不同意 (a reason is required) one registration, by its branch (decided on the locked
    row, SEC-04); the member is told the result."""
    note = (note or "").strip()
    if decision not in ("approve", "reject"):
        raise LifeError("不支持的操作，请重新提交。")
    if decision == "reject" and not note:
        raise LifeError("不同意时请填写原因。")
    if len(note) > REASON_MAX_LENGTH:
        raise LifeError(f"审批意见不能超过{REASON_MAX_LENGTH}字。")
    try:
        with transaction.atomic():  # the decision and the member's notice together (SEC-04)
            reg = perform(
                reg,
                decision,
                guard=lambda locked: require_own_branch(acting, locked.branch_id),
                seen_state=seen,
                by=by,
                note=note,
            )
            verdict = "已通过" if decision == "approve" else f"未通过（{note}）"
            inbox.notify(
                person=reg.person,
                kind=AnnualRegistration.inbox_kind,
                text=f"您的{reg.year}年度团籍注册{verdict}。",
                link=reverse("orgs:my_life"),
            )
    except WorkflowError as exc:
        raise LifeError(str(exc), status=409) from None
    return reg


def approve_many(regs, *, by, acting, seen):
    """批量审批: approve each pending one (each its own transaction); those already decided
    by someone else are skipped and counted. `seen`: each row's state as the list showed it."""
    done = skipped = 0
    for reg in regs:
        try:
            decide(reg, "approve", by=by, acting=acting, seen=seen[reg.pk])
            done += 1
        except (LifeError, AlreadyHandled):
            skipped += 1
    return done, skipped


@batch.register("orgs.registrations")
def approve_set(job, progress):
    """年度团籍注册审批 of the whole filtered set (issue 17): `perform_many` with the branch rule as
    the guard on each locked row (only the registration's own branch decides), one audit row and one
    result for the member each; those someone decided meanwhile come back with the reason."""
    acting, link = job["org"], reverse("orgs:my_life")

    def after(rows):
        inbox.notify_many(
            {
                "person_id": reg.person_id,
                "kind": AnnualRegistration.inbox_kind,
                "text": f"您的{reg.year}年度团籍注册已通过。",
                "link": link,
            }
            for reg in rows
        )

    done, failures = perform_many(
        AnnualRegistration.objects.select_related("person"),
        job["pks"],
        "approve",
        guard=lambda locked: require_own_branch(acting, locked.branch_id),
        by=job["actor"],
        after=after,
        progress=progress,
    )
    return done, [(reg if hasattr(reg, "pk") else f"第{reg}号年度团籍注册", reason) for reg, reason in failures]
