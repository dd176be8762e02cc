"""团内激励 (INC-01 … INC-15): one approval workflow for the five kinds.

`IncentiveRecord` is the workflow row every kind shares: who recorded it (the recording org,
kept for history and approvals), its subject person, its state, and for honors the granting
org and its delegate. Each kind's details live in a one-to-one table (`Evaluation`, `Honor`,
`Development`, `Joining`, `Opportunity`, `TrackUpdate`) whose hooks the shared transitions call.
So 上级认证, 操作中心, delete-before-approval and the audit trail are written once.

TRF-08: records point at the person, never at the person's org; "where a record shows now" is
the person's current branch, so a transfer moves nothing and the recorder keeps its history.
"""

from datetime import date
from math import floor

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, transition

from orgs.choices import OrgCategory
from orgs.models import Organization
from zhtj.core.workflow import Workflow, WorkflowError

from .choices import (
    GRADES_NEEDING_DECISION,
    TERMINAL_STATUSES,
    DevelopmentKind,
    Grade,
    HonorTitle,
    HonorType,
    Kind,
    OpportunityCategory,
    PartyCategory,
    State,
    TrackStatus,
)


def due_before(moment_date):
    """Records whose last step is on or before this date are due for 更新状态 (JOB-03, INC-12)."""
    years = settings.ZHTJ["INC_TRACK_PROMPT_YEARS"]
    try:
        return moment_date.replace(year=moment_date.year - years)
    except ValueError:  # 29 February
        return date(moment_date.year - years, 2, 28)


DETAIL_OF_KIND = {
    Kind.JOINING: "joining",
    Kind.EVALUATION: "evaluation",
    Kind.HONOR: "honor",
    Kind.OPPORTUNITY: "opportunity",
    Kind.DEVELOPMENT: "development",
    Kind.TRACK_UPDATE: "trackupdate",
}


def needs_superior_approval(org):
    """INC-13: records made by a 团支部 (any branch kind) or 团总支 wait for the direct superior."""
    return org.is_branch_kind or org.category == OrgCategory.GENERAL_BRANCH


class IncentiveRecordQuerySet(models.QuerySet):
    def awaiting(self, org):
        """What `org` may decide now: records of its direct sub-orgs waiting for the superior
        (ROLE-03), and honors waiting for it as granting org or as delegate (INC-09)."""
        subs = Organization.objects.filter(parent=org).values("pk")  # `any_of`: an index scan per arm
        return self.filter(
            Q(state=State.PENDING, recorder__any_of=subs)
            | Q(state=State.GRANTOR, grantor=org)
            | Q(state=State.GRANTOR, delegate=org)
        )


