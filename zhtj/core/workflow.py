"""The pattern every approval flow uses (SEC-04).

A workflow is a model with an `FSMField` named `state` whose `@transition`
methods carry the rules (source states, conditions). Callers never call a
transition directly; they call `perform()`, which

* locks the row (`select_for_update`) inside one transaction, so two admins
  acting at once are serialized: the second sees the new state and gets a clear
  message instead of a second effect;
* checks the transition is available from the current state and its conditions;
* saves with django-fsm's optimistic check as a second guard;
* writes one audit row (who, when, from, to, note).
"""

from django.db import models, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin, TransitionNotAllowed

from . import audit


class WorkflowError(Exception):
    """A transition that can't happen now; the message is for the user, in Chinese."""


class Workflow(ConcurrentTransitionMixin, models.Model):
    created_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("处理时间", auto_now=True)

    class Meta:
        abstract = True

    def available_actions(self):
        return {t.name for t in self.get_available_state_transitions()}


def perform(obj, action, *, by=None, note="", **kwargs):
    """Run transition `action` on a fresh, locked copy of `obj`; return that copy."""
    model = type(obj)
    with transaction.atomic():
        try:
            locked = model.objects.select_for_update().get(pk=obj.pk)
        except model.DoesNotExist:
            raise WorkflowError("该事项已不存在。") from None
        method = getattr(locked, action, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise WorkflowError("不支持的操作。")
        before = locked.state
        if action not in locked.available_actions():
            raise WorkflowError(
                f"该事项当前状态为“{locked.get_state_display()}”，已被处理或不允许此操作，请刷新后查看。"
            )
        try:
            method(by=by, note=note, **kwargs)
            locked.save()
        except (TransitionNotAllowed, ConcurrentTransition):
            raise WorkflowError("该事项已被其他管理员处理，请刷新后查看。") from None
        audit.record(locked, action, from_state=before, to_state=locked.state, note=note, actor=by)
    return locked
