"""团员电子档案 pages (ARC-01 … ARC-08, SEC-01).

团员管理-团员电子数据库 / 下级支部团员电子数据库 and 团干部管理-本级团干部电子数据库 list the
2020+ members in scope; a member's archive page uploads / replaces (上传档案, 替换档案) and
files change requests; 业务办理-下级团员电子档案审批 and 操作中心 lead to the review page; the
PDF itself is served only by `archive_file`, after the same scope checks as the pages.
"""

from django.conf import settings
from django.contrib import messages
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from zhtj.core import batch, inbox
from zhtj.core.access import DIRECT_SUPERIOR, MEMBER, ORG_ADMIN, access
from zhtj.core.audit import history_of, history_where
from zhtj.core.change_pages import review
from zhtj.core.pagination import paginate
from zhtj.core.params import pk_list
from zhtj.core.pdf import pdf_response
from zhtj.core.uploads import refuse_upload, upload_limit
from zhtj.core.workflow import WorkflowError, perform, seen_state

from .archive_files import ArchiveFileError, max_megabytes, too_large_message
from .archives import (
    check_decision,
    decide_change,
    decision_notice,
    may_upload,
    needs_archive_q,
    replace_archive,
    request_change,
    require_approver,
    require_upload_right,
    required_from,
    upload_archive,
    uploads_for_branch,
)
from .models import Person
from .models_archive import ArchiveChangeRequest, MemberArchive, due_of

State = MemberArchive.State

# The 认证状态 filter of the lists; "todo" is what the ARC-04 prompt links to.
STATUS_FILTERS = {
    "none": ("尚未上传", Q(archive__isnull=True)),
    "pending": ("待审批", Q(archive__state=State.PENDING)),
    "rejected": ("认证不通过", Q(archive__state=State.REJECTED)),
    "verified": ("团员身份已认证", Q(archive__state=State.VERIFIED)),
    "todo": ("尚未认证（全部）", ~Q(archive__state=State.VERIFIED)),
}
SEARCH_MAX = 50


def _filtered(request, people):
    """ARC-07 search (姓名 / 身份证号 / 发展团员编号) and the status filter; a bad status is a 400."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    if q:
        people = people.filter(Q(name__contains=q) | Q(id_number=q.upper()) | Q(development_number=q))
    status = request.GET.get("status", "")
    bad = False
    if status in STATUS_FILTERS:
        people = people.filter(STATUS_FILTERS[status][1])
    elif status:
        messages.error(request, "认证状态筛选条件无效，已显示全部团员。")
        status, bad = "", True
    return people, q, status, bad


def _list_page(request, people, title, own_cadres=False):
    # 替换档案 shows after 认证不通过 or once a change request is approved (ARC-06): one EXISTS column.
    replaceable = ArchiveChangeRequest.objects.filter(
        archive__person=OuterRef("pk"), state=ArchiveChangeRequest.State.APPROVED
    )
    people = people.select_related("branch", "archive").annotate(change_approved=Exists(replaceable))
    people, q, status, bad = _filtered(request, people)
    page = paginate(request, people.order_by("branch__tree_id", "branch__lft", "name", "pk"), bounded=True)
    for person in page:
        person.arc = getattr(person, "archive", None)
        person.due = due_of(person)
        # 上传档案 / 替换档案 only where the acting org may upload; a grand-parent sees the status.
        person.may_upload = own_cadres or uploads_for_branch(request.acting_org, person.branch)
    context = {
        "title": title,
        "page": page,
        "q": q,
        "status": status,
        "filters": [(k, label) for k, (label, _) in STATUS_FILTERS.items()],
        "from_year": required_from().year,
        "max_mb": max_megabytes(),
        "today": timezone.localdate(),
    }
    return render(request, "members/archive/list.html", context, status=400 if bad else 200)


@access(ORG_ADMIN)
def archive_list(request):
    """团员电子数据库 (a branch) / 下级支部团员电子数据库 (a committee): 2020+ members of the subtree."""
    org = request.acting_org
    title = "团员电子数据库" if org.is_branch_kind else "下级支部团员电子数据库"
    return _list_page(request, Person.objects.in_branches_of(org).filter(needs_archive_q()), title)


@access(ORG_ADMIN)
def archive_cadre_list(request):
    """本级团干部电子数据库: the acting org's own cadres who are 2020+ members."""
    people = Person.objects.filter(
        needs_archive_q(), cadre_posts__org=request.acting_org, cadre_posts__ended_on__isnull=True
    )
    return _list_page(request, people, "本级团干部电子数据库", own_cadres=True)