class IncentiveRecord(Workflow):
    kind = models.CharField("激励类型", max_length=16, choices=Kind.choices, db_index=True)
    recorder = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="记载组织"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="记载人"
    )
    # The subject (null for honors, whose recipients are on Honor).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="incentive_records",
        verbose_name="团员",
    )
    state = FSMField("认证状态", default=State.PENDING, choices=State.choices, protected=True)
    grantor = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="授予组织"
    )
    delegate = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="授权审批团组织",
    )
    summary = models.CharField("事项", max_length=200)
    first_approved_at = models.DateTimeField("首次审批时间", null=True, blank=True)
    superior_decision = models.CharField("上级认证", max_length=16, choices=State.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField("审批意见", max_length=200, blank=True)
    # The province (the level-1 org: a 省级团委 or another unit under 团中央) of the recording org
    # and of the member's branch now, kept by database triggers in the transaction of every change
    # (incentives/migrations/0003): a province's list reads them newest first from an index
    # (incentives/scope.py). Not foreign keys in the database: deleting an org must not look
    # through every record for them. NULL on SQLite, which doesn't use them.
    recorder_top = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )
    person_top = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )

    objects = IncentiveRecordQuerySet.as_manager()
    inbox_kind = "incentive"

    class Meta:
        verbose_name = "团内激励记载"
        verbose_name_plural = "团内激励记载"
        indexes = [
            models.Index(fields=["state", "kind"], name="inc_state_kind"),
            models.Index(fields=["recorder", "state"], name="inc_recorder_state"),
            models.Index(fields=["kind", "recorder_top", "created_at", "id"], name="inc_kind_recorder_top"),
            models.Index(fields=["kind", "person_top", "created_at", "id"], name="inc_kind_person_top"),
        ]

    def __str__(self):
        return self.summary

    @property
    def detail(self):
        return getattr(self, DETAIL_OF_KIND[self.kind])

    @property
    def deletable(self):
        """INC-13 / INC-09: the recorder may delete until the first approval, not after."""
        return self.first_approved_at is None and self.state != State.APPROVED

    def initial_state(self):
        """INC-13 / INC-09: a 团(总)支部's record waits for its direct superior; otherwise an honor
        granted by another org waits for that org; everything else takes effect at once."""
        if self.kind == Kind.TRACK_UPDATE:
            return State.PENDING  # INC-12: every 推优 update needs the superior committee
        if self.grantor_id and self.grantor_id == self.recorder_id:
            return State.APPROVED  # INC-09: recorder = granting org
        if needs_superior_approval(self.recorder):
            return State.PENDING
        if self.grantor_id:
            return State.GRANTOR
        return State.APPROVED

    def approver_ids(self):
        """Orgs that may decide the record now."""
        if self.state == State.PENDING:
            return {self.recorder.parent_id}
        if self.state == State.GRANTOR:
            return {self.grantor_id, self.delegate_id} - {None}
        return set()

    @transition(field=state, source=[State.PENDING, State.GRANTOR], target=RETURN_VALUE(State.GRANTOR, State.APPROVED))
    def approve(self, by=None, note="", acting=None, **changes):
        """The direct superior's approval moves an honor on to its granting org unless that is the
        superior itself (INC-09); the kind's hook checks its own conditions first (INC-04)."""
        self.detail.before_approve(self, acting=acting, **changes)
        if self.state == State.PENDING:
            self.superior_decision = State.APPROVED
        self.first_approved_at = self.first_approved_at or timezone.now()
        self.decided_by = by
        self.reason = note
        if self.state == State.PENDING and self.grantor_id and self.grantor_id != self.recorder.parent_id:
            return State.GRANTOR
        self.detail.on_effective(self)
        return State.APPROVED

    @transition(field=state, source=[State.PENDING, State.GRANTOR], target=State.REJECTED)
    def reject(self, by=None, note="", acting=None):
        """INC-14: 不通过 needs a reason."""
        if not (note or "").strip():
            raise WorkflowError("审批不通过须填写原因。")
        if self.state == State.PENDING:
            self.superior_decision = State.REJECTED
        self.decided_by = by
        self.reason = note.strip()[:200]

    @transition(field=state, source=State.REJECTED, target=State.PENDING)
    def resubmit(self, by=None, note="", acting=None):
        """A rejected 评议 result recorded again goes back to the superior."""
        self.superior_decision = ""
        self.reason = ""

    def approval_label(self):
        """上级认证 column (INC-06): - / 待认证 / 已认证 / 未通过."""
        if self.superior_decision:
            return State(self.superior_decision).label
        if self.state == State.PENDING:
            return State.PENDING.label
        if self.state == State.REJECTED:
            return State.REJECTED.label
        return "-"

    def grantor_label(self):
        """团组织认证 column of honors."""
        if self.state == State.GRANTOR:
            return State.PENDING.label
        if self.state == State.APPROVED:
            return State.APPROVED.label
        if self.state == State.REJECTED and self.superior_decision == State.APPROVED:
            return State.REJECTED.label
        return "-"


class Detail(models.Model):
    """Shared hooks of the kinds' detail rows."""

    record = models.OneToOneField(IncentiveRecord, on_delete=models.CASCADE, primary_key=True)

    class Meta:
        abstract = True

    def __str__(self):
        return str(self.record)

    def before_approve(self, record, acting=None, **changes):
        if changes:
            raise WorkflowError("此类激励审批时不能修改内容。")

    def on_effective(self, record):
        pass


def excellent_limit(evaluated):
    """INC-03: 优秀 ≤ floor(30% × members evaluated with a grade other than 未参加评议)."""
    return floor(evaluated * settings.ZHTJ["INC_EXCELLENT_PERCENT"] / 100)


