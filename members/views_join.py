"""团员团干部注册 pages (REG-01 … REG-03).

Public (policy `public`, every post throttled per address): 团员注册 — find the branch by its exact
组织全称, or open the branch's own link / QR code — then the entry form; 查询审批结果 by ID number and
name. For the branch admin: 业务办理-团员团干部注册审批 (list and one application: 同意 / 不同意) and the
printable 注册链接与二维码 (REG-03). Rules live in members/registration.py.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from zhtj.core import throttle
from zhtj.core.access import ORG_ADMIN, PUBLIC, access, scoped
from zhtj.core.pagination import paginate
from zhtj.core.workflow import WorkflowError, seen_state

from . import registration
from .models_registration import SelfRegistration

State = SelfRegistration.State
THROTTLED = "操作过于频繁，请{minutes}分钟后再试。"


def _throttled(request):
    """True (and the message set) when this address has posted more than REG_IP_LIMIT times in
    REG_IP_WINDOW_SECONDS to the public registration pages."""
    cfg = settings.ZHTJ
    if throttle.hit(request, "join", limit=cfg["REG_IP_LIMIT"], window=cfg["REG_IP_WINDOW_SECONDS"]):
        return False
    messages.error(request, THROTTLED.format(minutes=max(cfg["REG_IP_WINDOW_SECONDS"] // 60, 1)))
    return True


def _find_page(request, full_name="", status=200):
    return render(request, "members/join/find.html", {"full_name": full_name}, status=status)


def _form_page(request, form, branch, token, status=200):
    return render(
        request,
        "members/join/form.html",
        {"form": form, "branch": branch, "token": token, "as_cadre": form.cadre},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@access(PUBLIC)
def join(request):
    """团员注册, step 1: the branch by its exact 组织全称 (REG-01)."""
    if request.method == "GET":
        return _find_page(request)
    full_name = request.POST.get("full_name", "").strip()[:300]
    if _throttled(request):
        return _find_page(request, full_name, status=429)
    if not full_name:
        messages.error(request, "请填写团支部全称。")
        return _find_page(request, status=400)
    branch = registration.find_branch(full_name)
    if branch is None:
        messages.error(request, registration.NOT_FOUND)
        return _find_page(request, full_name, status=404)
    return redirect("members:join_branch", token=registration.branch_token(branch))


@require_http_methods(["GET", "POST"])
@access(PUBLIC)
def join_branch(request, token):
    """团员注册, step 2: the entry form for the branch of the link (REG-01, REG-03)."""
    branch = registration.branch_from_token(token)
    if branch is None:
        messages.error(request, "注册链接无效或已失效，请向团支部重新获取，或按团支部全称查找。")
        return _find_page(request, status=404)
    as_cadre = (request.POST.get("cadre") if request.method == "POST" else request.GET.get("cadre")) == "1"
    if request.method == "GET":
        return _form_page(request, registration.RegistrationForm(org=branch, cadre=as_cadre), branch, token)
    form = registration.RegistrationForm(request.POST, org=branch, cadre=as_cadre)
    if _throttled(request):
        return _form_page(request, form, branch, token, status=429)
    if not form.is_valid():
        messages.error(request, "提交失败，请按提示修改后重新提交。")
        return _form_page(request, form, branch, token, status=400)
    try:
        reg = registration.apply(form, branch)
    except registration.RegistrationError as exc:
        messages.error(request, str(exc))
        return _form_page(request, form, branch, token, status=exc.status)
    messages.success(
        request,
        f"注册申请已提交，请等待{branch.name}管理员审批。审批结果可在本页凭身份证号码和姓名查询；"
        f"通过后使用身份证号码登录，初始密码为身份证号码后8位。",
    )
    return redirect(f"{reverse('members:join_status')}?name={reg.name}")


@require_http_methods(["GET", "POST"])
@access(PUBLIC)
def join_status(request):
    """查询审批结果 (REG-02): by ID number and name; only the state, the date and a refusal's reason."""
    context = {"name": request.GET.get("name", "")[:50], "searched": False}
    status = 200
    if request.method == "POST":
        context["name"] = request.POST.get("name", "").strip()[:50]
        if _throttled(request):
            return render(request, "members/join/status.html", context, status=429)
        context["searched"] = True
        context["reg"] = registration.status_of(request.POST.get("id_number", "")[:32], context["name"])
        if context["reg"] is None:
            status = 404
    return render(request, "members/join/status.html", context, status=status)


# --- the branch's side ---------------------------------------------------------------------------


@access(ORG_ADMIN)
def approvals(request):
    """业务办理-团员团干部注册审批: applications to branches of the subtree, masked ID numbers (SEC-03)."""
    state = request.GET.get("state", State.PENDING)
    status = 200
    if state and state not in State.values:
        messages.error(request, "筛选条件无效：请从列表中选择处理状态。")
        state, status = State.PENDING, 400
    rows = scoped(request, SelfRegistration.objects.select_related("branch"), "branch")
    if state:
        rows = rows.filter(state=state)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "members/join/approvals.html",
        {
            "page": paginate(request, rows.order_by("-created_at", "-pk")),
            "state": state,
            "states": State.choices,
            "query": params.urlencode(),
            "is_branch": request.acting_org.is_branch_kind,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def approval(request, pk):
    """One application: the typed values (whole ID number for the admins in scope), 同意 / 不同意."""
    reg = get_object_or_404(
        scoped(request, SelfRegistration.objects.select_related("branch", "decided_by"), "branch"), pk=pk
    )
    status = 200
    if request.method == "POST":
        try:
            reg = registration.decide(
                reg,
                request.acting_org,
                by=request.user,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
                seen=seen_state(request, reg),
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
            reg.refresh_from_db()
            status = 400
        except registration.RegistrationError as exc:
            messages.error(request, str(exc))
            status = exc.status
        else:
            if reg.state == State.APPROVED:
                messages.success(
                    request, f"已同意{reg.name}的注册申请，已录入{reg.branch.name}，初始密码为身份证号码后8位。"
                )
            else:
                messages.success(request, f"已不同意{reg.name}的注册申请，申请人可凭身份证号码查询原因。")
            return redirect("members:join_approvals")
    form = registration.recheck(reg)
    return render(
        request,
        "members/join/approval.html",
        {
            "reg": reg,
            "rows": registration.typed_rows(reg, form),
            "problems": form.errors if reg.state == State.PENDING else None,
            "can_decide": request.acting_org.pk == reg.branch_id and reg.state == State.PENDING,
            "reason": request.POST.get("reason", ""),
        },
        status=status,
    )


@access(ORG_ADMIN)
def branch_link(request):
    """REG-03: the branch's registration link and QR code, on a page made for printing."""
    branch = request.acting_org
    if not branch.is_branch_kind or branch.is_pool:
        raise PermissionDenied("注册链接和二维码由团支部管理员生成，请切换到团支部后操作。")
    url = request.build_absolute_uri(reverse("members:join_branch", args=[registration.branch_token(branch)]))
    qr = segno.make(url, error="m")
    return render(
        request,
        "members/join/link.html",
        {"branch": branch, "url": url, "qr_svg": qr.svg_inline(scale=6, title=f"{branch.name}团员注册二维码")},
    )


urlpatterns = [
    path("join/", join, name="join"),
    path("join/status/", join_status, name="join_status"),
    path("join/b/<str:token>/", join_branch, name="join_branch"),
    path("join/approvals/", approvals, name="join_approvals"),
    path("join/approvals/<int:pk>/", approval, name="join_approval"),
    path("join/link/", branch_link, name="join_link"),
]
