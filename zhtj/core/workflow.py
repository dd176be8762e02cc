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

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404
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


def _check(row, action, guard):
    """What perform() checks on its locked row, for one row of a batch: the transition from the
    state now (else already handled), the guard, the transition's conditions."""
    method = getattr(row, action)
    before = row.state
    if not method._django_fsm.has_transition(before):
        raise AlreadyHandled(row)
    guard(row)
    for condition in method._django_fsm.get_transition(before).conditions or ():
        if not condition(row):
            raise WorkflowError(
                getattr(condition, "refusal", f"该事项当前状态为“{row.get_state_display()}”，不允许此操作。")
            )


def perform_many(queryset, pks, action, *, guard, by=None, note="", after=None, progress=None, **kwargs):
    """`action` on every row of `pks` found in `queryset` (the caller's scope), set-based (issue 17).

    Per chunk of `BATCH_CHUNK` rows, ONE transaction: ONE SELECT … FOR UPDATE locks them (in pk
    order, so two batches can't deadlock); each locked row passes what perform() checks (`_check`: the
    transition from its state now, then `guard(row)` -- who may act, decided on the locked row --
    then its conditions) and is transitioned in memory inside a savepoint (a rule's own writes undone
    when it refuses); the rows done are written back by ONE UPDATE, their audit rows by ONE INSERT,
    and `after(rows)` (notifications …) runs in the same transaction. A refused row is listed with
    its reason and the rest are done. Returns (number done, [(row or pk, reason)]);
    `progress(handled, total)` is called after each chunk."""
    from .models import AuditLog

    size = settings.ZHTJ["BATCH_CHUNK"]
    model = queryset.model
    content_type = ContentType.objects.get_for_model(model)
    person, org_id = audit.current_actor()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    done, failures = 0, []
    for start in range(0, len(pks), size):
        part = pks[start : start + size]
        with transaction.atomic():
            locked = {r.pk: r for r in queryset.select_for_update(of=("self",)).filter(pk__in=part).order_by("pk")}
            rows, changed, logs = [], set(), []
            for pk in part:
                row = locked.get(pk)
                if row is None:
                    failures.append((pk, "该事项已不存在或不在您的管理范围内。"))
                    continue
                before = {f.attname: getattr(row, f.attname) for f in fields}
                try:
                    with transaction.atomic():
                        _check(row, action, guard)
                        getattr(row, action)(by=by, note=note, **kwargs)
                except TransitionNotAllowed:
                    failures.append((row, str(AlreadyHandled(row))))
                    continue
                except (AlreadyHandled, WorkflowError, PermissionDenied, Http404) as exc:
                    failures.append((row, str(exc) or "不在您的审批范围内。"))
                    continue
                row.updated_at = timezone.now()
                changed |= {a for a, v in before.items() if getattr(row, a) != v}
                rows.append(row)
                logs.append(
                    AuditLog(
                        actor=by or person,
                        acting_org_id=org_id,
                        content_type=content_type,
                        object_id=row.pk,
                        action=action,
                        from_state=before["state"],
                        to_state=row.state,
                        note=note,
                    )
                )
            if rows:
                names = [f.name for f in fields if f.attname in changed]
                model.objects.bulk_update(rows, names)
                AuditLog.objects.bulk_create(logs)
                if after is not None:
                    after(rows)
            done += len(rows)
        if progress is not None:
            progress(min(start + size, len(pks)), len(pks))
    return done, failures
