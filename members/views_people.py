"""团员列表 (MEM-12, SEC-03, MEM-08), editing a person (ROLE-08, MEM-04, MEM-10), 删除申请
(MEM-09, BEY-02), 批量认证 (MEM-10), 超龄团员 (MEM-11) and the member's own 团员基本材料 (ME-01)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from orgs.choices import OrgCategory
from orgs.models import Organization
from zhtj.core import batch
from zhtj.core.access import MEMBER, ORG_ADMIN, access
from zhtj.core.change_pages import review
from zhtj.core.idnumber import normalize_id_number
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk, pk_list, plain_text
from zhtj.core.replica import reads_replica
from zhtj.core.workflow import WorkflowError

from .choices import Gender, PoliticalStatus, VerificationStatus
from .completeness import org_people_complete, person_complete_q
from .forms_people import DeletionRequestForm, EditableFields, PersonForm
from .models import Person
from .models_people import DeletionRequest
from .people import (
    EntryRefused,
    confirm_leaving,
    confirm_scope,
    decide_deletion,
    may_edit,
    may_edit_identity,
    may_open_edit,
    request_deletion,
    update_person,
)
from .tables import member_rows
from .validation import bad_development_numbers

GENDERS, POLITICAL, VERIFICATION = (dict(c.choices) for c in (Gender, PoliticalStatus, VerificationStatus))
# What a 团员列表 row shows and needs: the rows load nothing else.
LIST_FIELDS = ("name", "gender", "id_number", "mobile", "branch", "political_status", "verification_status")
FILTERS = ("q", "branch", "branch_name", "political_status", "complete", "verification", "problem")


def members_in_scope(request):
    return Person.objects.in_branches_of(request.acting_org).filter(is_active=True)


def filtered_members(request):
    """The 团员列表 queryset with the GET filters applied; bad values are ignored."""
    people = members_in_scope(request).annotate(
        complete=ExpressionWrapper(person_complete_q(), output_field=BooleanField())
    )
    g = request.GET
    q = plain_text(g.get("q"))
    if q:
        try:
            people = people.filter(id_number=normalize_id_number(q))
        except Exception:  # noqa: BLE001 -- not a whole ID number: search names and partial numbers
            people = people.filter(Q(name__contains=q) | Q(id_number__startswith=q.upper()))
    if (branch := parse_pk(g.get("branch"))) is not None:
        people = people.filter(branch_id=branch)
    if branch_name := plain_text(g.get("branch_name")):
        people = people.filter(branch__name__contains=branch_name)
    if g.get("political_status") in PoliticalStatus.values:
        people = people.filter(political_status=g["political_status"])
    if g.get("complete") in ("1", "0"):
        people = people.filter(complete=g["complete"] == "1")
    if g.get("verification") in VerificationStatus.values:
        people = people.filter(verification_status=g["verification"])
    if g.get("problem") == "number":
        people = bad_development_numbers(people)
    return people, q


@access(ORG_ADMIN)
@reads_replica
def member_list(request):
    """团员列表: members of the acting org's subtree with search, filters, the completeness
    flag, masked ID and phone, the key icon; no delete button (MEM-09). Constant queries."""
    org = request.acting_org
    people, q = filtered_members(request)
    people = (
        people.select_related("branch")
        .only(*LIST_FIELDS, "branch__name", "branch__parent_id", "branch__category")
        .order_by("branch__tree_id", "branch__lft", "name", "pk")
    )
    page = paginate(request, people, bounded=True)
    for person in page:
        person.can_reset = org.pk in (person.branch_id, person.branch.parent_id)
        person.can_edit = may_open_edit(org, person, [person.branch])
        # the labels by dict lookup: get_FOO_display() rebuilds its choices dict on every call
        person.labels = (
            GENDERS.get(person.gender, ""),
            POLITICAL.get(person.political_status, ""),
            VERIFICATION.get(person.verification_status, ""),
        )
    # The 所在团支部 filter: a list when the subtree's branches fit in one, else a name search.
    most = settings.ZHTJ["MEMBER_LIST_BRANCH_CHOICES"]
    subtree = Organization.objects.subtree_of(org).filter(is_branch_kind=True).order_by("tree_id", "lft")
    branches = [org] if org.is_branch_kind else list(subtree.only("pk", "name", "category")[: most + 1])
    if len(branches) > most:
        branches = None
    kept = {k: request.GET.get(k, "") for k in FILTERS}
    # GRAD-01: a school admin looking at a graduate org's list gets 标记延迟毕业团员/教师.
    graduate_branch = None
    if org.may_mark_graduation and (branch_pk := parse_pk(kept["branch"])) is not None:
        graduate_branch = (
            Organization.objects.subtree_of(org).filter(pk=branch_pk, category=OrgCategory.GRADUATE).first()
        )
    org_complete = org_people_complete(org)  # MEM-08 at org level, for the acting org itself
    return render(
        request,
        "members/member_list.html",
        {
            "page": page,
            "member_rows": member_rows,
            "q": q,
            "org": org,
            "org_complete": org_complete,
            "graduate_branch": graduate_branch,
            "filters": kept,
            "branches": branches,
            "political_choices": PoliticalStatus.choices,
            "verification_choices": VerificationStatus.choices,
        },
    )


# --- editing -----------------------------------------------------------------------------------


def _visible(request, pk):
    return get_object_or_404(
        Person.objects.visible_from(request.acting_org).filter(is_active=True).select_related("branch"), pk=pk
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def person_edit(request, pk):
    """编辑: re-validated by the same rules as entry; name/gender/ID by a provincial admin only."""
    person = _visible(request, pk)
    acting = request.acting_org
    identity = may_edit_identity(acting)
    if not identity and not may_edit(acting, person):
        raise PermissionDenied("隔级无法操作：只有本组织或直属上级团组织的管理员可以编辑该人员信息。")
    org = person.branch or acting
    form = PersonForm(request.POST if request.method == "POST" else None, org=org, instance=person, identity=identity)
    context = {"person": person, "form": form, "identity": identity}
    if request.method == "GET":
        return render(request, "members/person_edit.html", context)
    if not form.is_valid():
        messages.error(request, "保存失败，请按提示修改后重新提交。")
        return render(request, "members/person_edit.html", context, status=400)
    try:
        person = update_person(person, form.person_clean, EditableFields.for_editor(identity))
    except EntryRefused as exc:
        messages.error(request, str(exc))
        return render(request, "members/person_edit.html", context, status=409)
    messages.success(request, f"已保存{person.name}的信息。")
    return redirect("members:detail", pk=person.pk)


@require_POST
@access(ORG_ADMIN)
def deletion_request(request, pk):
    """删除申请 (MEM-09, BEY-02): reason required; decided by the nearest 省级团委."""
    person = _visible(request, pk)
    if not may_edit(request.acting_org, person):
        raise PermissionDenied("隔级无法操作：只有本组织或直属上级团组织的管理员可以提交删除申请。")
    form = DeletionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"提交失败：{form.errors['explanation'][0]}")
        return redirect("members:detail", pk=person.pk)
    try:
        req = request_deletion(person, request.acting_org, request.user, form.cleaned_data["explanation"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("members:detail", pk=person.pk)
    messages.success(request, f"已提交删除{person.name}的申请，等待{req.approver.name}审批。")
    return redirect("members:detail", pk=person.pk)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def deletion_decide(request, pk):
    """A 删除申请: the 省级团委 decides it in its 操作中心 (reason required to refuse); the filing org
    sees it and may withdraw it while pending; nobody else sees it at all (404)."""
    acting = request.acting_org
    req = get_object_or_404(
        DeletionRequest.objects.filter(Q(approver=acting) | Q(filed_by_org=acting)).select_related(
            "person__branch", "filed_by_org", "approver", "requested_by", "decided_by"
        ),
        pk=pk,
    )
    return review(request, req, title="删除人员申请", template="members/deletion_decide.html", decide=decide_deletion)


# --- MEM-10 批量认证 ----------------------------------------------------------------------------


@require_POST
@access(ORG_ADMIN)
def verify(request):
    """批量认证: the ticked people (or, with none ticked, every 未认证 member in scope) are
    checked by the configured verifier in a background task."""
    from .tasks import verify_people

    people = members_in_scope(request)
    ids = pk_list(request.POST.getlist("ids"))
    # The ticked people, or with none ticked every 未认证 member in scope.
    people = people.filter(pk__in=ids) if ids else people.filter(verification_status=VerificationStatus.UNVERIFIED)
    most = settings.ZHTJ["VERIFY_BATCH_MAX"]
    pks = list(people.order_by("pk").values_list("pk", flat=True)[: most + 1])
    if not pks:
        messages.info(request, "没有需要认证的人员。")
        return redirect("members:list")
    verify_people.delay(pks[:most])
    if len(pks) > most:  # the rest are still 未认证: the next click sends the next ones
        messages.warning(
            request,
            f"已提交{most}人的身份认证（每次最多{most}人），结果将显示在“身份认证状态”中；"
            "其余未认证人员请在本批完成后再次点击“批量认证”。",
        )
    else:
        messages.success(request, f"已提交{len(pks)}人的身份认证，结果将显示在“身份认证状态”中。")
    return redirect("members:list")


# --- MEM-11 超龄团员 ----------------------------------------------------------------------------


def _aged_out(request):
    """The 超龄团员 in scope not yet confirmed, with the list's 姓名 filter."""
    q = request.GET.get("q", "").strip()[:50]
    people = members_in_scope(request).filter(aged_out_on__isnull=False, left_league_on__isnull=True)
    return (people.filter(name__contains=q) if q else people), q


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def aged_out(request):
    """超龄团员: flagged by the yearly job (MEM-11, JOB-07); the branch or its direct superior
    confirms the leaving, of the ticked (全选本页) or of all the filter selects."""
    org = request.acting_org
    if request.method == "POST":
        ids = pk_list(request.POST.getlist("ids"))
        if not ids:
            messages.error(request, "请勾选要确认离团的超龄团员。")
        else:
            n, _ = confirm_leaving(ids, confirm_scope(org), request.user)
            if n:
                messages.success(request, f"已确认{n}名超龄团员离团。")
            else:
                messages.error(request, "没有可确认的人员：只有本支部或直属上级组织可以确认。")
        return redirect(request.get_full_path())
    people, q = _aged_out(request)
    page = paginate(request, people.select_related("branch").order_by("branch__tree_id", "branch__lft", "birth_date"))
    for person in page:
        person.can_confirm = org.pk in (person.branch_id, person.branch.parent_id)
    confirmable = people.filter(branch__in=confirm_scope(org)).count()
    return render(request, "members/aged_out.html", {"page": page, "q": q, "confirmable": confirmable})


