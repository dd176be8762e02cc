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


# --- the registry and a national sweep, at test time (mutation testing: the jobs of the apps are
# registered at import, before a mutant is switched on; these register theirs while one is) ---


@pytest.fixture
def registry(monkeypatch):
    """A registry of the test's own: the jobs it registers don't outlive it."""
    monkeypatch.setattr(jobs, "_jobs", dict(jobs._jobs))


def test_a_job_is_registered_with_what_it_is(registry):
    """JOB-08: `job(...)(fn)` registers fn under its name with its description, its tree model
    (a national sweep) and its facts, and returns fn itself."""
    from orgs.models import Organization

    def sweep(moment, part):
        pass

    assert jobs.job("sweep", "全国清理", by_province=Organization, facts=["year"])(sweep) is sweep
    assert jobs.registered()["sweep"] is sweep
    assert (sweep.job_name, sweep.description, sweep.by_province, sweep.facts) == (
        "sweep",
        "全国清理",
        Organization,
        ("year",),
    )


def test_a_national_sweep_runs_each_province_and_adds_up(registry, tree, settings, caplog):
    """JOB-08: a `by_province` job runs once per share of the country (团中央's own tree, then each
    province), each as of beat's instant of the day; the run records the totals of the counts,
    the facts (the year) and the words once, each share that changed something with its count, and
    the number of shares. A share that returns nothing counts as none changed."""
    import logging

    from celery.schedules import crontab

    from orgs.choices import LeadershipLevel
    from orgs.models import Organization

    guangdong = f.leadership("团广东省委", tree.central, LeadershipLevel.PROVINCE)
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "sweep": {
            "task": "zhtj.core.tasks.run_scheduled_job",
            "schedule": crontab(hour=3, minute=15),
            "args": ["sweep"],
        },
    }
    calls = []

    def sweep(moment, part):
        calls.append((moment, part.label))
        changed = {tree.province.name: 2, guangdong.name: 3}.get(part.label)
        if changed is None:
            return None
        return {"changed": changed, "flagged": changed * 10, "year": 2026, "done": True, "first": part.label}

    jobs.job("sweep", "全国清理", by_province=Organization, facts=("year",))(sweep)
    day = timezone.localdate() + timedelta(days=3)
    with caplog.at_level(logging.INFO, logger="zhtj.jobs"):
        record = jobs.run("sweep", day)
    at_beat = timezone.make_aware(datetime.combine(day, time(3, 15)))
    assert sorted(calls) == sorted((at_beat, o.name) for o in (tree.central, tree.province, guangdong))
    shares = [label for _, label in calls if label != tree.central.name]
    summary = {
        "changed": 5,
        "flagged": 50,
        "year": 2026,
        "done": True,
        "first": shares[0],
        "parts": {tree.province.name: 2, guangdong.name: 3},
        "part_count": 3,
    }
    stored = JobRun.objects.get()
    assert (stored.name, stored.run_date, stored.via, stored.changed, stored.summary) == (
        "sweep",
        day,
        "command",
        5,
        summary,
    )
    assert record.summary == summary
    assert stored.started_at <= stored.finished_at <= timezone.now()
    assert caplog.messages == [f"job sweep for {day} via command: {summary}"]


def test_a_job_that_returns_nothing_changed_nothing(registry, db):
    """JOB-08: a job returning None (or a share summary without `changed`) is recorded as 0
    changed, with what it did say."""
    jobs.job("quiet", "无事")(lambda moment: None)
    record = jobs.run("quiet", date(2026, 6, 1))
    record.refresh_from_db()
    assert (record.changed, record.summary) == (0, {})
    record = JobRun.objects.create(name="quiet", run_date=date(2026, 6, 1))
    jobs.combine(record, [("团山东省委", {"checked": 0})])
    assert record.summary == {"checked": 0, "changed": 0, "parts": {}, "part_count": 1}
    record.refresh_from_db()
    assert record.changed == 0


def test_a_run_of_a_job_no_longer_registered_is_still_recorded(db):
    """JOB-08: Celery records a national run when its last share ends (`finish_job_run`); a job
    renamed by a deploy meanwhile is no longer registered, and its run is still recorded."""
    record = JobRun.objects.create(name="renamed_meanwhile", run_date=date(2026, 6, 1), via="celery")
    jobs.combine(record, [("团山东省委", {"changed": 2, "year": 2026})])
    record.refresh_from_db()
    assert (record.changed, record.summary) == (
        2,
        {"changed": 2, "year": 2026, "parts": {"团山东省委": 2}, "part_count": 1},
    )


def test_beat_time_skips_entries_of_other_tasks(settings):
    """JOB-08: a beat entry of another periodic task (no job name in its args) is not a job's."""
    from celery.schedules import crontab

    settings.CELERY_BEAT_SCHEDULE = {
        "cleanup": {"task": "celery.backend_cleanup", "schedule": crontab(hour=4, minute=0)},
        **settings.CELERY_BEAT_SCHEDULE,
    }
    assert jobs.beat_time("expire_codes") == time(23, 5)  # hourly at :05: its last run of the day
    assert jobs.beat_time("no_such_job") == time.max


def test_unknown_job_names_itself(db):
    """JOB-08: running a job that isn't registered names it, and records nothing."""
    with pytest.raises(jobs.UnknownJob) as refused:
        jobs.run("no_such_job")
    assert refused.value.args == ("no_such_job",)
    assert not JobRun.objects.exists()


def test_expire_codes_counts_each_kind(tree):
    """JOB-04: a run that expires a registration code and a reset code counts each, and both."""
    _codes(tree, timezone.now())
    tomorrow = timezone.localdate() + timedelta(days=1)
    summary = jobs.run("expire_codes", tomorrow).summary
    assert summary == {"changed": 2, "registration_codes": 1, "reset_codes": 1}
