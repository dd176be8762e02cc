"""本组织信息 → 编辑 (ORG-06, ORG-07, ORG-10) and the key-domain gate form (ORG-14).

Only the org's own admin edits its info (the parent sets short name and category at
creation, ORG-08); a superior views it on the org's page.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.workflow import WorkflowError

from .completeness import key_domain_fields, key_domain_missing, missing_items
from .forms_info import KeyDomainForm, OrgInfoForm, key_domain_answers
from .middleware import gate_message


def _frozen(org):
    """What the form shows but never takes: (label, value) pairs."""
    rows = [
        ("组织类别", org.get_category_display()),
        ("组织简称", org.name),
        ("组织全称", org.full_name),
    ]
    if org.industry:
        rows.append(("单位所属行业类别", org.get_industry_display()))
    if org.school_code:
        rows.append(("学校标识码", org.school_code))
    rows.append(("上级组织", org.parent.name if org.parent_id else "—"))
    return rows


def _render_info(request, org, form, status=200):
    return render(
        request,
        "orgs/info_edit.html",
        {"org": org, "form": form, "frozen": _frozen(org), "missing": missing_items(org)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def info_edit(request):
    """编辑本组织信息: red-marked fields by category; frozen fields shown, never taken."""
    org = request.acting_org
    if request.method != "POST":
        return _render_info(request, org, OrgInfoForm(org=org))
    form = OrgInfoForm(request.POST, org=org)
    if not form.is_valid():
        messages.error(request, "提交失败：请按红色提示修改后重新提交。")
        return _render_info(request, org, form, status=400)
    try:
        org = form.save()
    except WorkflowError as exc:
        messages.error(request, str(exc))
        org.refresh_from_db()
        return _render_info(request, org, OrgInfoForm(org=org), status=409)
    messages.success(request, "本组织信息已保存。")
    missing = missing_items(org)
    if missing:
        messages.warning(request, "组织信息尚未完整：" + "；".join(missing) + "。")
    if key_domain_missing(org):
        return redirect("orgs:key_domain")
    return redirect("orgs:detail", pk=org.pk)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def key_domain(request):
    """重点领域信息: answered once, then frozen (ORG-14)."""
    org = request.acting_org
    if not key_domain_fields(org):
        messages.info(request, "本组织无需填写重点领域信息。")
        return redirect("home")
    missing = key_domain_missing(org)
    if request.method == "POST":
        if not missing:
            messages.error(request, "重点领域信息已提交，不可修改。")
            return _render_gate(request, org, None, status=409)
        form = KeyDomainForm(request.POST, org=org)
        if not form.is_valid():
            messages.error(request, "提交失败：请按红色提示修改后重新提交。")
            return _render_gate(request, org, form, status=400)
        try:
            form.save()
        except WorkflowError as exc:
            messages.error(request, str(exc))
            org.refresh_from_db()
            return _render_gate(request, org, None, status=409)
        messages.success(request, "重点领域信息已提交，现在可以正常使用系统。")
        return redirect("home")
    return _render_gate(request, org, None)


def _render_gate(request, org, form, status=200):
    missing = key_domain_missing(org)
    if missing and form is None:
        form = KeyDomainForm(org=org)
    return render(
        request,
        "orgs/key_domain.html",
        {
            "org": org,
            "form": form if missing else None,
            "answers": key_domain_answers(org),
            "notice": gate_message(org, missing) if missing else "",
        },
        status=status,
    )


urlpatterns = [
    path("info/edit/", info_edit, name="info_edit"),
    path("key-domain/", key_domain, name="key_domain"),
]
