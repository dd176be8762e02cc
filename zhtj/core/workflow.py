"""The pattern every approval flow uses (SEC-04).

A workflow is a model with an `FSMField` named `state` whose `@transition`
methods carry the rules (source states, conditions). Callers never call a
transition directly; they call `perform()`, which, in one transaction,

* locks the row (`select_for_update`), so two admins acting at once are serialized;
* refuses with `AlreadyHandled` (409 "已被处理，请刷新后查看") when the row is no longer in the
  state the form was rendered in (`seen_state`) or the transition doesn't start from its state:
  a double click or a second admin never does the next step by accident;
* runs the caller's `guard` on the locked row: *who may act* is decided there and nowhere
  else, never on an instance read before the lock (a stale read may only hide a button);
* checks the transition's conditions, runs it, saves with django-fsm's optimistic check as a
  second guard, and writes one audit row (who, when, from, to, note).
"""

from django.db import models, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin, TransitionNotAllowed

from . import audit

SEEN_STATE = "seen_state"  # the hidden field every approval form posts ({% form_guard obj %})


class WorkflowError(Exception):
    """A transition that can't happen now; the message is for the user, in Chinese."""


class AlreadyHandled(Exception):  # noqa: N818 -- named for what the user is told
    """The item moved on since the page was rendered. Not a WorkflowError, so views don't turn it
    into their own answer: `AlreadyHandledMiddleware` answers it, 409, the same way everywhere."""

    def __init__(self, obj=None):
        label = f"“{obj.get_state_display()}”" if obj is not None else ""
        super().__init__(f"该事项当前状态为{label}，已被处理，请刷新后查看。" if label else "已被处理，请刷新后查看。")


def by_system(locked):
    """The guard of transitions no person decides (jobs, demo data, a step that follows another)."""


class Workflow(ConcurrentTransitionMixin, models.Model):
    created_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("处理时间", auto_now=True)

    class Meta:
        abstract = True

    def available_actions(self):
        return {t.name for t in self.get_available_state_transitions()}


def seen_state(request, obj, pk=None):
    """The state the acting form was rendered in (posted by {% form_guard obj %}); `pk` reads a
    row's own field of a batch form. A client that posts none is taken to have seen the state
    this request read."""
    name = f"{SEEN_STATE}_{pk}" if pk is not None else SEEN_STATE
    return request.POST.get(name) or obj.state


def perform(obj, action, *, guard, seen_state=None, by=None, note="", **kwargs):
    """Run transition `action` on a fresh, locked copy of `obj`; return that copy.

    `guard(locked)` raises (PermissionDenied, Http404, WorkflowError) when the actor may not act on
    the row as it is now; `seen_state` is the state the actor saw (None: no form, e.g. a job)."""
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
        if (seen_state is not None and seen_state != before) or not method._django_fsm.has_transition(before):
            raise AlreadyHandled(locked)
        guard(locked)
        transition = method._django_fsm.get_transition(before)
        for condition in transition.conditions or ():
            if not condition(locked):
                # a condition may carry its own message (`condition.refusal`)
                default = f"该事项当前状态为“{locked.get_state_display()}”，不允许此操作。"
                raise WorkflowError(getattr(condition, "refusal", default))
        try:
            method(by=by, note=note, **kwargs)
            locked.save()
        except (TransitionNotAllowed, ConcurrentTransition):
            raise AlreadyHandled(locked) from None
        audit.record(locked, action, from_state=before, to_state=locked.state, note=note, actor=by)
    return locked