def _person_in_scope(request, pk):
    return get_object_or_404(Person.objects.visible_from(request.acting_org).select_related("branch"), pk=pk)


def _archive_of(person):
    return MemberArchive.objects.filter(person=person).select_related("uploaded_by_org", "approver_org").first()


def _person_context(request, person, archive):
    uploads = may_upload(request.acting_org, person)  # otherwise the page is view-only
    # read by the person, not the archive: the page runs the same queries with or without one (issue 17)
    change = (
        ArchiveChangeRequest.objects.filter(archive__person=person, state__in=["pending", "approved"])
        .select_related("approver")
        .first()
    )
    return {
        "person": person,
        "archive": archive,
        "due": due_of(person),
        "may_upload": uploads,
        "may_replace": bool(archive and uploads and archive.may_replace(change)),
        "change": change,
        "history": history_where(MemberArchive, MemberArchive.objects.filter(person=person).values("pk"))[:20],
        "max_mb": max_megabytes(),
        "max_bytes": settings.ZHTJ["ARCHIVE_MAX_BYTES"],
    }


@access(ORG_ADMIN)
def archive_person(request, person_pk):
    """One member's archive: basics, status and reason, 上传档案 / 替换档案 / 申请变更."""
    person = _person_in_scope(request, person_pk)
    return render(request, "members/archive/person.html", _person_context(request, person, _archive_of(person)))


@access(ORG_ADMIN)
@require_POST
@upload_limit("ARCHIVE_MAX_BYTES")
def archive_upload(request, person_pk):
    """上传档案 / 替换档案 (ARC-02, ARC-08): a bad file is refused (back to the page) and nothing is stored."""
    person = _person_in_scope(request, person_pk)
    acting = request.acting_org
    require_upload_right(acting, person)
    archive = _archive_of(person)
    try:
        if getattr(request, "upload_too_large", False):
            raise ArchiveFileError(too_large_message())
        upload = request.FILES.get("file")
        if archive is None:
            archive = upload_archive(person, upload, by=request.user, org=acting)
        else:
            archive = replace_archive(archive, upload, by=request.user, org=acting)
    except (ArchiveFileError, WorkflowError) as exc:
        return refuse_upload(request, str(exc), to=reverse("members:archive_person", args=[person.pk]))
    if archive.state == State.VERIFIED:
        messages.success(request, f"已上传{person.name}的电子档案，团员身份已认证。")
    else:
        messages.success(request, f"已上传{person.name}的电子档案，待{archive.approver_org.name}审批。")
    return redirect("members:archive_person", person.pk)


@access(ORG_ADMIN)
@require_POST
def archive_change(request, person_pk):
    """ARC-06: ask the superior committee to allow replacing an approved archive."""
    person = _person_in_scope(request, person_pk)
    require_upload_right(request.acting_org, person)
    archive = _archive_of(person)
    if archive is None:
        raise Http404
    try:
        change = request_change(archive, request.POST.get("explanation", ""), by=request.user, org=request.acting_org)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return render(request, "members/archive/person.html", _person_context(request, person, archive), status=400)
    messages.success(request, f"变更申请已提交，待{change.approver.name}审批。")
    return redirect("members:archive_person", person.pk)


def _scoped_archives(request):
    """Archives of the people the acting org sees, and those it is asked to decide (the archive or a
    change request) even once the member has moved out of its subtree: no 操作中心 item leads to a 404."""
    acting = request.acting_org
    asked = ArchiveChangeRequest.objects.filter(archive=OuterRef("pk"), approver=acting)
    # each arm a condition of the archive's own row (a primary-key read of its person), not an IN
    # over everyone visible: beside the OR that set is every person of the country (5 s nationally)
    seen = Person.objects.visible_from(acting).filter(pk=OuterRef("person_id"))
    return MemberArchive.objects.filter(Exists(seen) | Q(approver_org=acting) | Exists(asked))


