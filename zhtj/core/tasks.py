from datetime import date

from celery import shared_task

from . import jobs


@shared_task(name="zhtj.core.tasks.run_scheduled_job")
def run_scheduled_job(name, run_date=None):
    """Beat calls this with the job name; `run_date` (ISO) lets ops replay a day."""
    record = jobs.run(name, date.fromisoformat(run_date) if run_date else None, via="celery")
    return record.summary
