"""工作通知 pages (NTC-01 … NTC-04): the received list with search, one notice (opening it marks it
read for the acting org), publishing and editing, 撤回, the read rates per direct child with
drill-down and 提醒未读, and the attachments (served only here, SEC-01).

Rules live in orgs/notices.py; these views only route.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from zhtj.core import tree
from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.audit import history_of
from zhtj.core.documents import KINDS
from zhtj.core.forms import Form
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk
from zhtj.core.pdf import pdf_response
from zhtj.core.replica import reads_replica
from zhtj.core.serving import serve_file
from zhtj.core.uploads import kept_form, refuse_upload, upload_limit

from . import notices
from .choices import AUDIENCE_GROUPS, level_label
from .models import Organization
from .models_notice import TITLE_MAX_LENGTH, Notice, NoticeAttachment

SEARCH_MAX = 50


class NoticeForm(Form):
    title = forms.CharField(label="标题", required=False, widget=forms.TextInput(attrs={"maxlength": TITLE_MAX_LENGTH}))
    body = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 8}))
    groups = forms.MultipleChoiceField(
        label="接收组织类别（不选为全部类别）",
        required=False,
        choices=[(k, label) for k, (label, _) in AUDIENCE_GROUPS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    levels = forms.MultipleChoiceField(
        label="接收组织层级（不选为全部层级；二级组织即直属下级）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = settings.ZHTJ["NTC_AUDIENCE_LEVELS"]
        self.fields["levels"].choices = [(str(d), level_label(d)) for d in range(1, most + 1)]

    @staticmethod
    def initial_for(notice):
        return {"title": notice.title, "body": notice.body, "groups": notice.groups, "levels": notice.levels}


def _visible(request, pk):
    return get_object_or_404(notices.visible_to(request.acting_org).select_related("publisher", "created_by"), pk=pk)


@access(ORG_ADMIN)
def notice_list(request):
    """工作通知: what the acting org received, newest first, unread marked; search by title."""
    org = request.acting_org
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    rows = notices.inbox_of(org).select_related("publisher")
    if q:
        rows = rows.filter(title__contains=q)
    return render(
        request,
        "orgs/notices/list.html",
        {"page": paginate(request, rows), "q": q, "may_publish": notices.may_publish(org)},
    )


@access(ORG_ADMIN)
def notice_sent(request):
    """已发布通知: the acting org's own notices, with how many orgs have read each."""
    org = request.acting_org
    notices.require_publisher(org)
    rows = Notice.objects.filter(publisher=org).annotate(n_read=Count("reads")).order_by("-published_at", "-pk")
    return render(request, "orgs/notices/sent.html", {"page": paginate(request, rows)})


