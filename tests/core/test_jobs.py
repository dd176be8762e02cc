"""Scheduled jobs (JOB-04, JOB-08): one registry, `manage.py run_job NAME --date`, Celery beat."""

from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from members.models import PasswordResetCode
from members.services import issue_reset_code
from orgs.models import AdminRegistrationCode
from tests import factories as f
from zhtj.core import jobs
from zhtj.core.models import JobRun, OnceToken
from zhtj.core.tasks import run_scheduled_job


def _codes(tree, now):
    admin = f.admin_of(tree.col_a)
    member = f.person("团员", branch=tree.branch_a)
    reg_old = AdminRegistrationCode.objects.create(
        org=tree.branch_a, code="Ab3dE6gH", created_by=admin, expires_at=now - timedelta(days=1)
    )
    reg_new = AdminRegistrationCode.objects.create(
        org=tree.branch_b, code="aB3De6Gh", created_by=admin, expires_at=now + timedelta(days=19)
    )
    reset = issue_reset_code(member, by=admin)
    return reg_old, reg_new, reset


def test_expire_codes_marks_only_expired_and_is_idempotent(tree):
    """JOB-04 / JOB-08: expired codes are marked set-based; a second run changes nothing."""
    reg_old, reg_new, reset = _codes(tree, timezone.now())
    out = StringIO()
    call_command("run_job", "expire_codes", stdout=out)
    assert "变更 1 条" in out.getvalue()
    reg_old.refresh_from_db(), reg_new.refresh_from_db(), reset.refresh_from_db()
    assert reg_old.expired and not reg_new.expired and not reset.expired
    call_command("run_job", "expire_codes", stdout=StringIO())
    assert list(JobRun.objects.order_by("started_at").values_list("changed", flat=True)) == [1, 0]


def test_run_job_with_date_acts_as_of_that_day(tree):
    """JOB-08: --date replays a day: the 24-hour reset code counts as expired at the end of tomorrow."""
    _, _, reset = _codes(tree, timezone.now())
    tomorrow = timezone.localdate() + timedelta(days=1)
    call_command("run_job", "expire_codes", "--date", tomorrow.isoformat(), stdout=StringIO())
    reset.refresh_from_db()
    assert reset.expired
    assert JobRun.objects.get().run_date == tomorrow


def test_expired_code_refused_even_before_the_job(tree):
    """JOB-04: expiry is also checked lazily, at use."""
    _, _, reset = _codes(tree, timezone.now())
    with time_machine.travel(timezone.now() + timedelta(hours=settings.ZHTJ["RESET_CODE_HOURS"], minutes=1)):
        assert not PasswordResetCode.objects.get(pk=reset.pk).is_usable()


def test_run_job_bad_input(db):
    """JOB-08: an unknown job or a malformed date is a clear error, nothing runs."""
    with pytest.raises(CommandError, match="没有名为"):
        call_command("run_job", "no_such_job")
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("run_job", "expire_codes", "--date", "2026-13-45")
    assert not JobRun.objects.exists()


def test_run_job_lists_jobs(db):
    """JOB-08: run_job without a name lists every registered job."""
    out = StringIO()
    call_command("run_job", stdout=out)
    assert "expire_codes" in out.getvalue()


def test_beat_schedule_names_registered_jobs():
    """JOB-08: every beat entry calls the one task with a registered job name."""
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] == "zhtj.core.tasks.run_scheduled_job"
        assert entry["args"][0] in jobs.registered()


def test_task_runs_the_same_job(tree):
    """JOB-08: the Celery task runs the same code as the command (applied in-process here;
    test_celery_worker.py sends it through Redis to a real worker)."""
    _codes(tree, timezone.now())
    summary = run_scheduled_job.apply(args=["expire_codes", date.today().isoformat()]).get()
    assert summary["registration_codes"] == 1
    assert JobRun.objects.get().via == "celery"


@pytest.mark.parametrize("name", sorted(jobs.registered()))
def test_a_replayed_day_runs_at_beats_instant(name):
    """JOB-08: `run_job NAME --date D` acts as of the instant of D at which beat runs NAME (its
    last run of D for an hourly job), an instant of D itself — never the next midnight, which
    would act as of D+1."""
    day = timezone.localdate() + timedelta(days=3)
    moment = jobs.moment_for(day, name)
    assert timezone.localdate(moment) == day
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["args"][0] == name]
    assert len(entries) == 1, "every job runs from beat"
    schedule = entries[0]["schedule"]
    assert timezone.localtime(moment).time() == time(max(schedule.hour), max(schedule.minute))


def test_today_runs_as_of_now(db):
    """JOB-08: beat passes no date; a run for today acts as of now."""
    with time_machine.travel(timezone.now(), tick=False):
        assert jobs.moment_for(timezone.localdate(), "expire_codes") == timezone.now()


def test_expire_codes_replay_stops_at_beats_last_hourly_run(tree):
    """JOB-04 / JOB-08 at the edge: beat's last run of a day is at 23:05, so a replay of D expires
    a code that expired at D 23:05 and leaves one expiring a minute later for D+1's runs."""
    day = timezone.localdate() + timedelta(days=2)
    admin = f.admin_of(tree.col_a)
    at_run = timezone.make_aware(datetime.combine(day, time(23, 5)))
    edge = AdminRegistrationCode.objects.create(org=tree.branch_a, code="Ab3dE6gH", created_by=admin, expires_at=at_run)
    later = AdminRegistrationCode.objects.create(
        org=tree.branch_b, code="aB3De6Gh", created_by=admin, expires_at=at_run + timedelta(minutes=1)
    )
    call_command("run_job", "expire_codes", "--date", day.isoformat(), stdout=StringIO())
    edge.refresh_from_db(), later.refresh_from_db()
    assert edge.expired and not later.expired
    call_command("run_job", "expire_codes", "--date", (day + timedelta(days=1)).isoformat(), stdout=StringIO())
    later.refresh_from_db()
    assert later.expired


def test_expire_once_tokens_replay_at_beats_instant(db):
    """BEY-06 / JOB-08 at the edge: a replay of D deletes what beat's 23:35 run of D deletes."""
    day = timezone.localdate() + timedelta(days=2)
    run_at = timezone.make_aware(datetime.combine(day, time(23, 35)))
    limit = timedelta(seconds=settings.ZHTJ["ONCE_TOKEN_SECONDS"])
    OnceToken.objects.create(token="edge", used_at=run_at - limit)
    OnceToken.objects.create(token="older", used_at=run_at - limit - timedelta(microseconds=1))
    call_command("run_job", "expire_once_tokens", "--date", day.isoformat(), stdout=StringIO())
    assert set(OnceToken.objects.values_list("token", flat=True)) == {"edge"}
