"""团员电子档案 (ARC-01 … ARC-08): one PDF of the 《入团志愿书》 per new member, and the
change request that reopens an approved one (ARC-06).

States of an archive (no row at all = 尚未认证):

    upload by 团支部/团总支 ──▶ pending ──approve──▶ verified
    upload by 团委/团工委/领导机关 ───────────────────▶ verified
                                 pending ──reject───▶ rejected ──replace──▶ pending | verified
                                 verified ──replace (after an approved change request)──▶ pending | verified
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, transition

from orgs.choices import OrgCategory
from zhtj.core.change_requests import ChangeRequest, state_field
from zhtj.core.workflow import DecidedWorkflow, WorkflowError, by_system, perform

# 团的领导机关/团委/团工委: their uploads are 已认证 at once (ARC-02), and only they approve (ARC-03:
# the seed's 上级团委). A 团支部/团总支 upload waits for the nearest of them above it.
SELF_VERIFYING_CATEGORIES = frozenset({OrgCategory.LEADERSHIP, OrgCategory.COMMITTEE, OrgCategory.WORKING_COMMITTEE})


def superior_committee(org):
    """上级团委 of `org`: the nearest ancestor that is a 团的领导机关/团委/团工委 (one query), or None.
    A 团总支 never approves: for a 团支部 under one, it is the committee above the 团总支."""
    return org.get_ancestors(ascending=True).filter(category__in=SELF_VERIFYING_CATEGORIES).first()


def archive_upload_to(instance, filename):
    """A path nobody can guess; the member's name or ID never appears in it."""
    return f"archives/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


def archive_due_date(joined_month, entered_on=None):
    """ARC-01: due ARCHIVE_DUE_DAYS after joining. Only the month is stored, so the days are
    counted from the month's last day: never earlier than the real deadline.
    **(decision)** A member entered into the system after that day (录入 or imported years after
    joining) gets the same days counted from the day of entry (`entered_on`, the local date of
    `Person.date_joined`): nobody is overdue on the day they are entered. `archive_start()` is
    the same rule in SQL."""
    if joined_month is None:
        return None
    next_month = (joined_month.replace(day=28) + timedelta(days=4)).replace(day=1)
    start = next_month - timedelta(days=1)
    if entered_on is not None and entered_on > start:
        start = entered_on
    return start + timedelta(days=settings.ZHTJ["ARCHIVE_DUE_DAYS"])


def due_of(person):
    """`archive_due_date` of a Person row."""
    return archive_due_date(person.joined_month, timezone.localdate(person.date_joined))


class MonthEnd(models.Func):
    """The last day of a date's month, in SQL (PostgreSQL and SQLite)."""

    output_field = models.DateField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "(DATE_TRUNC('month', %(expressions)s) + INTERVAL '1 month - 1 day')::date"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = "DATE(%(expressions)s, 'start of month', '+1 month', '-1 day')"
        return self.as_sql(compiler, connection, template=template, **extra)


def archive_start(prefix=""):
    """The day a person's ARCHIVE_DUE_DAYS start, in SQL: the later of the join month's last day
    and the (local) day of entry — `archive_due_date` without the days added."""
    from django.db.models.functions import Greatest, TruncDate

    return Greatest(
        MonthEnd(f"{prefix}joined_month"), TruncDate(f"{prefix}date_joined"), output_field=models.DateField()
    )


