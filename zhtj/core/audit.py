"""Audit history (BEY-05): who changed what, when, before and after.

The request middleware puts the actor in a context variable, so a model save
anywhere in a request is attributed without passing the user around.
"""

import contextvars
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

_actor = contextvars.ContextVar("zhtj_actor", default=(None, None))


@contextmanager
def acting_as(person, org_id=None):
    token = _actor.set((person, org_id))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    person, org_id = _actor.get()
    if person is not None and not getattr(person, "is_authenticated", True):
        person = None
    return person, org_id


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):  # JSON has no decimal: keep the exact text
        return str(value)
    return value


# What each audit action reads as on a page. Workflow actions are their transition names; the
# rest are the literals passed to record(). tests/core/test_history_labels.py checks every
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


def record(obj, action, *, from_state="", to_state="", changes=None, note="", actor=None):
    from .models import AuditLog

    person, org_id = current_actor()
    return AuditLog.objects.create(
        actor=actor or person,
        acting_org_id=org_id,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        note=note,
    )


def history_of(obj):
    from .models import AuditLog

    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("actor")


class HistoryMixin:
    """Writes an AuditLog row with before/after values of `history_fields` on each save."""

    history_fields: tuple = ()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The loaded values as they came (the before of a later save); turned into the snapshot
        # only when it is needed, so a list of a thousand rows pays nothing for history.
        instance._history_loaded = dict(zip(field_names, values, strict=True))
        return instance

    @property
    def _history_snapshot(self):
        snapshot = self.__dict__.get("_history_after")
        if snapshot is None and "_history_loaded" in self.__dict__:
            loaded = self._history_loaded
            snapshot = {f: _plain(loaded[f]) for f in self.history_fields if f in loaded}
        return snapshot

    def _history_values(self):
        # Only fields actually loaded: touching a deferred one would query (and, inside
        # from_db of a partial refresh, recurse).
        loaded = self.__dict__
        return {f: _plain(loaded[f]) for f in self.history_fields if f in loaded}

    def save(self, *args, **kwargs):
        creating = self.pk is None
        super().save(*args, **kwargs)
        after = self._history_values()
        if creating:
            record(self, "create", changes={k: [None, v] for k, v in after.items() if v not in (None, "")})
        else:
            before = self._history_snapshot or {}
            diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
            if diff:
                record(self, "update", changes=diff)
        self._history_after = after