def _form_page(request, form, notice=None):
    return render(
        request,
        "orgs/notices/form.html",
        {
            "form": form,
            "notice": notice,
            "attachments": list(notice.attachments.all()) if notice else [],
            "max_files": settings.ZHTJ["NTC_ATTACHMENTS_MAX"],
            "max_mb": settings.ZHTJ["NTC_ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        },
    )


def _too_large():
    return notices.NoticeError(
        f"上传的附件过大：单个附件不能超过 {settings.ZHTJ['NTC_ATTACHMENT_MAX_BYTES'] // (1024 * 1024)} MB，"
        f"一次上传的附件合计不能超过 {settings.ZHTJ['NTC_UPLOAD_MAX_BYTES'] // (1024 * 1024)} MB。"
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
@upload_limit("NTC_UPLOAD_MAX_BYTES")
def notice_new(request):
    """发布工作通知 (NTC-01)."""
    org = request.acting_org
    notices.require_publisher(org)
    if request.method == "GET":
        return _form_page(request, NoticeForm(kept_form(request)))
    form = NoticeForm(request.POST)
    try:
        if getattr(request, "upload_too_large", False):
            raise _too_large()
        form.is_valid()
        data = form.cleaned_data
        notice = notices.publish(
            org,
            by=request.user,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            groups=data.get("groups", []) if "groups" not in form.errors else ["?"],
            levels=data.get("levels", []) if "levels" not in form.errors else ["?"],
            uploads=request.FILES.getlist("attachments"),
        )
    except notices.NoticeError as exc:
        return refuse_upload(request, str(exc))
    messages.success(request, f"工作通知《{notice.title}》已发布，接收范围：{notice.audience_label}。")
    return redirect("orgs:notice", notice.pk)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
@upload_limit("NTC_UPLOAD_MAX_BYTES")
def notice_edit(request, pk):
    """修改 (NTC-04): the publisher only; every change is kept in 变更记录."""
    notice = _visible(request, pk)
    notices.require_own(request.acting_org, notice)
    if request.method == "GET":
        kept = kept_form(request)
        form = NoticeForm(kept) if kept else NoticeForm(initial=NoticeForm.initial_for(notice))
        return _form_page(request, form, notice)
    form = NoticeForm(request.POST)
    try:
        if getattr(request, "upload_too_large", False):
            raise _too_large()
        form.is_valid()
        data = form.cleaned_data
        remove = {parse_pk(v) for v in request.POST.getlist("remove")}
        if None in remove:
            raise notices.NoticeError("要删除的附件无效，请刷新后重试。")
        notice = notices.edit(
            notice,
            request.acting_org,
            by=request.user,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            groups=data.get("groups", []) if "groups" not in form.errors else ["?"],
            levels=data.get("levels", []) if "levels" not in form.errors else ["?"],
            uploads=request.FILES.getlist("attachments"),
            remove=remove,
        )
    except notices.NoticeError as exc:
        return refuse_upload(request, str(exc))
    messages.success(request, f"工作通知《{notice.title}》已修改。")
    return redirect("orgs:notice", notice.pk)


@access(ORG_ADMIN)
def notice_detail(request, pk):
    """One notice. Opening a notice the acting org received marks it read for that org (NTC-02)."""
    org = request.acting_org
    notice = _visible(request, pk)
    received = notices.is_received(notice, org)
    if received:
        notices.mark_read(notice, org, request.user)
    own = org.pk == notice.publisher_id
    return render(
        request,
        "orgs/notices/detail.html",
        {
            "notice": notice,
            "attachments": notice.attachments.all(),
            "own": own,
            "history": history_of(notice)[:50] if own or not received else None,
        },
    )


@require_POST
@access(ORG_ADMIN)
def notice_withdraw(request, pk):
    notice = _visible(request, pk)
    try:
        notice = notices.withdraw(notice, request.acting_org, by=request.user)
    except notices.NoticeError as exc:
        messages.error(request, str(exc))
        return redirect("orgs:notice", notice.pk)
    messages.success(request, f"工作通知《{notice.title}》已撤回，接收组织将不再看到。")
    return redirect("orgs:notice", notice.pk)


def _scope(request, notice):
    """The org whose direct children the read-rate page shows: the publisher, or one below it (?org=)."""
    raw = request.GET.get("org") or request.POST.get("org") or ""
    if not raw:
        return notice.publisher
    pk = parse_pk(raw)
    if pk is None:
        raise Http404
    return get_object_or_404(Organization.objects.subtree_of(notice.publisher), pk=pk)


@access(ORG_ADMIN)
@reads_replica
def notice_reads(request, pk):
    """阅读情况 (NTC-03): x of y orgs per direct child of the publisher, drillable (?org=)."""
    notice = _visible(request, pk)
    if not request.acting_org.contains(notice.publisher):
        raise Http404  # a receiver sees the notice, not who else read it
    scope = _scope(request, notice)
    page = paginate(request, scope.get_children().order_by("tree_id", "lft"))
    notices.read_rates(notice, scope, page.object_list)
    reached, read = notices.own_status(notice, scope)
    return render(
        request,
        "orgs/notices/reads.html",
        {
            "notice": notice,
            "scope": scope,
            "page": page,
            "trail": trail(scope, notice.publisher),
            "own_reached": reached,
            "own_read": read,
            "own": request.acting_org.pk == notice.publisher_id,
        },
    )


@require_POST
@access(ORG_ADMIN)
def notice_remind(request, pk):
    """提醒未读 (NTC-03): a 操作中心 notification to every unread org under the page's scope."""
    notice = _visible(request, pk)
    notices.require_own(request.acting_org, notice)
    scope = _scope(request, notice)
    back = f"{notice_reads_url(notice)}?org={scope.pk}"
    try:
        sent = notices.remind(notice, scope, by=request.user)
    except notices.NoticeError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if sent:
        messages.success(request, f"已提醒{sent}个未读组织，提醒已发送到其操作中心。")
    else:
        messages.info(request, "该范围内的组织均已阅读，无需提醒。")
    return redirect(back)


def trail(scope, top):
    """The drill-down path from `top` to `scope` (by parent pointers: tree.ancestors)."""
    pks = [pk for pk, level in tree.ancestors(scope, include_self=True) if level >= top.level]
    return Organization.objects.filter(pk__in=pks).order_by("level")


def notice_reads_url(notice):
    return reverse("orgs:notice_reads", args=[notice.pk])


@access(ORG_ADMIN)
def notice_attachment(request, pk):
    """SEC-01: an attachment, for an org that may open its notice; else 404."""
    attachment = get_object_or_404(
        NoticeAttachment.objects.filter(notice__in=notices.visible_to(request.acting_org).values("pk")), pk=pk
    )
    if attachment.kind == "pdf":
        try:
            handle = attachment.file.open("rb")
        except OSError:
            raise Http404 from None
        return pdf_response(handle, filename=attachment.original_name, as_attachment=request.GET.get("download") == "1")
    return serve_file(
        request,
        attachment.file,
        content_type=KINDS.get(attachment.kind, ("", "application/octet-stream"))[1],
        filename=attachment.original_name,
        as_attachment=True,
    )


urlpatterns = [
    path("notices/", notice_list, name="notices"),
    path("notices/sent/", notice_sent, name="notices_sent"),
    path("notices/new/", notice_new, name="notice_new"),
    path("notices/<int:pk>/", notice_detail, name="notice"),
    path("notices/<int:pk>/edit/", notice_edit, name="notice_edit"),
    path("notices/<int:pk>/withdraw/", notice_withdraw, name="notice_withdraw"),
    path("notices/<int:pk>/reads/", notice_reads, name="notice_reads"),
    path("notices/<int:pk>/remind/", notice_remind, name="notice_remind"),
    path("notices/files/<int:pk>/", notice_attachment, name="notice_attachment"),
]
