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
from django.db import connection, models, transaction
from django.http import Http404
from django.utils import timezone
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin, TransitionNotAllowed

from . import audit

SEEN_STATE = "seen_state"  # the hidden field every approval form posts ({% form_guard obj %})


class WorkflowError(Exception):
    """A transition that can't happen now; the message is for the user, in Chinese. `status`: the
    answer of a page that shows it -- 400, or 409 when the data as it is now refuses it."""

    def __init__(self, message="", status=400):
        super().__init__(message)
        self.status = status


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


class DecidedWorkflow(Workflow):
    """A workflow a superior decides: who decided, when, and the 审批意见 (a refusal's reason)."""

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    reason = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        abstract = True

    def record_decision(self, by, note):
        """Called by the approve and reject transitions; a refusal needs its reason."""
        self.decided_by, self.decided_at, self.reason = by, timezone.now(), note

    def record_refusal(self, by, note):
        if not note.strip():
            raise WorkflowError("不同意时须填写理由。")
        self.record_decision(by, note)


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
    then its conditions) and is transitioned in memory; the rows done are written back by ONE
    UPDATE, their audit rows by ONE INSERT, and `after(rows)` (notifications …) runs in the same
    transaction. A refused row is listed with its reason and the rest are done. Returns (number
    done, [(row or pk, reason)]); `progress(handled, total)` is called after each chunk.

    A rule that refuses inside the transition itself may have written first: its writes must be
    undone alone. Rather than a savepoint per row (two round trips each, most of a batch's time),
    a chunk runs under one savepoint, and only when a transition refuses is it rolled back and the
    chunk run again with a savepoint per row."""
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
            try:
                with transaction.atomic():
                    rows, changed, refused = _transition_chunk(
                        queryset, part, action, guard, fields, False, by, note, kwargs
                    )
            except _Careful:
                rows, changed, refused = _transition_chunk(
                    queryset, part, action, guard, fields, True, by, note, kwargs
                )
            failures += refused
            if rows:
                _update_rows(model, [row for row, _ in rows], [f for f in fields if f.attname in changed])
                AuditLog.objects.bulk_create(
                    AuditLog(
                        actor=by or person,
                        acting_org_id=org_id,
                        content_type=content_type,
                        object_id=row.pk,
                        action=action,
                        from_state=from_state,
                        to_state=row.state,
                        note=note,
                    )
                    for row, from_state in rows
                )
                if after is not None:
                    after([row for row, _ in rows])
            done += len(rows)
        if progress is not None:
            progress(min(start + size, len(pks)), len(pks))
    return done, failures


class _Careful(Exception):
    """A transition refused in a chunk run without per-row savepoints: run it again with them."""


REFUSALS = (AlreadyHandled, WorkflowError, PermissionDenied, Http404)


def _transition_chunk(queryset, part, action, guard, fields, careful, by, note, kwargs):
    """Lock the chunk's rows and transition each in memory: ([(row, state before)], changed
    attnames, [(row or pk, reason)])."""
    locked = {r.pk: r for r in queryset.select_for_update(of=("self",)).filter(pk__in=part).order_by("pk")}
    rows, changed, refused = [], set(), []
    for pk in part:
        row = locked.get(pk)
        if row is None:
            refused.append((pk, "该事项已不存在或不在您的管理范围内。"))
            continue
        before = {f.attname: getattr(row, f.attname) for f in fields}
        try:
            _check(row, action, guard)  # reads only: nothing to undo when it refuses
        except REFUSALS as exc:
            refused.append((row, str(exc) or "不在您的审批范围内。"))
            continue
        try:
            if careful:
                with transaction.atomic():
                    getattr(row, action)(by=by, note=note, **kwargs)
            else:
                getattr(row, action)(by=by, note=note, **kwargs)
        except TransitionNotAllowed:
            refused.append((row, str(AlreadyHandled(row))))
            continue
        except REFUSALS as exc:
            if not careful:
                raise _Careful from exc
            refused.append((row, str(exc) or "不在您的审批范围内。"))
            continue
        row.updated_at = timezone.now()
        changed |= {a for a, v in before.items() if getattr(row, a) != v}
        rows.append((row, before["state"]))
    return rows, changed, refused


def _update_rows(model, rows, fields):
    """Write `fields` of `rows` back in ONE statement. On PostgreSQL an UPDATE … FROM (VALUES …):
    Django's bulk_update builds a CASE WHEN per field and row, which costs more Python time than
    the whole batch's SQL (3,000 rows: ~4 s against ~0.2 s). Elsewhere (the embedded SQLite) bulk_update."""
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, [f.name for f in fields])
        return
    pk = model._meta.pk
    columns = [pk, *fields]
    quote = connection.ops.quote_name
    first = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in columns) + ")"  # VALUES types
    rest = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params = []
    for row in rows:
        params.append(pk.get_db_prep_value(row.pk, connection))
        params.extend(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields)
    names = ", ".join(quote(f.column) for f in columns)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments}"
            f" FROM (VALUES {', '.join([first, *[rest] * (len(rows) - 1)])}) AS v ({names})"
            f" WHERE t.{quote(pk.column)} = v.{quote(pk.column)}",
            params,
        )
