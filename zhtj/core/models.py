"""Shared records: the audit trail, notifications, the log of job runs, and the shape of one-time codes."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

# What each audit action (AuditLog.action) reads as on a page. Workflow actions are their
# transition names; the rest are the literals passed to audit.record(). tests/core/test_history_labels.py checks every
# transition and every literal in the code has an entry here.
ACTION_LABELS = {
    "create": "创建",
    "update": "修改",
    "delete": "删除",
    "submit": "提交",
    "resubmit": "重新提交",
    "approve": "同意",
    "reject": "不同意",
    "withdraw": "撤回",
    "allocate": "分配团支部",
    "complete": "完成",
    "batch": "批量转接",
    "return": "系统退回（10天未审核）",
    "auto_approve": "系统自动审核",
    "upload": "上传档案",
    "replace": "替换档案",
    "review": "上级复核",
    "rate": "自评定级",
    "grading_key": "不予定级，列为重点整顿",
    "start_key": "列为重点整顿",
    "select_bottom": "勾选排名后20%",
    "pass_key": "重点整顿通过",
    "continue_key": "继续整顿",
    "unlock": "解锁",
    "participants": "修改参加人员",
    "registration_code_issued": "生成管理员注册码",
    "registration_codes_batch": "批量生成管理员注册码",
    "admin_registered": "管理员注册",
    "reset_code_issued": "生成重置密码验证码",
    "password_reset_with_code": "凭验证码重置密码",
    "graduate_mark": "标记延迟毕业",
    "graduate_unmark": "撤销延迟毕业",
    "graduation_mark": "标记毕业时间",
    "graduation_correction": "更正毕业时间",
    "graduate_conversion": "毕业生团组织转换",
    "deactivate": "删除人员",
    "age_out_confirmed": "超龄离团",
    "delegate": "授权录入",
    "view_decision": "查看审批决定",
    "remind": "提醒未读组织",
    "attachments_added": "添加附件",
    "attachments_removed": "删除附件",
}


class AuditLog(models.Model):
    """One row per change: a workflow transition (from → to) or a record edit (before/after).

    BEY-05 / SEC-04: written in the same transaction as the change it describes.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    acting_org_id = models.BigIntegerField("操作组织", null=True, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    action = models.CharField("操作", max_length=40)
    from_state = models.CharField("原状态", max_length=40, blank=True)
    to_state = models.CharField("新状态", max_length=40, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="audit_target")]
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    # --- how a row reads on a page (templates/core/_history.html) ----------------------------

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def from_label(self):
        return self._state_label(self.from_state)

    @property
    def to_label(self):
        return self._state_label(self.to_state)

    def change_rows(self):
        """(field's verbose name, before, after) for each recorded change, choice values shown
        by their labels, referenced rows by their names (`audit.with_names` loads them for a whole
        list), ID and phone numbers masked (the model's `history_masked`, SEC-03). Keys that are
        no field (some actions record Chinese labels) stay."""
        return [
            (self._label_of(name), self._shown(name, pair[0]), self._shown(name, pair[1]))
            for name, pair in (self.changes or {}).items()
        ]

    def references(self):
        """(related model, pk) of every changed foreign key value: what `with_names` looks up."""
        found = []
        for name, pair in (self.changes or {}).items():
            field = self._field(name)
            if field is not None and field.is_relation and field.many_to_one:
                found += [(field.related_model, v) for v in pair if isinstance(v, int)]
        return found

    def _model(self):
        # get_for_id is cached: a list of history rows costs no query per row.
        return ContentType.objects.get_for_id(self.content_type_id).model_class()

    def _field(self, name):
        model = self._model()
        try:
            return model._meta.get_field(name) if model is not None else None
        except FieldDoesNotExist:
            return None

    def _state_label(self, value):
        field = self._field("state") if value else None
        return dict(field.flatchoices).get(value, value) if field is not None else value

    def _label_of(self, name):
        field = self._field(name)
        return str(field.verbose_name) if field is not None else name

    def _shown(self, name, value):
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        field = self._field(name)
        if field is not None and field.is_relation and field.many_to_one:
            # "上级组织：学院A团委 → 学院B团委", not "72 → 73"; a row gone since keeps its number
            return getattr(self, "_names", {}).get((field.related_model, value), f"（编号{value}）")
        masked = getattr(self._model(), "history_masked", {}).get(name)
        if masked is not None:
            from .idnumber import mask

            return mask(str(value), *masked)
        if field is not None and field.choices:
            return dict(field.flatchoices).get(value, value)
        return value


class Notification(models.Model):
    """A result shown in someone's 操作中心: to an org (its admins) or to one person (OPC-01)."""

    recipient_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("类型", max_length=40)
    text = models.CharField("内容", max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient_org", "read_at"], name="notice_org"),
            models.Index(fields=["recipient_person", "read_at"], name="notice_person"),
        ]
        constraints = [
            models.CheckConstraint(
                name="notification_has_one_recipient",
                condition=models.Q(recipient_org__isnull=False, recipient_person__isnull=True)
                | models.Q(recipient_org__isnull=True, recipient_person__isnull=False),
            )
        ]

    def __str__(self):
        return self.text


class JobRun(models.Model):
    """What a scheduled job changed on a run (JOB-08): for ops, and to prove idempotency."""

    name = models.CharField(max_length=60)
    run_date = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    changed = models.IntegerField(default=0)
    summary = models.JSONField(default=dict)
    via = models.CharField(max_length=20, default="command")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.name} {self.run_date} changed={self.changed}"


class OnceToken(models.Model):
    """A used {% form_guard %} token (BEY-06). The primary key makes "first use" one INSERT that
    only one request can win, in every process and whatever the cache; rows older than
    `ONCE_TOKEN_SECONDS` are removed by the `expire_once_tokens` job."""

    token = models.CharField(max_length=64, primary_key=True)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return self.token


class OneTimeCode(models.Model):
    """A code handed to someone to use once before it expires: 管理员注册码 (ORG-09,
    `orgs.AdminRegistrationCode`) and 重置密码验证码 (ROLE-07, `members.PasswordResetCode`). Each
    concrete code adds what it opens and its own limits; expiry is checked at use, and the
    `expire_codes` job (JOB-04) marks expired rows set-based so lists and counts agree."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField(null=True, blank=True)
    expired = models.BooleanField(default=False, help_text="set by the expire_codes job; expiry is also checked at use")

    class Meta:
        abstract = True

    def is_usable(self, now=None):
        now = now or timezone.now()
        return not self.expired and self.used_at is None and self.expires_at > now

    @classmethod
    def expire_due(cls, moment):
        """JOB-04: mark the unused codes whose expiry has come by `moment`; returns how many."""
        return cls.objects.filter(expired=False, used_at__isnull=True, expires_at__lte=moment).update(expired=True)
