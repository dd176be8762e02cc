"""The key-domain gate (ORG-14).

An admin acting for a 高校本级 org (普通高等院校 / 高等职业（专科）院校 with a 学校标识码)
that has not given its 在校学生数, or for a 国有企业 org without 企业层级 and 企业所在驻地,
sees only the gate form until it is answered: every other page redirects there with a
message, like the forced password change (zhtj.core.middleware). Logout, password change,
switching to another org and static files stay open.

Runs after ActingOrgMiddleware and reads only the acting org already loaded: no query.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .completeness import key_domain_missing
from .models import Organization

GATE_URL_NAME = "orgs:key_domain"
ALLOWED = (GATE_URL_NAME, "logout", "password_change", "switch_org")


def gate_message(org, missing):
    labels = "、".join(Organization._meta.get_field(f).verbose_name for f in missing)
    return f"请先填写本组织重点领域信息（{labels}），提交后方可使用系统其他功能。"


class KeyDomainGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        org = getattr(request, "acting_org", None)
        if org is not None and request.user.is_authenticated:
            missing = key_domain_missing(org)
            if missing and not self._allowed(request.path):
                messages.warning(request, gate_message(org, missing))
                target = reverse(GATE_URL_NAME)
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _allowed(path):
        return path in {reverse(name) for name in ALLOWED} or path.startswith(settings.STATIC_URL)
