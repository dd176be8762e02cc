"""个人中心 → 关系转接: 团组织关系转交申请表, progress and 我的组织关系转接历史 (TRF-04)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from orgs.models import Organization
from zhtj.core.access import MEMBER, access
from zhtj.core.audit import history_of
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk
from zhtj.core.workflow import WorkflowError, seen_state

from . import services
from .choices import OPEN_STATES, Destination, Reason
from .models import Transfer
from .views_handle import search_orgs


def _context(request):
    mine = Transfer.objects.filter(person=request.user).select_related("from_branch", "target", "to_branch")
    current = mine.filter(state__in=OPEN_STATES).first()
    return {
        "current": current,
        "current_history": history_of(current) if current else [],
        "history": paginate(
            request, mine.exclude(state__in=OPEN_STATES).order_by("-created_at", "-pk"), param="history"
        ),
        "targets": search_orgs(request.GET.get("q")),
        "reasons": Reason.choices,
        "destinations": Destination.choices,
        "get": request.GET,
    }


@require_http_methods(["GET", "POST"])
@access(MEMBER)
def my(request):
    person = request.user
    if request.method == "POST":
        post = request.POST
        try:
            target_pk = parse_pk(post.get("target"))
            if target_pk is None:
                raise services.TransferError("请选择转入组织。")
            target = get_object_or_404(Organization, pk=target_pk)
            services.start_by_member(
                person,
                target,
                reason=post.get("reason", ""),
                destination=post.get("destination", ""),
                school_name=post.get("school_name", ""),
                school_address=post.get("school_address", ""),
            )
            messages.success(request, "团组织关系转交申请已提交，请联系转出组织、转入组织管理员完成审批。")
            return redirect("transfers:my")
        except services.TransferError as exc:
            messages.error(request, str(exc))
            return render(request, "transfers/my.html", _context(request), status=400)
    return render(request, "transfers/my.html", _context(request))


@require_POST
@access(MEMBER)
def my_withdraw(request, pk):
    t = get_object_or_404(Transfer.objects.filter(person=request.user), pk=pk)
    try:
        services.act(None, t, "withdraw", by=request.user, seen_state=seen_state(request, t))
        messages.success(request, "已撤销转接申请。")
    except (WorkflowError, services.TransferError) as exc:
        messages.error(request, str(exc))
        return render(request, "transfers/my.html", _context(request), status=400)
    return redirect("transfers:my")


urlpatterns = [
    path("my/", my, name="my"),
    path("my/<int:pk>/withdraw/", my_withdraw, name="my_withdraw"),
]