def _decide(request, archive):
    """同意 / 不同意 of one archive: what it must carry is `archives.check_decision` (as for a batch);
    only the approver org, the 上级团委 (ROLE-03), checked on the locked row (SEC-04); a status the
    page didn't show is AlreadyHandled."""
    decision = request.POST.get("decision")
    note = check_decision(decision, request.POST.get("note"))
    acting = request.acting_org
    archive = perform(
        archive,
        decision,
        guard=lambda locked: require_approver(acting, locked),
        seen_state=seen_state(request, archive),
        by=request.user,
        note=note,
    )
    inbox.notify_many([decision_notice(archive, decision, note)])
    messages.success(request, f"已处理：{'已同意' if decision == 'approve' else f'不同意（理由：{note}）'}。")


@access(DIRECT_SUPERIOR)
@require_http_methods(["GET", "POST"])
def archive_review(request, pk):
    """ARC-03: the member's basics beside the PDF; 同意 / 不同意 (reason required)."""
    archive = get_object_or_404(
        _scoped_archives(request).select_related("person__branch", "uploaded_by_org", "approver_org", "uploaded_by"),
        pk=pk,
    )
    status = 200
    if request.method == "POST":
        try:
            _decide(request, archive)
            return redirect("members:archive_approvals")
        except WorkflowError as exc:
            messages.error(request, str(exc))
            status = 400
    can_decide = archive.approver_org_id == request.acting_org.pk
    if not can_decide and archive.state == State.PENDING:
        messages.info(request, "隔级无法操作：仅审批组织（上传组织的上级团委）可以审批，您可以查看。")
    return render(
        request,
        "members/archive/review.html",
        {
            "archive": archive,
            "person": archive.person,
            "due": due_of(archive.person),
            "can_decide": can_decide,
            "history": history_of(archive)[:20],
        },
        status=status,
    )


@access(DIRECT_SUPERIOR)
@require_http_methods(["GET", "POST"])
def archive_change_review(request, pk):
    """ARC-06: the superior committee decides a change request; the filing org may withdraw it."""
    change = get_object_or_404(
        ArchiveChangeRequest.objects.filter(
            Exists(_scoped_archives(request).filter(pk=OuterRef("archive_id")))
        ).select_related("archive__person__branch", "filed_by_org", "approver", "requested_by", "decided_by"),
        pk=pk,
    )
    return review(
        request,
        change,
        title="团员电子档案变更申请",
        template="members/archive/change_review.html",
        decide=decide_change,
        context=lambda req: {"person": req.archive.person},
        done="members:archive_approvals",
    )


def _approvals_filter(request):
    """The list's 审批状态 (default 待审批; a bad one falls back to it, 400) and 姓名/身份证号 filter."""
    state = request.GET.get("state", State.PENDING)
    bad = state not in State.values and state != "all"
    if bad:
        state = State.PENDING
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    archives = MemberArchive.objects.filter(approver_org=request.acting_org)
    if state != "all":
        archives = archives.filter(state=state)
    if q:
        archives = archives.filter(Q(person__name__contains=q) | Q(person__id_number=q.upper()))
    return archives, state, q, bad


@access(ORG_ADMIN)
def archive_approvals(request):
    """业务办理-下级团员电子档案审批: what the acting org decides, 待审批 first; tick some (全选本页)
    or take all the filter selects for 批量审批."""
    return _approvals_page(request)


def _approvals_page(request, error="", status=200):
    archives, state, q, bad = _approvals_filter(request)
    if bad:
        messages.error(request, "审批状态筛选条件无效，已显示待审批的档案。")
        status = 400
    page = paginate(
        request, archives.select_related("person__branch", "uploaded_by_org").order_by("-uploaded_at", "pk")
    )
    changes = (
        ArchiveChangeRequest.objects.filter(approver=request.acting_org, state=ArchiveChangeRequest.State.PENDING)
        .select_related("archive__person", "filed_by_org")
        .order_by("-created_at")[: settings.ZHTJ["INBOX_PAGE_SIZE"]]
    )
    context = {
        "page": page,
        "state": state,
        "q": q,
        "states": State.choices,
        "changes": changes,
        "decidable": archives.filter(state=State.PENDING).count(),
        "error": error,
    }
    return render(request, "members/archive/approvals.html", context, status=status)


def _batch_params(request):
    decision = request.POST.get("decision", "")
    return decision, check_decision(decision, request.POST.get("note"))


def _batch_title(decision):
    return f"下级团员电子档案审批·批量{'同意' if decision == 'approve' else '不同意'}"


