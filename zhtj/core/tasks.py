from datetime import date

from celery import chord, shared_task
from django.utils import timezone

from . import jobs
from .tree import Part


@shared_task(name="zhtj.core.tasks.run_scheduled_job")
def run_scheduled_job(name, run_date=None):
    """Beat calls this with the job name; `run_date` (ISO) lets ops replay a day. A `by_province`
    job fans out: one `run_job_part` per share of the country, then `finish_job_run` (a chord)."""
    day = date.fromisoformat(run_date) if run_date else None
    if name in jobs.registered() and jobs.registered()[name].by_province:
        from .models import JobRun

        record = JobRun.objects.create(name=name, run_date=day or timezone.localdate(), via="celery")
        header = [run_job_part.s(name, record.run_date.isoformat(), p.label, p.first, p.last) for p in jobs.parts(name)]
        result = chord(header)(finish_job_run.s(record.pk))
        if run_scheduled_job.app.conf.task_always_eager:  # ran in-process: the summary is there
            return result.get()
        return {"parts": len(header), "run": record.pk}
    record = jobs.run(name, day, via="celery")
    return record.summary


@shared_task(name="zhtj.core.tasks.run_job_part", acks_late=True)
def run_job_part(name, run_date, label, first, last):
    """One province's share of a national job, in its own transaction (`jobs.run_part`)."""
    return [label, jobs.run_part(name, date.fromisoformat(run_date), Part(label, first, last))]


@shared_task(name="zhtj.core.tasks.finish_job_run")
def finish_job_run(results, record_pk):
    """The chord's end: the shares' totals and each share's count on the JobRun."""
    from .models import JobRun

    record = JobRun.objects.get(pk=record_pk)
    return jobs.combine(record, [tuple(r) for r in results]).summary
