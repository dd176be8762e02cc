"""Error pages in Chinese; the reason given to PermissionDenied/Http404 is shown when useful."""

from django.conf import settings
from django.shortcuts import render

from .params import local_url
from .workflow import AlreadyHandled


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else "您没有权限访问此页面。"
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)


def csrf_failure(request, reason=""):
    return render(
        request, "errors/403.html", {"reason": "页面已过期或来源无法验证，请刷新页面后重新提交。"}, status=403
    )


def locked_out(request, original_response=None, credentials=None):
    """ROLE-09: too many failed logins. Says for how long, not which part was wrong."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


class AlreadyHandledMiddleware:
    """SEC-04: a workflow step already taken by someone else (or by the same double click) is
    answered here, 409 with "已被处理，请刷新后查看" and a link that reloads the page, whichever
    view the `AlreadyHandled` came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, AlreadyHandled):
            return already_handled(request, exception)
        return None


def already_handled(request, exception):
    again = local_url(request, request.META.get("HTTP_REFERER"), request.get_full_path())
    return render(request, "errors/409.html", {"reason": str(exception), "again": again}, status=409)