@require_POST
@access(ORG_ADMIN)
def aged_out_all(request):
    """ "全部 N 条符合当前筛选条件的" (issue 17, core.batch.whole_set): the flagged members the 姓名
    filter selects that the acting org may confirm, confirmed with the count (`people.confirm_set`)."""
    people, q = _aged_out(request)
    pks = list(people.filter(branch__in=confirm_scope(request.acting_org)).order_by("pk").values_list("pk", flat=True))
    return batch.whole_set(
        request,
        "members.aged_out",
        pks,
        {},
        title="超龄团员·批量确认离团",
        what=f"符合当前筛选条件的超龄团员{f'（姓名含“{q}”）' if q else ''}",
        verdict="确认离团（清空团组织关系）",
        fields={},
        back=reverse("members:aged_out") + (f"?{request.GET.urlencode()}" if request.GET else ""),
    )


# --- ME-01 团员基本材料 ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@access(MEMBER)
def my_profile(request):
    """团员基本材料: view and 编辑 everything but name, gender and ID (ME-01, ROLE-08), under
    the same rules as entry (the member may fix their own 发展团员编号, MEM-04)."""
    person = request.user
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    form = PersonForm(
        request.POST if request.method == "POST" else None, org=person.branch, instance=person, identity=False
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                update_person(person, form.person_clean, EditableFields.PERSONAL)
            except EntryRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "个人资料已保存。")
                return redirect("members:me")
        else:
            messages.error(request, "保存失败，请按提示修改后重新提交。")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "members/my_profile.html", {"person": person, "form": form, "editing": editing}, status=status
    )


urlpatterns = [
    path("", member_list, name="list"),
    path("<int:pk>/edit/", person_edit, name="edit"),
    path("<int:pk>/delete-request/", deletion_request, name="deletion_request"),
    path("deletion/<int:pk>/", deletion_decide, name="deletion_decide"),
    path("verify/", verify, name="verify"),
    path("aged-out/", aged_out, name="aged_out"),
    path("aged-out/all/", aged_out_all, name="aged_out_all"),
    path("me/", my_profile, name="me"),
]
