"""Scheduled jobs (JOB-08): one registry, run the same from Celery beat and `manage.py run_job`.

A job is a function `fn(moment) -> dict` registered with `@job(name)`. `moment`
is the instant the job acts as of: now for today's date; for any other `--date`, the
instant of that day at which Celery beat runs the job (`moment_for`), so a replayed day
does exactly what beat did (or would do) on it. The job's day is `timezone.localdate(moment)`.
It returns what it changed, with a `changed` count. Jobs are set-based and idempotent: a
second run finds nothing left to change.

A national sweep is registered `by_province=<the tree's model>` (Organization: the app that owns the
tree names it, so core imports no app) and takes `fn(moment, part)`: it changes the rows
of one share of the country (`core.tree.partitions`: 团中央's own tree, then each provincial organ's
block, each one tree-id range, `part.q(via)`), in its own transaction. Celery runs the shares as a
group of tasks, one per province, in parallel, and records the run when the last one ends (a
chord); `run_job` runs them one after another. So no transaction holds the country's row locks,
and a share that dies (a killed worker) leaves nothing of itself behind: running the job again
changes exactly the rows it hadn't, since every sweep selects only rows still to change.
"""

import logging
from datetime import datetime, time

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("zhtj.jobs")

_jobs = {}


def job(name, description, by_province=None, facts=()):
    """`by_province`: the org tree's model, for a national sweep split over its provinces.
    `facts`: summary keys of a `by_province` job that are the same for every share (the year
    converted), taken once instead of added up."""

    def decorate(fn):
        fn.job_name = name
        fn.description = description
        fn.by_province = by_province
        fn.facts = tuple(facts)
        _jobs[name] = fn
        return fn

    return decorate


def parts(name):
    """The shares of the country the `by_province` job `name` runs in (`core.tree.partitions`)."""
    from .tree import partitions

    return partitions(_jobs[name].by_province)


def run_part(name, run_date, part):
    """One share of a `by_province` job: its summary (with `changed`)."""
    return _jobs[name](moment_for(run_date, name), part) or {}


def combine(record, results):
    """Totals of the shares' summaries, and each share's own under `parts` (only those that changed
    something), recorded on the run."""
    summary, by_part = {}, {}
    facts = _jobs[record.name].facts if record.name in _jobs else ()
    for label, result in results:
        for key, value in result.items():
            if key not in facts and isinstance(value, int) and not isinstance(value, bool):
                summary[key] = summary.get(key, 0) + value
            elif key not in summary:
                summary[key] = value
        if result.get("changed"):
            by_part[label] = result["changed"]
    summary.setdefault("changed", 0)
    summary["parts"] = by_part
    summary["part_count"] = len(results)
    return finish(record, summary)


def finish(record, summary):
    record.changed = int(summary.get("changed", 0))
    record.summary = summary
    record.finished_at = timezone.now()
    record.save(update_fields=["changed", "summary", "finished_at"])
    logger.info("job %s for %s via %s: %s", record.name, record.run_date, record.via, summary)
    return record


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
    if _jobs[name].by_province:
        return combine(record, [(part.label, run_part(name, run_date, part)) for part in parts(name)])
    return finish(record, _jobs[name](moment_for(run_date, name)) or {})
