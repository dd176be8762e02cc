from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import batch, deadlines, inbox, prompts, sent
from . import home as home_cards
from .access import MEMBER, ORG_ADMIN, PUBLIC, access
from .middleware import PERSONAL, SESSION_KEY
from .pagination import paginate
from .replica import reads_replica


@access(PUBLIC)
def healthz(request):
    """For load balancers and ops: the process answers. Touches no data (the benchmark's floor
    for requests per second, issue 10)."""
    return HttpResponse("ok", content_type="text/plain")


@access(MEMBER)
def home(request):
    """组织首页 for an acting admin, 我的首页 for a member."""
    org = request.acting_org
    notes = prompts.for_request(request)
    if org is None:
        context = {"person": request.user, "prompts": notes, "cards": home_cards.cards_for(request)}
        context["transfers_url"] = home_cards.safe_reverse("transfers:my")
        return render(request, "core/member_home.html", context)
    return render(
        request,
        "core/org_home.html",
        {
            "org": org,
            "tabs": inbox.tabs(request),
            "prompts": notes,
            "cards": home_cards.cards_for(request),
        },
    )


@access(ORG_ADMIN)
def deadline_board(request):
    """截止事项 (BEY-08): what falls due this month for the acting org, each with a date, a count
    and a link; every app adds its own (zhtj/core/deadlines.py)."""
    start, end = deadlines.month_bounds()
    return render(
        request,
        "core/deadlines.html",
        {"org": request.acting_org, "items": deadlines.for_request(request), "month_start": start, "month_end": end},
    )


@access(ORG_ADMIN)
def sent_page(request):
    """我发起的: what the acting org filed that still waits for others, with 撤销 where allowed."""
    return render(request, "core/sent.html", {"org": request.acting_org, "sections": sent.sections(request)})


@access(MEMBER)
@reads_replica
def inbox_page(request):
    """操作中心: 待办 of every kind with the 所有类型 filter, and 处理结果 (OPC-01)."""
    tabs = inbox.tabs(request)
    kind = request.GET.get("kind", "")
    if kind and kind not in {k.kind for k, _ in tabs}:
        kind = ""
    return render(
        request,
        "core/inbox.html",
        {
            "tabs": tabs,
            "kind": kind,
            "page": paginate(request, inbox.PendingItems(request, kind or None), size_key="INBOX_PAGE_SIZE"),
            "notices": paginate(
                request,
                inbox.notifications_for(request).order_by("-created_at", "-pk"),
                size_key="INBOX_PAGE_SIZE",
                param="results",
            ),
        },
    )


@require_POST
@access(MEMBER)
def mark_notifications_read(request):
    inbox.notifications_for(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, "已全部标记为已读。")
    return redirect("inbox")


@require_POST
@access(MEMBER)
def switch_org(request):
    """切换其他组织 (ROLE-04): only to an org the person administers, or to 个人中心."""
    raw = request.POST.get("org", "")
    if raw == str(PERSONAL):
        if not request.user.is_member:
            raise Http404
        request.session[SESSION_KEY] = PERSONAL
        messages.success(request, "已切换到个人中心。")
        return redirect("home")
    target = next((o for o in request.admin_orgs if str(o.pk) == raw), None)
    if target is None:
        raise Http404("您不是该组织的管理员。")
    request.session[SESSION_KEY] = target.pk
    messages.success(request, f"已切换到“{target.name}”。")
    return redirect("home")


@access(ORG_ADMIN)
def batch_status(request, token):
    """A 批量 run over a filtered set (core.batch): its progress bar (htmx polls the partial), then
    how many were done and every refused item with its reason, paginated. Only the admin who
    started it, acting for the same org, sees it."""
    job = batch.job_of(token)
    if job is None or job["user"] != request.user.pk or job["acting_org"] != request.acting_org.pk:
        raise Http404
    progress = batch.progress_of(token) or {"state": "queued", "done": 0, "total": 0}
    total = progress.get("total") or 0
    finished = progress["state"] == "done"
    context = {
        "token": token,
        "job": job,
        "progress": progress,
        "percent": 100 if finished else (progress.get("done", 0) * 100 // total if total else 0),
        "failures": paginate(request, progress.get("failures") or [], param="failures") if finished else None,
    }
    template = "core/_batch_progress.html" if request.htmx else "core/batch_status.html"
    return render(request, template, context)
