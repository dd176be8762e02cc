"""批量 on a whole filtered set: "全部 N 条符合当前筛选条件的" (issue 17).

A page that offers it registers an action: `@batch.register(name)` on
`fn(job, progress) -> (done, [(label, reason)])`, which re-reads the set from the job's
parameters and acts with `workflow.perform_many` (set-based, each row's rules and audit row). The
view calls `start(request, name, count, params, back)` after the admin confirmed the count: up
to `BATCH_INLINE_MAX` rows run inside the request, more as the Celery task `run_batch`; either
way the admin lands on `batch_status`, whose progress bar htmx polls and which then lists every
refused item with its reason. Job and progress live in the cache under an unguessable token bound
to the admin and the acting org (as an import's do).
"""

import logging
import secrets

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("zhtj.batch")

JOB_KEY = "batch-job:{}"
PROGRESS_KEY = "batch-progress:{}"
KEEP_SECONDS = 6 * 3600

_actions = {}


def register(name):
    def decorate(fn):
        _actions[name] = fn
        return fn

    return decorate


def progress_of(token):
    return cache.get(PROGRESS_KEY.format(token))


def job_of(token):
    return cache.get(JOB_KEY.format(token))


def _set_progress(token, **data):
    current = cache.get(PROGRESS_KEY.format(token)) or {}
    cache.set(PROGRESS_KEY.format(token), current | data, KEEP_SECONDS)


def start(request, name, pks, params, *, title, back):
    """Run action `name` over the rows `pks` the admin confirmed (the set as it was then: what
    someone else handles meanwhile is listed as already handled, what arrives later waits for the
    next run); returns the status token."""
    token = secrets.token_urlsafe(16)
    count = len(pks)
    job = {
        "name": name,
        "pks": list(pks),
        "user": request.user.pk,
        "acting_org": request.acting_org.pk,
        "params": params,
        "title": title,
        "back": back,
    }
    cache.set(JOB_KEY.format(token), job, KEEP_SECONDS)
    _set_progress(token, state="queued", done=0, total=count)
    if count <= settings.ZHTJ["BATCH_INLINE_MAX"]:
        run_batch(token)
    else:
        run_batch.delay(token)
    return token


@shared_task(name="zhtj.core.batch.run_batch")
def run_batch(token):
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from . import audit

    Person, Organization = get_user_model(), apps.get_model("orgs", "Organization")  # noqa: N806 -- core imports no app

    job = job_of(token)
    if job is None:
        _set_progress(token, state="failed", error="批量任务已过期，请重新操作。")
        return None
    actor = Person.objects.filter(pk=job["user"]).first()
    org = Organization.objects.filter(pk=job["acting_org"]).first()
    if actor is None or org is None:
        _set_progress(token, state="failed", error="发起批量操作的管理员或组织已不存在，未处理任何事项。")
        return None
    _set_progress(token, state="running")

    def progress(handled, total):
        _set_progress(token, done=handled, total=total)

    try:
        with audit.acting_as(actor, org.pk):
            done, failures = _actions[job["name"]](job | {"actor": actor, "org": org}, progress)
    except Exception:  # noqa: BLE001 -- each chunk is its own transaction: say what happened
        logger.exception("batch %s failed", token)
        _set_progress(token, state="failed", error="批量操作中断，已完成的部分保留，请刷新列表后对剩余事项重新操作。")
        return None
    _set_progress(token, state="done", succeeded=done, failures=[(str(a), b) for a, b in failures])
    return done
