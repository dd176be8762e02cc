"""Scheduled jobs (JOB-08): one registry, run the same from Celery beat and `manage.py run_job`.

A job is a function `fn(moment) -> dict` registered with `@job(name)`. `moment`
is the instant the job acts as of: now for today's date, the end of the day for
any other `--date`. It returns what it changed, with a `changed` count. Jobs are
set-based and idempotent: a second run finds nothing left to change.
"""

import logging
from datetime import datetime, time, timedelta

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


def moment_for(run_date):
    """Now when run for today; otherwise the end of `run_date` (local time)."""
    if run_date == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(run_date + timedelta(days=1), time.min))


class UnknownJob(KeyError):
    pass


def run(name, run_date=None, via="command"):
    from .models import JobRun

    if name not in _jobs:
        raise UnknownJob(name)
    run_date = run_date or timezone.localdate()
    record = JobRun.objects.create(name=name, run_date=run_date, via=via)
    summary = _jobs[name](moment_for(run_date)) or {}
    record.changed = int(summary.get("changed", 0))
    record.summary = summary
    record.finished_at = timezone.now()
    record.save(update_fields=["changed", "summary", "finished_at"])
    logger.info("job %s for %s via %s: %s", name, run_date, via, summary)
    return record
