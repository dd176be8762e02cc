"""JOB-02: the transfer deadlines (TRF-10 10-day return in 收尾期, TRF-11 15-day auto-pass).

Set-based over all pending transfers: each rule is ONE `UPDATE … WHERE` that also stamps the
rows with a run token; the audit rows and notifications for the stamped rows are then written by
`INSERT … SELECT`, so nothing loops over transfers in Python however many are pending. Everything
runs in one transaction (a crash leaves nothing half-done), and a second run finds nothing: returned
rows are closed, passed rows start their next step at the run's moment.
"""

import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from members.models import Person
from orgs.choices import OrgCategory
from orgs.models import Organization
from zhtj.core.jobs import job
from zhtj.core.models import AuditLog, Notification

from .calendar import closing_start, period_of
from .choices import OPEN_STATES, Kind, State
from .models import Transfer

GRADUATE_ORGS = (OrgCategory.GRADUATE, OrgCategory.DELAYED_GRADUATION)


def _log(token, moment, action, to_state, note, person_text, org_text=None):
    """Bulk audit rows (actor NULL = 系统) and notifications for the rows stamped with `token`:
    to the member, and with `org_text` (after the member's name) to the initiating org, as
    `services._notify_step` does for a human action."""
    t, a, n = Transfer._meta.db_table, AuditLog._meta.db_table, Notification._meta.db_table
    p, p_id = Person._meta.db_table, Person._meta.pk.column
    ct = ContentType.objects.get_for_model(Transfer).pk
    with connection.cursor() as c:
        c.execute(
            f"INSERT INTO {a} (at, actor_id, acting_org_id, content_type_id, object_id, action, from_state,"
            f" to_state, changes, note) SELECT %s, NULL, NULL, %s, id, %s, sweep_from, %s, '{{}}', %s"
            f" FROM {t} WHERE sweep_token = %s",
            [moment, ct, action, to_state, note, token],
        )
        c.execute(
            f"INSERT INTO {n} (recipient_org_id, recipient_person_id, kind, text, link, created_at, read_at)"
            f" SELECT NULL, person_id, %s, %s, %s, %s, NULL FROM {t} WHERE sweep_token = %s",
            [Transfer.inbox_kind, person_text, "/transfers/my/", moment, token],
        )
        if org_text:
            c.execute(
                f"INSERT INTO {n} (recipient_org_id, recipient_person_id, kind, text, link, created_at, read_at)"
                f" SELECT {t}.initiator_org_id, NULL, %s, {p}.name || %s, '', %s, NULL"
                f" FROM {t} JOIN {p} ON {p}.{p_id} = {t}.person_id"
                f" WHERE {t}.sweep_token = %s AND {t}.initiator_org_id IS NOT NULL",
                [Transfer.inbox_kind, "的" + org_text, moment, token],
            )


def _of(part):
    """The transfers leaving a branch of `part` (all of them without one)."""
    return Transfer.objects.filter(part.q("from_branch")) if part is not None else Transfer.objects.all()


def _stamp(queryset, moment, **fields):
    """One UPDATE: the new state (and fields) plus a fresh token; returns (token, count).
    `sweep_from` keeps each row's previous state for its audit row."""
    from django.db.models import F

    token = uuid.uuid4().hex
    n = queryset.update(sweep_token=token, sweep_from=F("state"), step_started_at=moment, **fields)
    return token, n


def days_before(today, days):
    """The end of the day `days` days before `today`: a step started on that day (at any hour)
    is `days` days old on `today`, so beat's early-morning run returns or passes it on the date
    the 截止事项 board shows (transfers/deadlines.py), and a replay of that date does the same."""
    return timezone.make_aware(datetime.combine(today - timedelta(days=days - 1), time.min))