@require_POST
@access(DIRECT_SUPERIOR)
def archive_approvals_batch(request):
    """批量审批 of the ticked archives: the acting org's own (else 404), each decided on its locked row
    (`archives.decide_set`); the progress page lists the refused ones with their reasons."""
    try:
        decision, note = _batch_params(request)
        ids = pk_list(request.POST.getlist("archive"))
        if not ids:
            raise WorkflowError("请先勾选要审批的电子档案。")
    except WorkflowError as exc:
        return _approvals_page(request, str(exc), 400)
    pks = list(
        MemberArchive.objects.filter(approver_org=request.acting_org, pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(pks) != len(set(ids)):
        raise Http404
    back = reverse("members:archive_approvals") + (f"?{request.GET.urlencode()}" if request.GET else "")
    token = batch.start(
        request, "members.archives", pks, {"action": decision, "note": note}, title=_batch_title(decision), back=back
    )
    return redirect("batch_status", token=token)


@require_POST
@access(DIRECT_SUPERIOR)
def archive_approvals_all(request):
    """ "全部 N 条符合当前筛选条件的" (issue 17, core.batch.whole_set): the acting org's 待审批 archives
    the list's filters (in the query string) select, confirmed with the count."""
    try:
        decision, note = _batch_params(request)
    except WorkflowError as exc:
        return _approvals_page(request, str(exc), 400)
    archives, _, q, _ = _approvals_filter(request)
    pks = list(archives.filter(state=State.PENDING).order_by("pk").values_list("pk", flat=True))
    return batch.whole_set(
        request,
        "members.archives",
        pks,
        {"action": decision, "note": note},
        title=_batch_title(decision),
        what=f"符合当前筛选条件的待审批团员电子档案{f'（含“{q}”）' if q else ''}",
        verdict="同意" if decision == "approve" else f"不同意（理由：{note}）",
        fields={"decision": decision, "note": note},
        back=reverse("members:archive_approvals") + (f"?{request.GET.urlencode()}" if request.GET else ""),
    )


@access(MEMBER)
def archive_file(request, pk):
    """SEC-01: the PDF, for the member themself or an admin whose scope holds the member (or who is
    asked to decide it); else 404.
    ?download=1 downloads it (ARC-07), otherwise it is shown inline (embedded on review pages)."""
    allowed = Q(person=request.user)
    if request.acting_org is not None:
        allowed |= Exists(_scoped_archives(request).filter(pk=OuterRef("pk")))
    archive = get_object_or_404(MemberArchive.objects.filter(allowed).select_related("person"), pk=pk)
    try:
        handle = archive.file.open("rb")
    except OSError:
        raise Http404 from None
    return pdf_response(
        handle, filename=f"{archive.person.name}_入团志愿书.pdf", as_attachment=request.GET.get("download") == "1"
    )


@access(MEMBER)
def my_archive(request):
    """我的团员电子档案 (ARC-07): the member's own archive and its status."""
    # the member with their branch (shown when an archive is due) and whether one is: the same
    # queries whatever the member's data (issue 17)
    needs = ExpressionWrapper(needs_archive_q(), output_field=BooleanField())
    person = Person.objects.select_related("branch").annotate(needs=needs).get(pk=request.user.pk)
    archive = _archive_of(person)
    return render(
        request,
        "members/archive/mine.html",
        {
            "person": person,
            "archive": archive,
            "needs": person.needs,
            "due": due_of(person),
            "from_year": required_from().year,
        },
    )


urlpatterns = [
    path("archives/", archive_list, name="archives"),
    path("archives/cadres/", archive_cadre_list, name="archive_cadres"),
    path("archives/approvals/", archive_approvals, name="archive_approvals"),
    path("archives/approvals/batch/", archive_approvals_batch, name="archive_approvals_batch"),
    path("archives/approvals/all/", archive_approvals_all, name="archive_approvals_all"),
    path("archives/person/<int:person_pk>/", archive_person, name="archive_person"),
    path("archives/person/<int:person_pk>/upload/", archive_upload, name="archive_upload"),
    path("archives/person/<int:person_pk>/change/", archive_change, name="archive_change"),
    path("archives/<int:pk>/review/", archive_review, name="archive_review"),
    path("archives/<int:pk>/file/", archive_file, name="archive_file"),
    path("archives/changes/<int:pk>/", archive_change_review, name="archive_change_review"),
    path("my-archive/", my_archive, name="my_archive"),
]
