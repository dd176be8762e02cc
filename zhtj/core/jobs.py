"""Scheduled jobs (JOB-08): one registry, run the same from Celery beat and `manage.py run_job`.

A job is a function `fn(moment) -> dict` registered with `@job(name)`. `moment`
is the instant the job acts as of: now for today's date; for any other `--date`, the
instant of that day at which Celery beat runs the job (`moment_for`), so a replayed day
does exactly what beat did (or would do) on it. The job's day is `timezone.localdate(moment)`.
It returns what it changed, with a `changed` count. Jobs are set-based and idempotent: a
second run finds nothing left to change.
"""

import logging
from datetime import datetime, time

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("zhtj.jobs")

_jobs = {}


def job(name, description):
    def decorate(fn):
        fn.job_name = name
        fn.description = description
        _jobs[name] = fn
        return fn

    return decorate


def registered():
    return dict(sorted(_jobs.items()))


def beat_time(name):
    """The time of day at which Celery beat runs job `name` — its last run of the day for a
    job beat runs several times a day (hourly) — or the end of the day for a job beat doesn't
    run. Read from CELERY_BEAT_SCHEDULE, so the schedule is written once."""
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry.get("args", [None])[0] == name:
            schedule = entry["schedule"]
            return time(max(schedule.hour), max(schedule.minute))
    return time.max


def moment_for(run_date, name=None):
    """JOB-08: now when run for today (beat, or ops on the day); for any other day, the instant
    of `run_date` at which beat runs the job (local time). `run_job X --date D` is what beat's
    run of X on D did, never a later instant (which would act as of the next day)."""
    if run_date == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(run_date, beat_time(name) if name else time.max))


class UnknownJob(KeyError):
    pass


def run(name, run_date=None, via="command"):
    from .models import JobRun

    if name not in _jobs:
        raise UnknownJob(name)
    run_date = run_date or timezone.localdate()
    record = JobRun.objects.create(name=name, run_date=run_date, via=via)
    summary = _jobs[name](moment_for(run_date, name)) or {}
    record.changed = int(summary.get("changed", 0))
    record.summary = summary
    record.finished_at = timezone.now()
    record.save(update_fields=["changed", "summary", "finished_at"])
    logger.info("job %s for %s via %s: %s", name, run_date, via, summary)
    return record
