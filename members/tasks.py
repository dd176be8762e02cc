"""Background work of people: 批量导入 (MEM-07) and 批量认证 (MEM-10).

The import's rows wait in the cache between the preview and 确认导入 (keyed by a random
token bound to the org and the admin); progress is written to the cache for the page's
htmx poll. With no REDIS_URL the task runs eagerly, in the request."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from zhtj.core import audit
from zhtj.core.excel import Row

logger = logging.getLogger("zhtj.members")

JOB_KEY = "member-import:{}"
PROGRESS_KEY = "member-import-progress:{}"


def progress_of(token):
    return cache.get(PROGRESS_KEY.format(token))


def _set_progress(token, **data):
    keep = settings.ZHTJ["IMPORT_ERRORS_SECONDS"]
    current = cache.get(PROGRESS_KEY.format(token)) or {}
    cache.set(PROGRESS_KEY.format(token), current | data, keep)


@shared_task(name="members.tasks.run_import")
def run_import(token):
    """确认导入: validate again (the data may have changed since the preview), write the valid
    rows in one transaction, keep the failed ones for the error workbook."""
    from orgs.models import Organization

    from .archives import entry_notice, joined_needs_archive
    from .importing import CREATED, EXISTS, FAILED, MEMBERS, store, validate
    from .models import Person

    job = cache.get(JOB_KEY.format(token))
    if job is None:
        _set_progress(token, state="failed", error="导入数据已过期，请重新上传文件。")
        return None
    org = Organization.objects.filter(pk=job["org"]).first()
    if org is None:  # deleted by another admin since the preview
        _set_progress(token, state="failed", error="导入的目标组织已不存在，未导入任何数据。")
        return None
    actor = Person.objects.filter(pk=job["user"]).first()
    rows = [Row(*r) for r in job["rows"]]
    _set_progress(token, state="running", done=0, total=len(rows))
    try:
        with audit.acting_as(actor, job["acting_org"]):
            results = validate(rows, job["kind"], org)
            todo = sum(r.status == CREATED for r in results)
            _set_progress(token, total=todo)
            store(results, job["kind"], org, progress=lambda done: _set_progress(token, done=done))
    except Exception:  # noqa: BLE001 -- nothing was written (one transaction); tell the admin
        logger.exception("member import %s failed", token)
        _set_progress(
            token, state="failed", error="导入失败，未导入任何数据。请稍后重新上传；如多次失败，请联系上级组织。"
        )
        return None
    failed = [(r.values, r.reason) for r in results if r.status == FAILED]
    # Seed FAQ (i): new members among the imported ones need their e-archives (ARC-01).
    new_members = sum(
        r.status == CREATED and joined_needs_archive(r.person.get("joined_month"))
        for r in results
        if job["kind"] == MEMBERS
    )
    summary = {
        "created": todo,
        "exists": sum(r.status == EXISTS for r in results),
        "failed": len(failed),
        "archive_notice": entry_notice(new_members) if new_members else "",
    }
    _set_progress(token, state="done", done=todo, failed_rows=failed, **summary)
    return summary


@shared_task(name="members.tasks.verify_people")
def verify_people(pks):
    """批量认证 (MEM-10) through the configured verifier."""
    from .verification import verify

    passed, failed = verify(pks)
    return {"passed": passed, "failed": failed}
