"""Cadre records beyond the post itself: 职务变更记录 (CAD-01, CAD-02), 团干部培训 (CAD-03) and
the 延迟毕业/教师 marks of a 毕业生团组织's members (GRAD-01)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from zhtj.core.audit import HistoryMixin

from .choices import GraduateMarkKind, PostChangeKind, PostNature, PostTitle, RemovalDestination


class PostChange(models.Model):
    """One row of 职务变更记录: who, from what, to what, when, by whom. Written by the services
    in members/cadres.py in the same transaction as the post change; never edited."""

    post = models.ForeignKey("members.CadrePost", on_delete=models.CASCADE, related_name="changes")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_changes", verbose_name="团干部"
    )
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="任职组织")
    kind = models.CharField("变更类型", max_length=10, choices=PostChangeKind.choices)
    from_title = models.CharField("原职务", max_length=32, choices=PostTitle.choices)
    from_nature = models.CharField("原团干部性质", max_length=16, choices=PostNature.choices)
    from_started_on = models.DateField("原任现职年月", null=True, blank=True)
    to_title = models.CharField("新职务", max_length=32, choices=PostTitle.choices, blank=True)
    to_nature = models.CharField("新团干部性质", max_length=16, choices=PostNature.choices, blank=True)
    to_started_on = models.DateField("新任现职年月", null=True, blank=True)
    destination = models.CharField("移除去向", max_length=20, choices=RemovalDestination.choices, blank=True)
    destination_other = models.CharField("其他去向", max_length=100, blank=True)
    lost_admin = models.BooleanField("同时撤销管理员权限", default=False)
    changed_at = models.DateTimeField("变更时间", default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="操作人"
    )
    acting_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="操作组织"
    )

    class Meta:
        verbose_name = "职务变更记录"
        verbose_name_plural = "职务变更记录"
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["person", "changed_at"], name="postchange_person")]
        constraints = [
            # CAD-01: a change names the new post; CAD-02: a removal names where the cadre went,
            # and 其他 comes with words.
            models.CheckConstraint(
                name="postchange_change_has_new_post",
                condition=~Q(kind=PostChangeKind.CHANGE) | (~Q(to_title="") & ~Q(to_nature="")),
            ),
            models.CheckConstraint(
                name="postchange_removal_has_destination",
                condition=~Q(kind=PostChangeKind.REMOVE) | ~Q(destination=""),
            ),
            models.CheckConstraint(
                name="postchange_other_has_text",
                condition=~Q(destination=RemovalDestination.OTHER) | ~Q(destination_other=""),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.changed_at:%Y-%m-%d}"

    @property
    def from_label(self):
        return f"{self.get_from_title_display()}（{self.get_from_nature_display()}）"

    @property
    def to_label(self):
        if self.kind == PostChangeKind.REMOVE:
            where = self.destination_other if self.destination == RemovalDestination.OTHER else ""
            return f"移除：{self.get_destination_display()}" + (f"（{where}）" if where else "")
        return f"{self.get_to_title_display()}（{self.get_to_nature_display()}）"


class CadreTraining(HistoryMixin, models.Model):
    """团干部培训 (CAD-03): one training a cadre took, entered by an admin in scope."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings", verbose_name="团干部"
    )
    name = models.CharField("培训名称", max_length=100)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    organizer = models.CharField("主办单位", max_length=100)
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_for = models.ForeignKey(
        "orgs.Organization", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="录入组织"
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    history_fields = ("name", "start_on", "end_on", "organizer", "hours")

    class Meta:
        verbose_name = "团干部培训"
        verbose_name_plural = "团干部培训"
        ordering = ["-start_on", "-pk"]
        constraints = [
            models.CheckConstraint(name="training_end_not_before_start", condition=Q(end_on__gte=F("start_on"))),
            models.CheckConstraint(name="training_hours_positive", condition=Q(hours__gt=0)),
        ]

    def __str__(self):
        return f"{self.person} {self.name}"


class GraduateMark(models.Model):
    """A member of a 毕业生团组织 marked 延迟毕业生 (with the later month and a reason) or 教师
    (GRAD-01). While marked the member is not a graduate of the branch's year: the June 1
    conversion skips them (orgs.graduation.graduating_members). 撤销 deletes the mark."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="graduate_mark", verbose_name="团员"
    )
    branch = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="graduate_marks", verbose_name="毕业生团组织"
    )
    kind = models.CharField("被标记成员身份", max_length=10, choices=GraduateMarkKind.choices)
    expected_month = models.DateField("预计毕业时间", null=True, blank=True)
    reason = models.CharField("延迟毕业原因", max_length=200, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    marked_at = models.DateTimeField("标记时间", default=timezone.now)

    class Meta:
        verbose_name = "延迟毕业/教师标记"
        verbose_name_plural = "延迟毕业/教师标记"
        constraints = [
            models.CheckConstraint(
                name="delayed_mark_has_month_and_reason",
                condition=~Q(kind=GraduateMarkKind.DELAYED) | (Q(expected_month__isnull=False) & ~Q(reason="")),
            ),
            models.CheckConstraint(
                name="teacher_mark_has_no_month",
                condition=~Q(kind=GraduateMarkKind.TEACHER) | Q(expected_month__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()}"
