"""组织整顿 (REC) and 对标定级 (GRD).

A branch's campaign year is one `CampaignRecord`, a workflow whose FSM state *is* its 整顿状态
(REC-08): every submission and review is a transition, so the status vocabulary is computed in
one place. The 自检表 forms are `SelfCheck` rows belonging to the record and to a month (REC-10).
对标定级 is one `GradingRecord` per org and year (GRD-03, GRD-04).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, transition

from orgs.models import Organization
from zhtj.core.change_requests import ChangeRequest
from zhtj.core.workflow import Workflow, WorkflowError

from .calendar import check_submission_month, is_locked, lock_text
from .choices import CHECK_ITEMS, GrdState, Level, Rating, RecState

S = RecState


def _poor_limit():
    return settings.ZHTJ["REC_KEY_POOR_COUNT"]


class CampaignRecord(Workflow):
    """One branch in one year's 整理整顿 campaign; `state` is its 整顿状态 (REC-08)."""

    branch = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campaign_records", verbose_name="团支部"
    )
    year = models.PositiveSmallIntegerField("年度")
    state = FSMField("整顿状态", default=S.NOT_SUBMITTED, choices=S.choices, protected=True)
    poor_count = models.PositiveSmallIntegerField("较差项数", null=True, blank=True)  # of the last form
    bottom_selected = models.BooleanField("排名后20%", default=False)
    key_since = models.DateTimeField("纳入重点整顿时间", null=True, blank=True)
    key_done_at = models.DateTimeField("完成重点整顿时间", null=True, blank=True)
    carried_over = models.BooleanField("上年度转入", default=False)

    inbox_kind = "self_check_review"

    class Meta:
        verbose_name = "整理整顿记录"
        verbose_name_plural = "整理整顿记录"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="one_campaign_record_per_year")]
        indexes = [models.Index(fields=["year", "state"], name="rec_year_state")]

    def __str__(self):
        return f"{self.branch}（{self.year}年）"

    def last_check(self):
        return self.checks.order_by("-submitted_at", "-pk").first()

    def _add_check(self, *, by, org, answers, month, by_superior):
        """The new 自检表 (REC-02: the filler's name is taken from the login)."""
        poor = sum(1 for code, _, _ in CHECK_ITEMS if answers.get(code) == Rating.POOR)
        previous = self.poor_count
        check = SelfCheck.objects.create(
            record=self,
            month=month,
            answers=answers,
            poor_count=poor,
            improved=max(0, previous - poor) if previous is not None else 0,
            # REC-11: 已摘牌 is still on the key branch's way to 重点整改后合格; its fixes count too
            while_key=self.state in (S.KEY, S.KEY_PENDING, S.CONTINUE, S.DELISTED),
            by_superior=by_superior,
            filled_by=by,
            filler_name=getattr(by, "name", "") or "",
            filled_by_org=org,
        )
        self.poor_count = poor
        return check

    def _review_last(self, result, by, note):
        SelfCheck.objects.filter(pk=self.last_check().pk).update(
            review_result=result, reviewed_by=by, reviewed_at=timezone.now(), review_note=note
        )

    def _start_key(self, now=None):
        self.key_since = self.key_since or now or timezone.now()

    # --- the branch (or, before it ever submitted, its direct superior) fills the form ----------
    @transition(
        field=state,
        source=[S.NOT_SUBMITTED, S.PENDING, S.REJECTED, S.BASIC, S.KEY, S.KEY_PENDING, S.CONTINUE, S.DELISTED],
        target=RETURN_VALUE(*S.values),
    )
    def submit(self, by=None, note="", *, org, answers, month, by_superior=False):
        """REC-02 / REC-04 / REC-08 / REC-09 / REC-10. Returns the new state."""
        check_submission_month(month)  # REC-10: the current month of the campaign only
        if by_superior and self.state != S.NOT_SUBMITTED:
            raise WorkflowError("该团支部已提交过自检表，上级只能对尚未提交自检表的团支部进行评估。")
        check = self._add_check(by=by, org=org, answers=answers, month=month, by_superior=by_superior)
        poor = check.poor_count
        if by_superior:
            # 上级评估 is accepted as it is: 0 → 合格 (locked), ≥ threshold → key branch (REC-04),
            # (decision) in between → 基本合格: the superior may still pick it for the bottom 20%.
            check.review_result = "上级评估"
            check.save(update_fields=["review_result"])
            if poor == 0:
                return S.QUALIFIED
            if poor >= _poor_limit():
                self._start_key()
                return S.KEY
            return S.BASIC
        if self.state in (S.NOT_SUBMITTED, S.PENDING, S.REJECTED):
            return S.PENDING
        if self.state in (S.KEY, S.KEY_PENDING, S.CONTINUE):
            return S.KEY_PENDING
        # 基本合格 / 已摘牌 improving on their own: 0 较差 → 整改后合格 / 重点整改后合格 (the seed's
        # "自行整改后"); (decision) falling back to ≥ threshold makes it a key branch again (REC-04),
        # otherwise the status stays.
        if poor == 0:
            return S.RECTIFIED if self.state == S.BASIC else S.KEY_QUALIFIED
        if poor >= _poor_limit():
            self._start_key()
            self.key_done_at = None
            return S.KEY
        return self.state

    # --- 是否整改: the direct superior's first review (REC-03, REC-04) ----------------------------
    @transition(field=state, source=S.PENDING, target=S.REJECTED)
    def reject(self, by=None, note=""):
        self._review_last("不通过", by, note)

    def review_refusal(self, action):
        """REC-04: why the review `action` is refused for the last form's 较差 count, or None. The
        transitions raise it; the review page shows only the buttons it allows."""
        if action == "approve" and self.poor_count >= _poor_limit():
            return (
                f"该团支部自检表“较差”项为{self.poor_count}项（≥{_poor_limit()}项），必须纳入重点整顿团支部，"
                "请点击“开始整改”。"
            )
        if action == "start_key" and not self.poor_count:
            return "该团支部自检表“较差”项为0，无需整改，请点击“通过”。"
        if action == "pass_key" and self.poor_count >= _poor_limit():
            return f"该团支部自检表“较差”项仍有{self.poor_count}项（≥{_poor_limit()}项），不能通过，请点击“继续整改”。"
        return None

    def _refuse(self, action):
        if refusal := self.review_refusal(action):
            raise WorkflowError(refusal)

    @transition(field=state, source=S.PENDING, target=RETURN_VALUE(S.QUALIFIED, S.BASIC))
    def approve(self, by=None, note=""):
        self._refuse("approve")
        self._review_last("通过", by, note)
        return S.QUALIFIED if self.poor_count == 0 else S.BASIC

    @transition(field=state, source=S.PENDING, target=S.KEY)
    def start_key(self, by=None, note=""):
        self._refuse("start_key")
        self._review_last("开始整改", by, note)
        self._start_key()

    # --- re-review of a key branch (REC-07) -------------------------------------------------------
    @transition(field=state, source=S.KEY_PENDING, target=RETURN_VALUE(S.KEY_QUALIFIED, S.DELISTED))
    def pass_key(self, by=None, note=""):
        self._refuse("pass_key")
        self._review_last("通过", by, note)
        self.key_done_at = timezone.now()
        return S.KEY_QUALIFIED if self.poor_count == 0 else S.DELISTED

    @transition(field=state, source=S.KEY_PENDING, target=S.CONTINUE)
    def continue_key(self, by=None, note=""):
        self._review_last("继续整改", by, note)

    # --- into key rectification from outside a review ---------------------------------------------
    @transition(field=state, source=[S.NOT_SUBMITTED, S.PENDING, S.REJECTED, S.BASIC], target=S.KEY)
    def select_bottom(self, by=None, note=""):
        """REC-05: picked among the bottom 20% (the eligible states are the source states)."""
        self.bottom_selected = True
        self._start_key()

    @transition(
        field=state,
        source=[S.NOT_SUBMITTED, S.PENDING, S.REJECTED, S.QUALIFIED, S.BASIC, S.RECTIFIED, S.DELISTED, S.KEY_QUALIFIED],
        target=S.KEY,
    )
    def grading_key(self, by=None, note=""):
        """GRD-05: 不予定级 puts the branch into key rectification."""
        self.key_since = timezone.now()
        self.key_done_at = None

    # --- BEY-02: a locked form reopened by the provincial committee ---------------------------------
    @transition(field=state, source=list(S.values), target=RETURN_VALUE(S.NOT_SUBMITTED, S.BASIC, S.KEY))
    def unlock(self, by=None, note=""):
        """合格 → 未提交 (as the seeds' "清空数据", history kept), 整改后合格 → 基本合格,
        重点整改后合格 → 重点整改中: the branch submits a corrected form in its phase."""
        reopen = {S.QUALIFIED: S.NOT_SUBMITTED, S.RECTIFIED: S.BASIC, S.KEY_QUALIFIED: S.KEY}
        if self.state not in reopen:
            raise WorkflowError("该团支部的自检表未锁定，可直接编辑后重新提交。")
        if self.state == S.KEY_QUALIFIED:
            self.key_done_at = None
        return reopen[self.state]


