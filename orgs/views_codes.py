"""管理下级组织 → 管理员注册码 (ORG-09): single (a row's 管理员注册码 button) and batch
(批量生成管理员注册码: an Excel of every direct sub-org's fresh code).

Only the acting org's direct sub-orgs: anything else is a 404 (the lookup is made
among the acting org's children).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from zhtj.core.access import DIRECT_SUPERIOR, access
from zhtj.core.excel import export_response

from . import codes
from .models import Organization

BATCH_HEADERS = ["组织简称", "组织全称", "管理员注册码", "有效期至"]


def _expiry_text(code):
    return f"{timezone.localtime(code.expires_at):%Y-%m-%d %H:%M}"


@require_POST
@access(DIRECT_SUPERIOR)
def code(request, pk):
    """生成一个直属下级组织的管理员注册码 and show it with its expiry."""
    sub = get_object_or_404(Organization.objects.filter(parent=request.acting_org), pk=pk)
    try:
        issued = codes.generate(sub, by=request.user)
    except codes.CodeRefused as exc:
        messages.error(request, str(exc))
        return render(request, "orgs/code.html", {"sub": sub, "code": None}, status=409)
    messages.success(request, f"已为{sub.name}生成管理员注册码。")
    return render(request, "orgs/code.html", {"sub": sub, "code": issued, "expires": _expiry_text(issued)})


@require_http_methods(["GET", "POST"])
@access(DIRECT_SUPERIOR)
def codes_batch(request):
    """批量生成管理员注册码: GET explains, POST generates for every direct sub-org and
    downloads 组织简称/组织全称/管理员注册码/有效期至 as .xlsx."""
    parent = request.acting_org
    count = Organization.objects.filter(parent=parent).count()
    if request.method == "POST":
        if not count:
            messages.error(request, "本组织暂无直属下级组织，无需生成管理员注册码。请先创建下级组织。")
            return render(request, "orgs/codes_batch.html", _batch_context(parent, count), status=409)
        try:
            issued = codes.generate_for_children(parent, by=request.user)
        except codes.CodeRefused as exc:
            messages.error(request, str(exc))
            return render(request, "orgs/codes_batch.html", _batch_context(parent, count), status=409)
        full = codes.full_children(parent)
        messages.success(request, f"已为{len(issued)}个直属下级组织生成管理员注册码，并已下载注册码表格。")
        rows = [
            *([org.name, org.full_name, c.code, _expiry_text(c)] for org, c in issued),
            *([org.name, org.full_name, "无需生成", org.code_refusal] for org in full),
        ]
        stamp = f"{timezone.localtime():%Y%m%d%H%M}"
        return export_response(
            f"{parent.name}直属下级组织管理员注册码{stamp}.xlsx", BATCH_HEADERS, rows, "管理员注册码"
        )
    return render(request, "orgs/codes_batch.html", _batch_context(parent, count))


def _batch_context(parent, count):
    return {"org": parent, "count": count, "days": settings.ZHTJ["REGISTRATION_CODE_DAYS"]}


urlpatterns = [
    path("children/<int:pk>/code/", code, name="code"),
    path("children/codes/", codes_batch, name="codes_batch"),
]
