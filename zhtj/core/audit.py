"""Audit history (BEY-05): who changed what, when, before and after.

The request middleware puts the actor in a context variable, so a model save
anywhere in a request is attributed without passing the user around.
"""

import contextvars
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from .models import AuditLog

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


def record(obj, action, *, from_state="", to_state="", changes=None, note="", actor=None):
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
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("actor")


def history_where(model, pks):
    """The history of `model`'s rows whose pk is in `pks` (a list or a subquery): one query whether
    such rows exist or not (a page showing an optional object's history costs the same SQL either way)."""
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=pks
    ).select_related("actor")


def with_names(rows):
    """The history rows as a list, each changed foreign key resolvable to its row's name: one
    query per referenced model for the whole list (not one per row)."""
    rows = list(rows)
    wanted = {}
    for row in rows:
        for model, pk in row.references():
            wanted.setdefault(model, set()).add(pk)
    names = {}
    for model, pks in wanted.items():
        names.update({(model, pk): str(obj) for pk, obj in model._base_manager.in_bulk(pks).items()})
    for row in rows:
        row._names = names
    return rows


class HistoryMixin:
    """Writes an AuditLog row with before/after values of `history_fields` on each save.
    `history_masked`: {field: (kept head, kept tail)} for values shown masked (SEC-03)."""

    history_fields: tuple = ()
    history_masked: dict = {}

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
