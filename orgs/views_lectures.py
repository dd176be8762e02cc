"""公开团课 pages (EDU-01, EDU-02): the members' 团课-公开团课 (list, watch page that records the
study), the admins' list with who studied (a branch's members; a committee's rate per direct child,
drillable), publishing and editing for 团中央 and provincial organs, and the files: the video
served with HTTP Range requests so it can be seeked, the slides as a PDF (SEC-01).
"""

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from zhtj.core.access import MEMBER, ORG_ADMIN, access
from zhtj.core.audit import history_of
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk
from zhtj.core.pdf import pdf_response
from zhtj.core.replica import reads_replica
from zhtj.core.serving import serve_file
from zhtj.core.uploads import kept_form, refuse_upload, upload_limit
from zhtj.core.video import KINDS as VIDEO_TYPES

from . import lectures
from .choices import LifeKind
from .models import Organization
from .models_lecture import PublicLecture
from .models_life import LifeRecord
from .views_notices import trail

# --- the member's side -----------------------------------------------------------------------------


@access(MEMBER)
def my_lectures(request):
    """团课-公开团课: the lectures the member may watch, newest first, 已学习 marked."""
    rows = (
        lectures.for_person(request.user).select_related("publisher").annotate(done=lectures.studied_by(request.user))
    )
    return render(request, "orgs/lectures/mine.html", {"page": paginate(request, rows)})


@access(MEMBER)
def watch(request, pk):
    """Watching a lecture records the study, once per member and lecture (EDU-01)."""
    lecture = get_object_or_404(lectures.for_person(request.user).select_related("publisher"), pk=pk)
    lectures.record_study(lecture, request.user)
    return render(request, "orgs/lectures/watch.html", {"lecture": lecture})


# --- the admins' side --------------------------------------------------------------------------------


@access(ORG_ADMIN)
def lecture_list(request):
    """公开团课 for an admin: what its members can watch, with how many of them studied each; a branch
    also sees its own 团课 records (ORG-18 团课上传), EDU-02."""
    org = request.acting_org
    rows = lectures.visible_to(org).select_related("publisher").order_by("-published_at", "-pk")
    own_lectures = None
    if org.is_branch_kind:
        own_lectures = (
            LifeRecord.objects.filter(branch=org, kind=LifeKind.LECTURE)
            .annotate(n=Count("participants"))
            .order_by("-date", "-pk")[:10]
        )
    return render(
        request,
        "orgs/lectures/list.html",
        {
            "page": paginate(request, rows),
            "may_publish": lectures.may_publish(org),
            "own_lectures": own_lectures,
        },
    )


def _visible(request, pk):
    return get_object_or_404(lectures.visible_to(request.acting_org).select_related("publisher"), pk=pk)


def _scope(request, lecture):
    """The org whose members / direct children the page shows: the acting org, or one below it (?org=)."""
    raw = request.GET.get("org", "")
    if not raw:
        return request.acting_org
    pk = parse_pk(raw)
    if pk is None:
        raise Http404
    return get_object_or_404(Organization.objects.subtree_of(request.acting_org), pk=pk)


@access(ORG_ADMIN)
@reads_replica
def lecture_detail(request, pk):
    """One lecture and who studied it (EDU-02): a branch's members one by one; a committee's rate per
    direct child, each drillable down to a branch."""
    lecture = _visible(request, pk)
    scope = _scope(request, lecture)
    context = {"lecture": lecture, "scope": scope}
    context["trail"] = trail(scope, request.acting_org)
    if scope.is_branch_kind:
        context["page"] = paginate(request, lectures.branch_members(lecture, scope))
    else:
        page = paginate(request, scope.get_children().order_by("tree_id", "lft"))
        lectures.study_rates(lecture, scope, page.object_list)
        context["page"], context["children"] = page, True
    if request.acting_org.pk == lecture.publisher_id:
        context["own"] = True
        context["history"] = history_of(lecture)[:50]
    return render(request, "orgs/lectures/detail.html", context)


def _form_page(request, lecture):
    return render(
        request,
        "orgs/lectures/form.html",
        {
            "lecture": lecture,
            "data": kept_form(request),
            "video_mb": settings.ZHTJ["EDU_VIDEO_MAX_BYTES"] // (1024 * 1024),
            "slides_mb": settings.ZHTJ["EDU_SLIDES_MAX_BYTES"] // (1024 * 1024),
        },
    )


