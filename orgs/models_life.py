"""组织生活 (ORG-18): 三会, 团课 and 团日活动 records of a branch, and 年度团籍注册.

Imported at the end of orgs/models.py so the models belong to the orgs app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, transition

from zhtj.core.audit import HistoryMixin
from zhtj.core.workflow import Workflow

from .choices import MEETING_KINDS, LifeKind, RegistrationState

TOPIC_MAX_LENGTH = 100
CONTENT_MAX_LENGTH = 2000


class LifeRecord(HistoryMixin, models.Model):
    """One 会议 (三会), 团课 or 团日活动 a branch published, with who took part."""

    branch = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="life_records", verbose_name="团支部"
    )
    kind = models.CharField("类型", max_length=24, choices=LifeKind.choices)
    date = models.DateField("日期")
    topic = models.CharField("主题", max_length=TOPIC_MAX_LENGTH)
    place = models.CharField("地点", max_length=100, blank=True)
    lecturer = models.CharField("授课人", max_length=50, blank=True)
    content = models.TextField("内容", max_length=CONTENT_MAX_LENGTH, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="life_records", blank=True, verbose_name="参加人员"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="发布人"
    )
    created_at = models.DateTimeField("发布时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    history_fields = ("kind", "date", "topic", "place", "lecturer", "content")

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-date", "-pk"]
        constraints = [
            # BEY-06: the natural key. A second submit of the same record (lag, a second tab)
            # can't create a duplicate; the seed's advice is to fix a duplicate by editing.
            models.UniqueConstraint(fields=["branch", "kind", "date", "topic"], name="life_record_natural_key"),
        ]
        indexes = [models.Index(fields=["branch", "kind", "date"], name="life_branch_kind_date")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.topic}"

    @property
    def is_meeting(self):
        return self.kind in MEETING_KINDS


class AnnualRegistration(Workflow):
    """年度团籍注册 (ORG-18): a member registers for a year; the branch approves or rejects."""

    State = RegistrationState

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annual_registrations", verbose_name="团员"
    )
    # The branch at filing time: it decides, even if the member moves later.
    branch = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="annual_registrations", verbose_name="团支部"
    )
    year = models.PositiveSmallIntegerField("注册年度")
    note = models.CharField("注册说明", max_length=200, blank=True)
    state = FSMField("处理状态", default=State.PENDING, choices=State.choices, protected=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField("审批意见", max_length=200, blank=True)

    inbox_kind = "annual_registration"

    class Meta:
        verbose_name = "年度团籍注册"
        verbose_name_plural = "年度团籍注册"
        constraints = [
            # ORG-18: once per year per member. A rejected registration doesn't count, so the
            # member may register again after fixing what the branch asked for.
            models.UniqueConstraint(
                fields=["person", "year"], condition=~Q(state="rejected"), name="one_registration_per_year"
            ),
        ]
        indexes = [models.Index(fields=["branch", "state", "created_at"], name="annreg_branch_state")]

    def __str__(self):
        return f"{self.person}：{self.year}年度团籍注册"

    @transition(field=state, source=State.PENDING, target=State.APPROVED)
    def approve(self, by=None, note=""):
        self.decided_by = by
        self.reason = note

    @transition(field=state, source=State.PENDING, target=State.REJECTED)
    def reject(self, by=None, note=""):
        self.decided_by = by
        self.reason = note