def transfer_deadlines(moment, part=None):
    """Per province: the transfers leaving a branch of `part` (a transfer between provinces
    belongs to the one it leaves, so each is swept exactly once)."""
    cfg = settings.ZHTJ
    today = timezone.localdate(moment)  # the run's day (JOB-08: moment lies in it)
    summary = {"returned": 0, "passed": 0, "completed": 0}
    with transaction.atomic():
        # TRF-10: 收尾期 — a graduate step unreviewed for 10 days (counted from the later of the
        # step's start and the start of 收尾期) goes back to the initiator.
        if period_of(today) == "closing" and closing_start(today) <= today - timedelta(days=cfg["TRF_RETURN_DAYS"]):
            due = _of(part).filter(
                is_graduate=True,
                state__in=OPEN_STATES,
                step_started_at__lt=days_before(today, cfg["TRF_RETURN_DAYS"]),
            )
            reason = f"收尾期超过{cfg['TRF_RETURN_DAYS']}天未审核，系统退回"
            # the reason stays on the row: the member's 转接历史 and the person page show it
            token, n = _stamp(due, moment, state=State.RETURNED, decision_note=reason)
            if n:
                text = f"组织关系转接申请超过{cfg['TRF_RETURN_DAYS']}天未审核，已被系统退回，请重新发起转接。"
                _log(token, moment, "return", State.RETURNED, f"系统：{reason}", text, text)
            summary["returned"] = n
        # TRF-11: outside 学社衔接, an approval step pending 15 days passes — never into the
        # 特殊单位专属库 (provincial approval), never 分配团支部 (a choice only the committee makes).
        stale = (
            _of(part)
            .filter(is_graduate=False, step_started_at__lt=days_before(today, cfg["TRF_AUTO_PASS_DAYS"]))
            .exclude(target__category=OrgCategory.SPECIAL_UNIT_POOL)
        )
        last_step = Q(state=State.RECEIVING) | Q(state=State.SENDING) & ~Q(kind=Kind.MEMBER)
        note = f"系统：{cfg['TRF_AUTO_PASS_DAYS']}天未审核，默认审核通过"
        steps = (
            (stale.filter(state=State.SENDING, kind=Kind.MEMBER), State.RECEIVING, {}),
            (stale.filter(last_step, target__is_branch_kind=False), State.ALLOCATING, {}),
            (stale.filter(last_step, target__is_branch_kind=True), State.COMPLETED, {"completed_at": moment}),
        )
        tokens = []
        for queryset, to_state, extra in steps:
            # materialise the ids in SQL (a sub-select) before the UPDATE moves rows between steps
            token, n = _stamp(
                Transfer.objects.filter(pk__in=Subquery(queryset.values("pk"))), moment, state=to_state, **extra
            )
            tokens.append((token, to_state, n))
        for token, to_state, n in tokens:
            if not n:
                continue
            if to_state == State.COMPLETED:
                _complete_stamped(token)
                summary["completed"] = n
            summary["passed"] += n
            label = State(to_state).label
            text = f"组织关系转接{note}，当前状态：{label}。"
            # like a human approval: the initiating org hears of the result once it is final
            _log(token, moment, "auto_approve", to_state, note, text, text if to_state == State.COMPLETED else None)
    summary["changed"] = summary["returned"] + summary["passed"]
    return summary


# registered by a call, not as a decorator: mutmut leaves decorated functions alone (docs/testing.md)
job(
    "transfer_deadlines",
    "组织关系转接期限：收尾期10天未审核退回、15天默认审核通过（JOB-02 / TRF-10 / TRF-11）",
    by_province=Organization,
)(transfer_deadlines)


def _complete_stamped(token):
    """TRF-08, set-based: the people of the completed rows move to their target branch."""
    from django.db.models import F

    mine = Transfer.objects.filter(sweep_token=token)
    mine.update(to_branch=F("target"))
    row = mine.filter(person=OuterRef("pk"))
    Person.objects.filter(pk__in=mine.values("person_id")).update(
        branch=Subquery(row.values("target_id")[:1]),
        is_graduate=Exists(row.filter(target__category__in=GRADUATE_ORGS)),
    )