def _save(request, lecture):
    if getattr(request, "upload_too_large", False):
        return refuse_upload(
            request,
            f"上传的文件过大：视频不能超过 {settings.ZHTJ['EDU_VIDEO_MAX_BYTES'] // (1024 * 1024)} MB，"
            f"课件不能超过 {settings.ZHTJ['EDU_SLIDES_MAX_BYTES'] // (1024 * 1024)} MB。",
        )
    creating = lecture.pk is None
    try:
        lecture = lectures.save(
            lecture,
            org=request.acting_org,
            by=request.user,
            title=request.POST.get("title", ""),
            speaker=request.POST.get("speaker", ""),
            description=request.POST.get("description", ""),
            link=request.POST.get("link", ""),
            video_upload=request.FILES.get("video"),
            slides_upload=request.FILES.get("slides"),
            drop_slides=request.POST.get("drop_slides") == "1",
        )
    except lectures.LectureError as exc:
        return refuse_upload(request, str(exc))
    messages.success(request, f"公开团课《{lecture.title}》已{'发布' if creating else '修改'}。")
    return redirect("orgs:lecture", lecture.pk)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
@upload_limit("EDU_UPLOAD_MAX_BYTES")
def lecture_new(request):
    """发布公开团课 (EDU-01): 团中央 and provincial organs."""
    lectures.require_publisher(request.acting_org)
    if request.method == "GET":
        return _form_page(request, None)
    return _save(request, PublicLecture())


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
@upload_limit("EDU_UPLOAD_MAX_BYTES")
def lecture_edit(request, pk):
    lecture = _visible(request, pk)
    lectures.require_own(request.acting_org, lecture)
    if request.method == "GET":
        return _form_page(request, lecture)
    return _save(request, lecture)


@require_POST
@access(ORG_ADMIN)
def lecture_withdraw(request, pk):
    lecture = _visible(request, pk)
    try:
        lecture = lectures.withdraw(lecture, request.acting_org, by=request.user)
    except lectures.LectureError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"公开团课《{lecture.title}》已撤回，团员将不再看到。")
    return redirect("orgs:lecture", lecture.pk)


# --- the files (SEC-01) ------------------------------------------------------------------------------


def _lecture_for_files(request, pk):
    """A lecture the user may watch as a member, or open as the acting org's admin; else 404."""
    allowed = lectures.for_person(request.user)
    if request.acting_org is not None:
        allowed = allowed | lectures.visible_to(request.acting_org)
    return get_object_or_404(allowed.distinct(), pk=pk)


@access(MEMBER)
def lecture_video(request, pk):
    """The video, seekable: Range requests answered 206 / 416 (zhtj/core/serving.py)."""
    lecture = _lecture_for_files(request, pk)
    if not lecture.video:
        raise Http404
    return serve_file(
        request,
        lecture.video,
        content_type=VIDEO_TYPES.get(lecture.video_kind, "application/octet-stream"),
        filename=f"{lecture.title}.{lecture.video_kind or 'mp4'}",
    )


@access(MEMBER)
def lecture_slides(request, pk):
    lecture = _lecture_for_files(request, pk)
    if not lecture.slides:
        raise Http404
    try:
        handle = lecture.slides.open("rb")
    except OSError:
        raise Http404 from None
    return pdf_response(
        handle, filename=lecture.slides_name or "课件.pdf", as_attachment=request.GET.get("download") == "1"
    )


urlpatterns = [
    path("me/lectures/", my_lectures, name="my_lectures"),
    path("me/lectures/<int:pk>/", watch, name="watch"),
    path("lectures/", lecture_list, name="lectures"),
    path("lectures/new/", lecture_new, name="lecture_publish"),
    path("lectures/<int:pk>/", lecture_detail, name="lecture"),
    path("lectures/<int:pk>/edit/", lecture_edit, name="lecture_edit"),
    path("lectures/<int:pk>/withdraw/", lecture_withdraw, name="lecture_withdraw"),
    path("lectures/<int:pk>/video/", lecture_video, name="lecture_video"),
    path("lectures/<int:pk>/slides/", lecture_slides, name="lecture_slides"),
]