class SelfCheck(models.Model):
    """One submitted 团支部自检表 (REC-01, REC-02); it belongs to the month it was submitted in."""

    record = models.ForeignKey(CampaignRecord, on_delete=models.CASCADE, related_name="checks")
    month = models.DateField("所属月份")  # first day of the month
    answers = models.JSONField("自检结果", default=dict)
    poor_count = models.PositiveSmallIntegerField("较差项数")
    improved = models.PositiveSmallIntegerField("本次整改项数", default=0)  # fewer 较差 than the form before
    while_key = models.BooleanField("重点整顿期间提交", default=False)
    by_superior = models.BooleanField("上级评估", default=False)
    filled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filler_name = models.CharField("填报人", max_length=50)
    filled_by_org = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    review_result = models.CharField("审核结果", max_length=20, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "团支部自检表"
        verbose_name_plural = "团支部自检表"
        indexes = [models.Index(fields=["record", "month", "submitted_at"], name="selfcheck_month")]

    def __str__(self):
        return f"{self.record.branch} {self.month:%Y-%m} 自检表"

    def rating_rows(self):
        labels = dict(Rating.choices)
        return [(section, text, labels.get(self.answers.get(code), "—")) for code, section, text in CHECK_ITEMS]


class BottomSelection(models.Model):
    """勾选排名后 20% 团支部, done once per superior and year: final (REC-05)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", verbose_name="上级组织")
    year = models.PositiveSmallIntegerField("年度")
    count = models.PositiveIntegerField("勾选数量")
    eligible = models.PositiveIntegerField("可勾选团支部数")
    selected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "排名后20%勾选"
        verbose_name_plural = "排名后20%勾选"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="one_bottom_selection_per_year")]

    def __str__(self):
        return f"{self.org}（{self.year}年排名后20%）"


class SelfCheckCorrectionRequest(ChangeRequest):
    """自检表更正 (BEY-02, REC-09): a locked form is reopened only when the provincial committee
    approves, instead of the seeds' "由省级团委汇总后报后台统一清空数据". 同意 reopens it:
    `rectification.services.reopen_for_correction`."""

    record = models.ForeignKey(CampaignRecord, on_delete=models.CASCADE, related_name="corrections")
    explanation = models.CharField("更正原因", max_length=500)

    inbox_kind = "self_check_correction"
    target_field = "record"
    review_url = "rectification:correction"
    not_decider = "只有该团支部所属的省级团委管理员可以审批自检表更正申请，您可以查看。"

    class Meta:
        verbose_name = "自检表更正申请"
        verbose_name_plural = "自检表更正申请"
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(state="pending"), name="one_pending_self_check_correction"
            )
        ]

    def __str__(self):
        return f"{self.record}：自检表更正"

    @property
    def subject(self):
        return f"“{self.record.branch.name}”自检表更正申请"

    @property
    def effect(self):
        return "该团支部可重新填写提交自检表"


class GradingRecord(Workflow):
    """One 团(总)支部's 对标定级 in one year: self-rating, superior review, lock (GRD-02 … GRD-06)."""

    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="grading_records", verbose_name="团(总)支部"
    )
    year = models.PositiveSmallIntegerField("年度")
    state = FSMField("状态", default=GrdState.PENDING, choices=GrdState.choices, protected=True)
    self_level = models.CharField("自评定级", max_length=1, choices=Level.choices)
    changes = models.PositiveSmallIntegerField("修改次数", default=0)
    resubmitted = models.BooleanField("重新提交", default=False)  # GRD-06: red until reviewed
    self_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    self_at = models.DateTimeField("自评时间", default=timezone.now)
    review_level = models.CharField("上级复核结果", max_length=1, choices=Level.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)

    inbox_kind = "grading_review"

    class Meta:
        verbose_name = "对标定级"
        verbose_name_plural = "对标定级"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="one_grading_record_per_year")]
        indexes = [models.Index(fields=["year", "state"], name="grd_year_state")]

    def __str__(self):
        return f"{self.org}（{self.year}年对标定级）"

    @transition(field=state, source=[GrdState.PENDING, GrdState.REVIEWED], target=GrdState.PENDING)
    def rate(self, by=None, note="", *, level):
        """GRD-03: up to GRD_MAX_CHANGES changes before review; after review only 不予定级 reopens."""
        if self.state == GrdState.REVIEWED:
            if self.review_level != Level.NONE:
                raise WorkflowError("上级已完成复核，自评结果不允许修改。")
            self.changes = 0  # (decision) 不予定级 reopens a fresh round
        else:
            limit = settings.ZHTJ["GRD_MAX_CHANGES"]
            if self.changes >= limit:
                raise WorkflowError(f"复核前自评结果最多允许修改{limit}次，您已修改{self.changes}次，不能再修改。")
            self.changes += 1
        self.self_level = level
        self.self_by = by
        self.self_at = timezone.now()
        self.resubmitted = True

    @transition(field=state, source=[GrdState.PENDING, GrdState.REVIEWED], target=GrdState.REVIEWED)
    def review(self, by=None, note="", *, level):
        """GRD-04: the review may be changed until the year's lock moment."""
        if is_locked(self.year):
            raise WorkflowError(f"{self.year}年度对标定级复核结果已于{lock_text(self.year)}锁定，不允许再次更改。")
        self.review_level = level
        self.reviewed_by = by
        self.reviewed_at = timezone.now()
        self.resubmitted = False
