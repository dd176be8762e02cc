"""管理中心 → 创建下级组织 (ORG-04, ORG-05, ORG-08) and 删除下级组织 (ORG-13).

The page opens on 批量创建 (seed 003 二(一)3(3)); 单个创建 is the other tab. Only direct
sub-orgs of the acting org are created or deleted here.
"""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.excel import error_workbook_response, too_large_message
from zhtj.core.uploads import kept_form, refuse_upload, upload_limit

from .forms_create import BatchUploadForm, SingleCreateForm
from .models import Organization
from .naming import NAMING_RULES, category_problem, creatable_categories, short_name_problem
from .services import suggest_full_name
from .suborgs import RowResult, SubOrgRefused, batch_template, create_suborg, delete_suborg, import_suborgs
from .views import sub_orgs

ERRORS_SESSION_KEY = "suborg_import_errors"


def _parent(request):
    """The acting org, which must be able to hold sub-orgs."""
    org = request.acting_org
    if org.is_branch_kind:
        raise PermissionDenied("团支部没有下级组织，不能创建下级组织。")
    return org


def _page(request, parent, tab, status=200, **context):
    context.setdefault("form", SingleCreateForm(parent))
    context.setdefault("upload_form", BatchUploadForm())
    return render(
        request,
        "orgs/create.html",
        {"org": parent, "tab": tab, "rules": NAMING_RULES, "branch_only": len(creatable_categories(parent)) == 1}
        | context,
        status=status,
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def create(request):
    """GET: the page (批量创建 unless ?tab=single). POST: 单个创建."""
    parent = _parent(request)
    if request.method == "GET":
        if request.GET.get("tab") == "single":
            return _page(request, parent, "single")
        return _page(request, parent, "batch", **_refused_batch(request, parent))
    form = SingleCreateForm(parent, request.POST)
    if not form.is_valid():
        messages.error(request, "创建失败，请按提示修改后重新提交。")
        return _page(request, parent, "single", status=400, form=form)
    if form.needs_full_name_check:
        # ORG-05: the generated 组织全称 is shown for correction before anything is saved.
        data = request.POST.copy()
        data["full_name"] = form.suggestion
        messages.info(request, "组织全称已根据上级组织和组织简称自动生成，请核对、修正后再点击“创建”。")
        return _page(request, parent, "single", form=SingleCreateForm(parent, data))
    data = form.cleaned_data
    try:
        org = create_suborg(parent, data["name"], data["category"], data["full_name"])
    except SubOrgRefused as exc:
        messages.error(request, str(exc))
        return _page(request, parent, "single", status=409, form=form)
    messages.success(request, f"已创建下级组织“{org.name}”（{org.full_name}）。")
    return redirect(reverse("orgs:create") + "?tab=single")


@require_POST
@access(ORG_ADMIN)
@upload_limit("EXCEL_MAX_BYTES")
def create_batch(request):
    """批量创建: upload the filled-in template; every row gets a result (ORG-08)."""
    parent = _parent(request)
    back = reverse("orgs:create") + "?tab=batch"
    if getattr(request, "upload_too_large", False):  # stopped while the body streamed in (SEC-05)
        return refuse_upload(request, "导入失败：" + too_large_message(), to=back)
    upload_form = BatchUploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        reasons = upload_form.errors.get("file", ["请选择要上传的 Excel 文件。"])
        return refuse_upload(request, "导入失败：" + " ".join(reasons), to=back)
    results = import_suborgs(parent, upload_form.rows)
    counts = _counts(results)
    failed = [r for r in results if r.status == RowResult.FAILED]
    request.session.pop(ERRORS_SESSION_KEY, None)
    if failed:
        token = secrets.token_urlsafe(24)
        cache.set(
            f"suborg-errors:{token}",
            {"org": parent.pk, "failed": [(r.values, r.reason) for r in failed], "numbers": [r.number for r in failed]},
            settings.ZHTJ["IMPORT_ERRORS_SECONDS"],
        )
        request.session[ERRORS_SESSION_KEY] = token
    summary = (
        f"共{len(results)}行：已创建{counts[RowResult.CREATED]}个，"
        f"已存在（未重复创建）{counts[RowResult.EXISTS]}个，失败{counts[RowResult.FAILED]}个。"
    )
    if len(failed) == len(results):
        # nothing created: a refused upload (post/redirect/get); the GET page lists each row's reason once
        return refuse_upload(request, summary + "请下载失败数据，按失败原因修改后重新上传。", to=back)
    if failed:
        messages.warning(request, summary + "请下载失败数据，按失败原因修改后重新上传。")
    else:
        messages.success(request, summary)
    return _page(request, parent, "batch", results=results, counts=counts)


def _counts(results):
    return {status: sum(r.status == status for r in results) for status in RowResult.LABELS}


def _refused_batch(request, parent):
    """Back from a refused batch upload: its failed rows and their reasons, shown once."""
    if kept_form(request) is None:
        return {}
    token = request.session.get(ERRORS_SESSION_KEY)
    data = cache.get(f"suborg-errors:{token}") if token else None
    if not data or data["org"] != parent.pk:
        return {}
    results = [
        RowResult(number, values, RowResult.FAILED, reason)
        for number, (values, reason) in zip(data["numbers"], data["failed"], strict=True)
    ]
    return {"results": results, "counts": _counts(results)}


@require_GET
@access(ORG_ADMIN)
def create_template(request):
    _parent(request)
    return batch_template().response("创建下级组织模板.xlsx")


@require_GET
@access(ORG_ADMIN)
def create_errors(request):
    """The failed rows of this session's last upload, with a 失败原因 column (BEY-03)."""
    parent = _parent(request)
    token = request.session.get(ERRORS_SESSION_KEY)
    data = cache.get(f"suborg-errors:{token}") if token else None
    if not data or data["org"] != parent.pk:
        hours = settings.ZHTJ["IMPORT_ERRORS_SECONDS"] // 3600
        messages.warning(request, f"没有可下载的失败数据（失败数据保留{hours}小时），请重新上传文件。")
        return redirect("orgs:create")
    return error_workbook_response(batch_template(), data["failed"], "创建下级组织_失败数据.xlsx")


@require_GET
@access(ORG_ADMIN)
def full_name(request):
    """htmx: the suggested 组织全称 for the short name being typed, and any naming problem."""
    parent = _parent(request)
    name = request.GET.get("name", "").strip()[:100]
    category = request.GET.get("category", "")
    suggestion, hint = "", ""
    if name:
        taken = set(parent.children.filter(name=name).values_list("name", flat=True))
        hint = category_problem(parent, category) or short_name_problem(name, category, taken) or ""
        suggestion = "" if hint else suggest_full_name(parent, name)
    return render(request, "orgs/create_full_name.html", {"value": suggestion, "hint": hint})


@require_POST
@access(ORG_ADMIN)
def delete(request, pk):
    """删除下级组织: a direct sub-org of the acting org, once it is empty (ORG-13)."""
    acting = request.acting_org
    org = get_object_or_404(Organization.objects.filter(parent=acting), pk=pk)
    try:
        delete_suborg(org)
    except SubOrgRefused as exc:
        messages.error(request, f"不能删除“{org.name}”：{exc}")
        return render(request, "orgs/children.html", {"org": acting, "subs": sub_orgs(request, acting)}, status=409)
    messages.success(request, f"已删除下级组织“{org.name}”。")
    return redirect("orgs:children")


urlpatterns = [
    path("create/", create, name="create"),
    path("create/batch/", create_batch, name="create_batch"),
    path("create/template/", create_template, name="create_template"),
    path("create/errors/", create_errors, name="create_errors"),
    path("create/full-name/", full_name, name="full_name"),
    path("<int:pk>/delete/", delete, name="delete"),
]
