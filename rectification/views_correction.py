"""自检表更正 (BEY-02, REC-09): an admin of the branch's superior chain files a request to reopen a
locked form; the nearest 省级团委 decides it in 操作中心, with audit."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from orgs.graduation import province_of
from orgs.models import Organization
from zhtj.core.access import ORG_ADMIN, access, scoped
from zhtj.core.audit import history_of
from zhtj.core.change_pages import review

from . import services as s
from .models import CampaignRecord, SelfCheckCorrectionRequest


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def correct(request, pk):
    """申请更正 the locked form of branch `pk` (in scope, below the acting org)."""
    branch = get_object_or_404(scoped(request, Organization.objects.all(), ""), pk=pk)
    if branch.pk == request.acting_org.pk:
        raise PermissionDenied("自检表更正申请由团支部的上级团组织提交，请向上级团组织反映。")
    record = get_object_or_404(CampaignRecord, branch=branch, year=s.campaign_year())
    context = {
        "branch": branch,
        "record": record,
        "pending": s.pending_correction(record).first(),
        "approver": province_of(branch),
        "explanation": "",
    }
    if request.method == "POST":
        context["explanation"] = request.POST.get("explanation", "")
        try:
            req = s.file_correction(request.acting_org, record, explanation=context["explanation"], by=request.user)
        except s.RecError as exc:
            messages.error(request, str(exc))
            context["pending"] = s.pending_correction(record).first()
            return render(request, "rectification/correct.html", context, status=exc.status)
        messages.success(request, f"自检表更正申请已提交，待{req.approver.name}审批。")
        return redirect("rectification:correction", pk=req.pk)
    return render(request, "rectification/correct.html", context)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def correction(request, pk):
    """One request: admins in scope of the branch may view it; only the 省级团委 decides, the filing
    org may withdraw it while pending."""
    req = get_object_or_404(
        scoped(
            request,
            SelfCheckCorrectionRequest.objects.select_related(
                "record__branch", "filed_by_org", "approver", "requested_by", "decided_by"
            ),
            "record__branch",
        ),
        pk=pk,
    )
    return review(
        request,
        req,
        title="自检表更正申请",
        template="rectification/correction.html",
        decide=s.decide_correction,
        context=lambda req: {"record_history": history_of(req.record)},
    )


urlpatterns = [
    path("correct/<int:pk>/", correct, name="correct"),
    path("corrections/<int:pk>/", correction, name="correction"),
]