class MemberArchive(DecidedWorkflow):
    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        VERIFIED = "verified", "已认证"
        REJECTED = "rejected", "认证不通过"

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="archive", verbose_name="团员"
    )
    file = models.FileField("入团志愿书", upload_to=archive_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    size = models.PositiveIntegerField("文件大小")
    pages = models.PositiveIntegerField("页数")
    state = FSMField("审批状态", default=State.PENDING, choices=State.choices, protected=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_by_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="上传组织"
    )
    # The uploader's 上级团委, who decides (ARC-02, ROLE-03); empty when verified at once.
    approver_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审批组织"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    inbox_kind = "archive_review"

    class Meta:
        verbose_name = "团员电子档案"
        verbose_name_plural = "团员电子档案"
        indexes = [models.Index(fields=["approver_org", "state"], name="archive_approver_state")]
        constraints = [
            # A pending archive always has someone to decide it.
            models.CheckConstraint(
                name="archive_pending_has_approver",
                condition=~Q(state="pending") | Q(approver_org__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.person.name}的团员电子档案"

    @staticmethod
    def state_after_upload(org):
        """ARC-02: 团的领导机关/团委/团工委 uploads are 已认证 at once; 团支部/团总支 uploads wait."""
        return (
            MemberArchive.State.VERIFIED if org.category in SELF_VERIFYING_CATEGORIES else MemberArchive.State.PENDING
        )

    @staticmethod
    def approver_for(org):
        """ARC-02: nobody for a committee's own upload; otherwise the uploader's 上级团委."""
        if org.category in SELF_VERIFYING_CATEGORIES:
            return None
        approver = superior_committee(org)
        if approver is None:
            raise WorkflowError("本组织没有上级团委，无法提交电子档案审批。")
        return approver

    def set_upload(self, *, name, original_name, size, pages, by, org):
        """The fields of a (re-)upload; the file itself is already in storage."""
        self.file.name = name
        self.original_name = original_name[:200]
        self.size = size
        self.pages = pages
        self.uploaded_by = by
        self.uploaded_by_org = org
        self.uploaded_at = timezone.now()
        self.approver_org = self.approver_for(org)
        self.reason = ""
        # Verified at once (ARC-02): the uploader's own decision; otherwise the approver's to come.
        self.decided_by = None if self.approver_org else by
        self.decided_at = None if self.approver_org else self.uploaded_at

    def may_replace(self, open_change=False):
        """替换档案 after 认证不通过, or after an approved change request (ARC-06). `open_change`: the
        archive's pending or approved request (or None) when the caller has read it already -- there
        is at most one (one_open_archive_change) -- which saves the query."""
        if self.state != self.State.VERIFIED:
            return self.state == self.State.REJECTED
        if open_change is not False:
            return open_change is not None and open_change.state == ArchiveChangeRequest.State.APPROVED
        return self.change_requests.filter(state=ArchiveChangeRequest.State.APPROVED).exists()

    @transition(field=state, source=State.PENDING, target=State.VERIFIED)
    def approve(self, by=None, note=""):
        self.record_decision(by, note)

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self, by=None, note=""):
        """ARC-03: 不同意 needs a reason, which the uploader sees."""
        self.record_refusal(by, note)

    @transition(
        field=state,
        source=[State.REJECTED, State.VERIFIED],
        target=RETURN_VALUE(State.PENDING, State.VERIFIED),
        conditions=[may_replace],
    )
    def replace(self, by=None, note="", *, upload):
        """替换档案: the new file's fields; an approved change request is used up (ARC-06)."""
        request = self.change_requests.select_for_update().filter(state=ArchiveChangeRequest.State.APPROVED).first()
        if request is not None:
            perform(request, "complete", guard=by_system, by=by, note="已重新上传电子档案")
        self.set_upload(**upload)
        return self.state_after_upload(upload["org"])


class ArchiveChangeRequest(ChangeRequest):
    """ARC-06: replacing an approved archive needs the superior committee's consent first; 同意
    changes nothing yet, it allows one 替换档案, which completes the request (`MemberArchive.replace`)."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意，待重新上传"
        REJECTED = "rejected", "不同意"
        WITHDRAWN = "withdrawn", "已撤回"
        DONE = "done", "已重新上传"

    archive = models.ForeignKey(
        MemberArchive, on_delete=models.CASCADE, related_name="change_requests", verbose_name="团员电子档案"
    )
    explanation = models.CharField("变更理由", max_length=300)
    state = state_field(State.choices)

    inbox_kind = "archive_change"
    target_field = "archive"
    review_url = "members:archive_change_review"
    not_decider = "隔级无法操作：只有上传组织的上级团委（审批组织）管理员可以审批。"

    class Meta:
        verbose_name = "团员电子档案变更申请"
        verbose_name_plural = "团员电子档案变更申请"
        constraints = [
            # One open request per archive: a double click or a second admin can't file two.
            models.UniqueConstraint(
                fields=["archive"], condition=Q(state__in=["pending", "approved"]), name="one_open_archive_change"
            ),
        ]
        indexes = [models.Index(fields=["approver", "state"], name="archchange_approver_state")]

    def __str__(self):
        return f"{self.archive.person.name}的电子档案变更申请"

    @property
    def subject(self):
        return f"{self.archive.person.name}的电子档案变更申请"

    @property
    def effect(self):
        return "请重新上传电子档案"

    @transition(field="state", source=State.APPROVED, target=State.DONE)
    def complete(self, by=None, note=""):
        pass
