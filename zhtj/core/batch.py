"""批量 on a whole filtered set: "全部 N 条符合当前筛选条件的" (issue 17), one piece for every list.

A list that offers it registers an action: `@batch.register(name)` on
`fn(job, progress) -> (done, [(label, reason)])`, which acts on the job's pks with
`workflow.perform_many` (set-based, each locked row's rules and its audit row). Its page renders
`{% include "core/_batch_all.html" with count=N url=… %}` (the button, posting the list's filters in
the query string) and its view answers that post with `whole_set()`: the first post shows the
count to confirm (`core/batch_confirm.html`), the confirmed post (the count repeated) calls
`start()`: up to `BATCH_INLINE_MAX` rows run inside the request, more as the Celery task
`run_batch`; either way the admin lands on `batch_status`, whose progress bar htmx polls and which
then lists every refused item with its reason. Job and progress live in the cache under an
unguessable token bound to the admin and the acting org (as an import's do).
"""

import hashlib
import json
import logging
import secrets

from celery import shared_task
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render

logger = logging.getLogger("zhtj.batch")

JOB_KEY = "batch-job:{}"
PROGRESS_KEY = "batch-progress:{}"
RUNNING_KEY = "batch-running:{}"  # the same set, action and admin while it runs → the same job
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


def whole_set(request, name, pks, params, *, title, what, verdict, fields, back):
    """The view side of "全部 N 条符合当前筛选条件的": `pks` is the filtered set now (the actionable
    rows the list's filters select, in the acting org's scope). Not confirmed yet, or confirmed for
    a count the set no longer has (it changed meanwhile): the confirmation page with the count
    (409 when it changed); confirmed: `start()` and the progress page. `what` names the set and
    `verdict` the action in the confirmation's sentence; `fields` are posted again with it (the
    list's filters ride in the query string of the URL posted to)."""
    count = len(pks)
    if not count:
        messages.info(request, "没有符合当前筛选条件的待处理事项。")
        return redirect(back)
    confirmed = request.POST.get("confirmed")
    if confirmed != str(count):
        context = {
            "title": title,
            "count": count,
            "what": what,
            "verdict": verdict,
            "fields": [(k, v) for k, v in fields.items() if v not in (None, "")],
            "changed": confirmed is not None,
            "back": back,
        }
        return render(request, "core/batch_confirm.html", context, status=409 if confirmed else 200)
    return redirect("batch_status", token=start(request, name, pks, params, title=title, back=back))


def start(request, name, pks, params, *, title, back):
    """Run action `name` over the rows `pks` the admin confirmed (the set as it was then: what
    someone else handles meanwhile is listed as already handled, what arrives later waits for the
    next run); returns the status token. The same confirmation posted again while its job runs
    (two clicks, two tabs) joins that job instead of starting a second one."""
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
    fingerprint = hashlib.sha256(
        json.dumps([name, job["pks"], job["user"], job["acting_org"], params], sort_keys=True, default=str).encode()
    ).hexdigest()
    token = secrets.token_urlsafe(16)
    job["running_key"] = RUNNING_KEY.format(fingerprint)
    if not cache.add(job["running_key"], token, KEEP_SECONDS):
        running = cache.get(job["running_key"])
        if running is not None and job_of(running) is not None:
            return running
        cache.set(job["running_key"], token, KEEP_SECONDS)
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
    done = None
    if actor is None or org is None:
        _set_progress(token, state="failed", error="发起批量操作的管理员或组织已不存在，未处理任何事项。")
    else:
        _set_progress(token, state="running")
        try:
            with audit.acting_as(actor, org.pk):
                done, failures = _actions[job["name"]](job | {"actor": actor, "org": org}, _progress_of(token))
        except Exception:  # noqa: BLE001 -- each chunk is its own transaction: say what happened
            logger.exception("batch %s failed", token)
            _set_progress(
                token, state="failed", error="批量操作中断，已完成的部分保留，请刷新列表后对剩余事项重新操作。"
            )
        else:
            _set_progress(token, state="done", succeeded=done, failures=[(str(a), b) for a, b in failures])
    cache.delete(job.get("running_key", ""))  # finished: the same set posted again is a new job
    return done


def _progress_of(token):
    def progress(handled, total):
        _set_progress(token, done=handled, total=total)

    return progress