class Evaluation(Detail):
    """评议激励 (INC-02 … INC-06): one result per member and year."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluations")
    # The branch that recorded it: INC-03's cap counts per branch and year.
    branch = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("评议年度")
    grade = models.CharField("评议结果", max_length=16, choices=Grade.choices)
    absence_reason = models.CharField("未参加评议原因", max_length=200, blank=True)
    decision_file = models.FileField("组织处置或纪律处分决定", upload_to="incentives/decisions/", blank=True)
    decision_viewed_at = models.DateTimeField("上级审阅处分决定时间", null=True, blank=True)

    class Meta:
        verbose_name = "评议激励"
        verbose_name_plural = "评议激励"
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_evaluation_per_person_year"),
            # INC-02: 未参加评议 needs its reason.
            models.CheckConstraint(
                name="absence_needs_reason", condition=~Q(grade=Grade.ABSENT) | ~Q(absence_reason="")
            ),
        ]
        indexes = [models.Index(fields=["branch", "year", "grade"], name="evaluation_branch_year")]

    @staticmethod
    def check_cap(branch, year, changes):
        """INC-03: refuse when the branch's year would have more 优秀 than the limit.
        `changes` is {person_id: grade} about to be written; call with the branch row locked."""
        grades = dict(Evaluation.objects.filter(branch=branch, year=year).values_list("person_id", "grade"))
        grades.update(changes)
        evaluated = sum(1 for g in grades.values() if g != Grade.ABSENT)
        excellent = sum(1 for g in grades.values() if g == Grade.EXCELLENT)
        limit = excellent_limit(evaluated)
        if excellent > limit:
            raise WorkflowError(
                f"优秀比例不得超过{settings.ZHTJ['INC_EXCELLENT_PERCENT']}%：{branch.name}{year}年度参加评议"
                f"{evaluated}人，优秀最多{limit}人，此次操作后将有{excellent}人。"
            )

    def before_approve(self, record, acting=None, grade=None, **changes):
        """INC-06: the superior may adjust the grade. INC-04: a 基本合格/不合格 result is approved
        only after the superior opened its decision file."""
        if changes:
            raise WorkflowError("评议激励审批时只能调整评议等次。")
        if grade and grade != self.grade:
            if grade not in Grade.values:
                raise WorkflowError("评议等次无效。")
            if grade == Grade.ABSENT:
                raise WorkflowError("审批时不能将评议结果调整为“未参加评议”。")
            if grade in GRADES_NEEDING_DECISION and not self.decision_file:
                raise WorkflowError(
                    f"{self.person.name}：调整为{Grade(grade).label}须由团支部先上传组织处置或纪律处分决定。"
                )
            Organization.objects.select_for_update().get(pk=self.branch_id)  # serialize INC-03 checks
            self.check_cap(self.branch, self.year, {self.person_id: grade})
            self.grade = grade
            self.save(update_fields=["grade"])
            record.summary = self.describe()
        if self.grade in GRADES_NEEDING_DECISION and self.decision_viewed_at is None:
            raise WorkflowError(
                f"{self.person.name}：评议结果为{self.get_grade_display()}，请先审阅组织处置或纪律处分决定再审批。"
            )

    def describe(self):
        return f"{self.year}年度团员教育评议 {self.person.name}：{self.get_grade_display()}"


class Honor(Detail):
    """荣誉激励 (INC-07, INC-08); approval chain on the shared record (INC-09)."""

    honor_type = models.CharField("荣誉类型", max_length=16, choices=HonorType.choices)
    title = models.CharField("所获荣誉", max_length=32, choices=HonorTitle.choices)
    grantor_name = models.CharField("授予组织名称", max_length=100)
    awarded_month = models.DateField("荣誉获得时间")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="honors", blank=True)
    org_recipient = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="honors"
    )

    class Meta:
        verbose_name = "荣誉激励"
        verbose_name_plural = "荣誉激励"


class Development(Detail):
    """发展激励 (INC-10, INC-11) with the 推优 tracking of INC-12."""

    dev_kind = models.CharField("发展激励类型", max_length=16, choices=DevelopmentKind.choices)
    recommended_on = models.DateField("推荐时间")
    note = models.CharField("备注", max_length=200, blank=True)
    # 推优入党 only:
    category = models.CharField("推优类别", max_length=16, choices=PartyCategory.choices, blank=True)
    track = models.CharField("跟踪阶段", max_length=16, choices=PartyCategory.choices, blank=True)
    status = models.CharField("当前状态", max_length=16, choices=TrackStatus.choices, blank=True)
    confirmed_on = models.DateField("确定时间", null=True, blank=True)
    party_joined_on = models.DateField("入党时间", null=True, blank=True)
    form_file = models.FileField("推优表", upload_to="incentives/party/", blank=True)
    last_step_on = models.DateField("上次更新时间", null=True, blank=True)
    update_due = models.BooleanField("待更新状态", default=False, db_index=True)

    class Meta:
        verbose_name = "发展激励"
        verbose_name_plural = "发展激励"
        constraints = [
            # INC-11: 确定时间 only when the party has confirmed.
            models.CheckConstraint(
                name="confirmed_date_only_when_confirmed",
                condition=Q(confirmed_on__isnull=True) | ~Q(status__in=["", TrackStatus.UNCONFIRMED]),
            ),
        ]

    @property
    def tracking(self):
        """A 推优入党 record still followed: not yet ended by 被取消资格 or 已入党 (INC-12)."""
        return self.dev_kind == DevelopmentKind.PARTY and self.status not in TERMINAL_STATUSES

    def on_effective(self, record):
        # INC-12: the one-year clock runs from the step's own date (确定时间, else 推荐时间), not
        # from the day the superior approved it.
        if self.dev_kind == DevelopmentKind.PARTY:
            self.start_clock(self.confirmed_on or self.recommended_on)
            self.save(update_fields=["last_step_on", "update_due"])

    def start_clock(self, step_on):
        """INC-12: the one-year clock of a 推优 record restarts at the step's own date; a step dated
        a year or more ago is due at once (the job would mark it on its next run anyway)."""
        self.last_step_on = step_on
        self.update_due = self.tracking and step_on <= due_before(timezone.localdate())


class TrackUpdate(Detail):
    """更新状态 of a 推优 record: a request of its own, effective on approval (INC-12)."""

    development = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="updates")
    new_status = models.CharField("更新后状态", max_length=16, choices=TrackStatus.choices)
    step_date = models.DateField("确定时间/入党时间", null=True, blank=True)

    class Meta:
        verbose_name = "推优状态更新"
        verbose_name_plural = "推优状态更新"

    def on_effective(self, record):
        """The approved update takes effect: new status and date, the one-year clock restarts, and
        a development target found among activists continues on the development track."""
        dev = Development.objects.select_for_update().get(pk=self.development_id)
        dev.status = self.new_status
        if self.new_status in (TrackStatus.CONFIRMED, TrackStatus.DEV_TARGET):
            dev.confirmed_on = self.step_date
        if self.new_status == TrackStatus.DEV_TARGET:
            dev.track = PartyCategory.DEVELOPMENT
        if self.new_status == TrackStatus.JOINED:
            dev.party_joined_on = self.step_date
        # the step's own date (确定时间 / 入党时间); a step without one dates from its filing
        dev.start_clock(self.step_date or timezone.localdate(self.record.created_at))
        dev.save()


class Joining(Detail):
    """入团激励 (INC-15, decision): the joining, created with the new member."""

    joined_on = models.DateField("入团时间")
    ceremony = models.CharField("入团仪式", max_length=200, blank=True)

    class Meta:
        verbose_name = "入团激励"
        verbose_name_plural = "入团激励"


class Opportunity(Detail):
    """机会激励 (INC-15, decision): trainings, 挂职锻炼, major events …"""

    category = models.CharField("机会类别", max_length=16, choices=OpportunityCategory.choices)
    title = models.CharField("机会名称", max_length=100)
    occurred_on = models.DateField("时间")

    class Meta:
        verbose_name = "机会激励"
        verbose_name_plural = "机会激励"
