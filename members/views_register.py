"""注册 → 管理员注册 (ORG-09): a public page, linked from the login page.

Step 1: the org and the code. Step 2: the org is shown for confirmation; 团内职务, the
personal info and the password. The final post checks everything again and registers
in one transaction (forms_register.register_admin), then sends the new admin to login.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from zhtj.core.access import PUBLIC, access

from .forms_register import CodeForm, RegisterForm, RegistrationRefused

STEP1 = "members/register.html"
STEP2 = "members/register_details.html"


def _step1(request, form, status=200):
    return render(request, STEP1, {"form": form}, status=status)


def _step2(request, form, org, status=200):
    return render(request, STEP2, {"form": form, "org": org}, status=status)


@require_http_methods(["GET", "POST"])
@access(PUBLIC)
def register(request):
    if request.method == "GET":
        return _step1(request, CodeForm())
    if request.POST.get("step") != "details":
        form = CodeForm(request.POST)
        if not form.is_valid():
            return _step1(request, form, status=400)
        details = RegisterForm(initial={"org_name": form.cleaned_data["org_name"], "code": form.cleaned_data["code"]})
        return _step2(request, details, form.org)
    form = RegisterForm(request.POST)
    if not form.is_valid():
        if form.back_to_step1:
            return _step1(request, form, status=400)
        return _step2(request, form, form.org, status=400)
    try:
        person = form.save()
    except RegistrationRefused as exc:
        # The code was used, superseded or the org filled up while this form was open.
        messages.error(request, str(exc))
        return _step1(request, CodeForm(initial={"org_name": form.cleaned_data["org_name"]}), status=409)
    messages.success(
        request,
        f"注册成功：{person.name}已成为{form.org.name}的管理员。请使用身份证号码和刚才设置的密码登录。",
    )
    return redirect("login")


urlpatterns = [path("register/", register, name="register")]
