"""批量导入 people (MEM-06, MEM-07, BEY-03): template, upload + preview, 确认导入 as a
background task with an htmx progress bar, the error workbook. See members/importing.py."""

import secrets
from dataclasses import astuple

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.excel import ExcelError, error_workbook_response, too_large_message
from zhtj.core.uploads import refuse_upload, upload_limit

from . import importing
from .importing import CADRES, FAILED, MEMBERS
from .tasks import JOB_KEY, progress_of, run_import
from .views_entry import branch_tree, picked_branch

TITLES = {MEMBERS: "批量导入团员团干部", CADRES: "批量导入本级团干部"}


def _kind(kind):
    if kind not in TITLES:
        raise Http404
    return kind


def _target(request, kind):
    """The org the people go to: the acting branch, the branch picked in the tree (committees),
    or the acting org itself for 本级团干部. None while a committee has not picked one."""
    org = request.acting_org
    if kind == CADRES:
        if org.is_branch_kind:
            raise PermissionDenied("导入本级团干部仅限团委、团工委、团总支和团的领导机关使用。")
        return org
    if org.is_branch_kind:
        return org
    return picked_branch(request, org)


def _page(request, kind, target, status=200, **context):
    org = request.acting_org
    query = f"?branch={target.pk}" if target is not None and target.pk != org.pk else ""
    return render(
        request,
        "members/import.html",
        {
            "kind": kind,
            "title": TITLES[kind],
            "target": target,
            "tree": branch_tree(request, org) if kind == MEMBERS and not org.is_branch_kind else None,
            "query": query,
            "max_rows": settings.ZHTJ["MEMBER_IMPORT_MAX_ROWS"],
        }
        | context,
        status=status,
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
@upload_limit("EXCEL_MAX_BYTES")
def upload(request, kind):
    """GET: the page. POST: the file → the preview (nothing is stored yet)."""
    kind = _kind(kind)
    target = _target(request, kind)
    if request.method == "GET":
        return _page(request, kind, target)
    if target is None:
        return refuse_upload(request, "请先在左侧组织树中选择团支部。")
    try:
        if getattr(request, "upload_too_large", False):  # stopped while streaming in (SEC-05)
            raise ExcelError(too_large_message())
        rows = importing.parse(request.FILES.get("file"), kind)
    except ExcelError as exc:
        return refuse_upload(request, f"导入失败：{exc}")
    if not rows:
        return refuse_upload(request, "表格中没有数据，请在模板中填写人员信息后再上传。")
    results = importing.validate(rows, kind, target)
    token = secrets.token_urlsafe(24)
    cache.set(
        JOB_KEY.format(token),
        {
            "kind": kind,
            "org": target.pk,
            "acting_org": request.acting_org.pk,
            "user": request.user.pk,
            "rows": [astuple(r) for r in rows],
            "failed": [(r.values, r.reason) for r in results if r.status == FAILED],
        },
        settings.ZHTJ["IMPORT_ERRORS_SECONDS"],
    )
    counts = importing.counts(results)
    messages.info(
        request,
        f"校验完成：共{len(results)}行，可导入{counts['created']}行，已存在{counts['exists']}行，"
        f"校验不通过{counts['failed']}行。请确认后导入。",
    )
    preview = sorted(results, key=lambda r: (r.status != FAILED, r.number))[
        : settings.ZHTJ["MEMBER_IMPORT_PREVIEW_ROWS"]
    ]
    return _page(request, kind, target, results=results, preview=preview, counts=counts, token=token)


def _job(request, token):
    """The pending import of this admin acting for this org; 404 for anyone else's token."""
    job = cache.get(JOB_KEY.format(token)) if len(token) < 64 else None
    if not job or job["user"] != request.user.pk or job["acting_org"] != request.acting_org.pk:
        raise Http404
    return job


@require_POST
@access(ORG_ADMIN)
def confirm(request, token):
    """确认导入: start the background task; the status page polls its progress."""
    _job(request, token)
    # cache.add is atomic: of two confirms racing (double click, two tabs) one starts the task.
    if not cache.add(f"member-import-started:{token}", 1, settings.ZHTJ["IMPORT_ERRORS_SECONDS"]):
        messages.warning(request, "该文件已确认导入，请勿重复提交。")
        return redirect("members:import_status", token=token)
    run_import.delay(token)
    messages.success(request, "已开始导入，请稍候。")
    return redirect("members:import_status", token=token)


@require_GET
@access(ORG_ADMIN)
def status(request, token):
    """The progress page; an htmx request gets the progress partial only (polled every second)."""
    job = _job(request, token)
    progress = progress_of(token) or {"state": "queued", "done": 0, "total": 0}
    total = progress.get("total") or 0
    percent = 100 if progress["state"] == "done" else (progress.get("done", 0) * 100 // total if total else 0)
    context = {
        "token": token,
        "progress": progress,
        "percent": percent,
        "kind": job["kind"],
        "title": TITLES[job["kind"]],
    }
    template = "members/import_progress.html" if request.htmx else "members/import_status.html"
    return render(request, template, context)


@require_GET
@access(ORG_ADMIN)
def errors(request, token):
    """The rows that failed (after the import if it ran, else at the preview), with 失败原因."""
    job = _job(request, token)
    progress = progress_of(token) or {}
    failed = progress["failed_rows"] if progress.get("state") == "done" else job["failed"]
    if not failed:
        messages.info(request, "没有校验不通过的数据。")
        return redirect("members:import_status", token=token)
    return error_workbook_response(importing.template(job["kind"]), failed, f"{TITLES[job['kind']]}_失败数据.xlsx")


@require_GET
@access(ORG_ADMIN)
def template_download(request, kind):
    kind = _kind(kind)
    _target(request, kind)
    name = "导入本级团干部模板.xlsx" if kind == CADRES else "导入团员团干部模板.xlsx"
    return importing.template(kind).response(name)


urlpatterns = [
    path("import/<str:kind>/", upload, name="import"),
    path("import/<str:kind>/template/", template_download, name="import_template"),
    path("import-job/<str:token>/confirm/", confirm, name="import_confirm"),
    path("import-job/<str:token>/", status, name="import_status"),
    path("import-job/<str:token>/errors/", errors, name="import_errors"),
]
