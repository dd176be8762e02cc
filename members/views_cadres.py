"""团干部管理: 团干部列表 (MEM-12, MEM-08, SEC-03), 职务变更 with 职务变更记录 (CAD-01), 移除团干部
(CAD-02), 团干部培训 (CAD-03), the CAD-05 hints, and 重点领域基层团干部配备 (CAD-04, BEY-07).
The rules are in members/cadres.py; the views look things up in scope and show the answers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgs.choices import EnterpriseLevel, LeadershipLevel, OrgCategory
from orgs.models import Organization
from zhtj.core import audit
from zhtj.core.access import ORG_ADMIN, access, leadership, scoped
from zhtj.core.excel import export_response
from zhtj.core.pagination import paginate
from zhtj.core.params import plain_text
from zhtj.core.replica import reads_replica
from zhtj.core.tree import ancestors_q, in_subtree

from . import cadres as c
from .choices import NATURE_HELP, VOLUNTEER_HINT, PostNature
from .completeness import post_complete_q
from .forms_cadres import PostChangeForm, RemovalForm, TrainingForm
from .models import CadrePost
from .models_cadres import CadreTraining, PostChange
from .people import may_open_edit

COMPLETENESS = {"1": "信息完整", "0": "信息不完整"}


class BadFilter(Exception):
    pass


def _int_param(raw):
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise BadFilter("筛选条件无效：请从列表中选择组织。")
    return int(raw)


def _list_filters(request):
    """(org, nature, complete) from the query string: malformed → BadFilter, out of scope → 404."""
    pk = _int_param(request.GET.get("org"))
    org = get_object_or_404(scoped(request, Organization.objects.all(), ""), pk=pk) if pk else None
    nature = request.GET.get("nature", "")
    if nature and nature not in PostNature.values:
        raise BadFilter("筛选条件无效：团干部性质只能是专职、挂职或兼职。")
    complete = request.GET.get("complete", "")
    if complete and complete not in COMPLETENESS:
        raise BadFilter("筛选条件无效：信息完整情况只能是“信息完整”或“信息不完整”。")
    return org, nature, complete


@access(ORG_ADMIN)
def cadre_list(request):
    """团干部列表: active posts in the acting org's subtree with search, filters, the MEM-08 flag,
    masked numbers (SEC-03) and the 操作 column. A constant number of queries."""
    acting = request.acting_org
    error, status = "", 200
    try:
        org, nature, complete = _list_filters(request)
    except BadFilter as exc:
        (org, nature, complete), error, status = (None, "", ""), str(exc), 400
    posts = scoped(request, CadrePost.objects.active(), "org").annotate(
        complete=ExpressionWrapper(post_complete_q(), output_field=BooleanField())
    )
    q = plain_text(request.GET.get("q"))
    if q:
        posts = posts.filter(person__name__contains=q)
    if org is not None:
        posts = in_subtree(posts, org, "org")
    if nature:
        posts = posts.filter(nature=nature)
    if complete:
        posts = posts.filter(complete=complete == "1")
    posts = posts.select_related("person__branch", "org").order_by("org__tree_id", "org__lft", "title", "pk")
    page = paginate(request, posts, bounded=True)
    for post in page:
        # 编辑: a member from their branch, anyone else from the org of this post (seed 003 FAQ).
        person = post.person
        post.can_edit = may_open_edit(acting, person, [person.branch] if person.branch_id else [post.org])
        post.can_reset = acting.pk in (post.org_id, post.org.parent_id)
        post.can_change = c.change_refusal(acting, post) is None
        post.can_remove = c.removal_refusal(acting, post, request.user) is None
    orgs = Organization.objects.filter(Q(pk=acting.pk) | Q(parent=acting))
    context = {
        "page": page,
        "q": q,
        "org": org,
        "orgs": orgs.order_by("tree_id", "lft").only("pk", "name"),
        "nature": nature,
        "complete": complete,
        "natures": PostNature.choices,
        "completeness": COMPLETENESS,
        "error": error,
        "volunteer_hint": VOLUNTEER_HINT,
    }
    return render(request, "members/cadres/list.html", context, status=status)


@require_GET
@access(ORG_ADMIN)
def change_index(request):
    """团干部职务变更: choose the cadre (active posts of the acting org and its direct sub-orgs,
    CAD-01), and the 职务变更记录 of the acting org's subtree, newest first."""
    acting = request.acting_org
    # `any_of`: an index scan for the acting org and its direct sub-orgs, not an OR over a join
    # (which read every active post of the country: 1.2 s at 团中央)
    here = Organization.objects.filter(Q(pk=acting.pk) | Q(parent=acting)).values("pk")
    posts = CadrePost.objects.active().filter(org__any_of=here)
    q = plain_text(request.GET.get("q"))
    if q:
        posts = posts.filter(person__name__contains=q)
    posts = posts.select_related("person", "org").order_by("org__tree_id", "org__lft", "title", "pk")
    page = paginate(request, posts)
    for post in page:
        post.refusal = c.change_refusal(acting, post)
    recent = scoped(request, PostChange.objects.all(), "org").select_related("org", "person", "changed_by")
    changes = paginate(request, recent, param="changes")  # the whole record, paged (issue 17)
    return render(request, "members/cadres/changes.html", {"page": page, "q": q, "changes": changes})


def _post_in_scope(request, pk, active=True):
    posts = scoped(request, CadrePost.objects.all(), "org").select_related("person", "org", "org__parent")
    if active:
        posts = posts.filter(ended_on__isnull=True)
    return get_object_or_404(posts, pk=pk)


def _changes(request, post):
    """The person's 职务变更记录 in posts of the acting org's subtree (not their posts elsewhere)."""
    changes = scoped(request, PostChange.objects.filter(person=post.person), "org")
    return paginate(request, changes.select_related("org", "changed_by"), param="changes")


@access(ORG_ADMIN)
def cadre_detail(request, pk):
    """The cadre's page: the post, 职务变更记录, 团干部培训 and the CAD-05 volunteer hint."""
    post = _post_in_scope(request, pk, active=False)
    acting = request.acting_org
    changes = _changes(request, post)
    trainings = CadreTraining.objects.filter(person=post.person)
    active = post.ended_on is None
    return render(
        request,
        "members/cadres/detail.html",
        {
            "post": post,
            "person": post.person,
            "changes": changes,
            "trainings": paginate(request, trainings, param="trainings"),
            "can_change": active and c.change_refusal(acting, post) is None,
            "can_remove": active and c.removal_refusal(acting, post, request.user) is None,
            "can_train": active,
            "volunteer_hint": VOLUNTEER_HINT if post.person.is_volunteer is not True else "",
        },
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def cadre_change(request, pk):
    """团干部职务变更 (CAD-01). A grand-parent gets 403 隔级无法操作; the 团支部书记 post only by the
    branch's direct superior (the branch itself gets 403 with the reason)."""
    post = _post_in_scope(request, pk)
    refusal = c.change_refusal(request.acting_org, post)
    if refusal:
        raise PermissionDenied(refusal)
    status = 200
    if request.method == "POST":
        form = PostChangeForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                c.change_post(request.acting_org, post, by=request.user, **form.cleaned_data)
            except c.CadreError as exc:
                form.add_error(None, str(exc))
                status = exc.status
            else:
                messages.success(request, f"已为{post.person.name}办理职务变更，变更情况已记入职务变更记录。")
                return redirect("members:cadre", pk=post.pk)
    else:
        initial = {"title": post.title, "nature": post.nature}
        if post.started_on:
            initial["started_on"] = post.started_on.strftime("%Y-%m")
        form = PostChangeForm(initial=initial)
    changes = _changes(request, post)
    return render(
        request, "members/cadres/change.html", {"post": post, "form": form, "changes": changes}, status=status
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def cadre_remove(request, pk):
    """移除团干部 (CAD-02): pick the 移除去向 or 其他 with text; the post ends, the person stays."""
    post = _post_in_scope(request, pk)
    refusal = c.removal_refusal(request.acting_org, post, request.user)
    if refusal:
        raise PermissionDenied(refusal)
    status = 200
    if request.method == "POST":
        form = RemovalForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                c.remove_post(
                    request.acting_org,
                    post,
                    destination=form.cleaned_data["destination"],
                    other=form.cleaned_data["destination_other"],
                    by=request.user,
                )
            except c.CadreError as exc:
                form.add_error(None, str(exc))
                status = exc.status
            else:
                messages.success(
                    request, f"已移除团干部{post.person.name}（{post.get_title_display()}），其人员信息保留。"
                )
                return redirect("members:cadres")
    else:
        form = RemovalForm()
    return render(request, "members/cadres/remove.html", {"post": post, "form": form}, status=status)


# --- 团干部培训 (CAD-03) --------------------------------------------------------------------------


@require_GET
@access(ORG_ADMIN)
def training_list(request):
    """团干部培训 (CAD-03; seed 003: 团干部管理-团干部培训-录入培训信息): the subtree's active cadres with
    how many trainings each has, each row leading to 录入培训信息 (training_add). One query a page."""
    q = plain_text(request.GET.get("q"))
    posts = scoped(request, CadrePost.objects.active(), "org")
    if q:
        posts = posts.filter(person__name__contains=q)
    trainings = CadreTraining.objects.filter(person=OuterRef("person_id")).order_by().values("person")
    posts = posts.annotate(training_count=Subquery(trainings.annotate(n=Count("pk")).values("n")[:1]))
    posts = posts.select_related("person", "org").order_by("org__tree_id", "org__lft", "title", "pk")
    page = paginate(request, posts, bounded=True)
    return render(request, "members/cadres/trainings.html", {"page": page, "q": q})


def _training_in_scope(request, pk):
    trainings = CadreTraining.objects.filter(person__in=c.cadres_in_scope(request.acting_org))
    return get_object_or_404(trainings.select_related("person"), pk=pk)


def _training_form_page(request, post, form, training=None, status=200):
    return render(
        request,
        "members/cadres/training.html",
        {"post": post, "person": post.person, "form": form, "training": training},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def training_add(request, pk):
    """录入培训信息 for the cadre of post `pk` (in scope, active)."""
    post = _post_in_scope(request, pk)
    if request.method == "POST":
        form = TrainingForm(request.POST)
        if form.is_valid():
            training = form.save(commit=False)
            training.person = post.person
            training.recorded_by = request.user
            training.recorded_for = request.acting_org
            training.save()
            messages.success(request, f"已录入{post.person.name}的培训信息“{training.name}”。")
            return redirect("members:cadre", pk=post.pk)
        return _training_form_page(request, post, form, status=400)
    return _training_form_page(request, post, TrainingForm())


def _post_for(request, training):
    """The person's active post in scope that the page is about (for the way back)."""
    post = (
        scoped(request, CadrePost.objects.active(), "org")
        .filter(person=training.person)
        .select_related("person", "org")
        .order_by("org__tree_id", "org__lft")
        .first()
    )
    if post is None:
        raise Http404
    return post


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def training_edit(request, pk):
    training = _training_in_scope(request, pk)
    post = _post_for(request, training)
    if request.method == "POST":
        form = TrainingForm(request.POST, instance=training)
        if form.is_valid():
            form.save()
            messages.success(request, f"已修改培训信息“{training.name}”。")
            return redirect("members:cadre", pk=post.pk)
        return _training_form_page(request, post, form, training, status=400)
    # ISO dates for the browser's date inputs (a localized date would not fill them).
    initial = {"start_on": training.start_on.isoformat(), "end_on": training.end_on.isoformat()}
    return _training_form_page(request, post, TrainingForm(instance=training, initial=initial), training)


@require_POST
@access(ORG_ADMIN)
def training_delete(request, pk):
    training = _training_in_scope(request, pk)
    post = _post_for(request, training)
    name = training.name
    with transaction.atomic():
        audit.record(
            training, "delete", changes={"培训名称": [name, None]}, note=f"删除{training.person.name}的培训信息"
        )
        training.delete()
    messages.success(request, f"已删除培训信息“{name}”。")
    return redirect("members:cadre", pk=post.pk)


# --- 重点领域基层团干部配备 (CAD-04, BEY-07) --------------------------------------------------------

UNIVERSITY_HEADERS = [
    "组织简称",
    "组织全称",
    "上级组织",
    "学校标识码",
    "在校学生数",
    "专职",
    "挂职",
    "兼职",
    "合计",
    "在校学生数/专职团干部数",
]
SOE_HEADERS = ["组织简称", "组织全称", "上级组织", "企业层级", "企业所在驻地", "专职", "挂职", "兼职", "合计"]
ENTERPRISE_LEVELS = dict(EnterpriseLevel.choices)


def _staffing_params(request):
    """(domain, scope org) from ?domain= and ?org=; a bad value is a 400, another org's id a 404."""
    domain = request.GET.get("domain") or c.UNIVERSITY
    if domain not in c.DOMAINS:
        raise BadFilter("查询条件无效：只能查看高校或国企。")
    pk = _int_param(request.GET.get("org"))
    scope = request.acting_org
    if pk is not None:
        leadership_orgs = scoped(request, Organization.objects.filter(category=OrgCategory.LEADERSHIP), "")
        scope = get_object_or_404(leadership_orgs, pk=pk)
    return domain, scope


def _row_values(org, domain):
    base = [org.name, org.full_name, org.parent.name if org.parent else ""]
    figures = [org.full_time, org.seconded, org.part_time, org.total]
    if domain == c.UNIVERSITY:
        return [*base, org.school_code, org.student_count, *figures, c.students_per_full_time(org)]
    level = ENTERPRISE_LEVELS.get(org.enterprise_level, org.enterprise_level)
    return [*base, level, org.enterprise_location, *figures]


@require_GET
@access(leadership(LeadershipLevel.CITY))
@reads_replica
def staffing(request):
    """重点领域基层团干部配备: 高校 by default, 国企 on the button; the left tree picks the scope."""
    acting = request.acting_org
    try:
        domain, scope = _staffing_params(request)
    except BadFilter as exc:
        return render(request, "members/cadres/staffing.html", {"error": str(exc), "tree": []}, status=400)
    # the left tree: the way down from the acting org to the scope, and the scope's leadership
    # children -- not every leadership organ of the country (3,500 links, 309 KB at 团中央)
    tree = (
        Organization.objects.subtree_of(acting)
        .filter(ancestors_q(scope, include_self=True) | Q(parent=scope, category=OrgCategory.LEADERSHIP))
        .order_by("tree_id", "lft")
        .only("pk", "name", "level")
    )
    page = paginate(request, c.staffing_orgs(scope, domain))
    rows = [(org, _row_values(org, domain)) for org in c.with_figures(page)]
    return render(
        request,
        "members/cadres/staffing.html",
        {
            "domain": domain,
            "domain_label": c.DOMAINS[domain],
            "domains": c.DOMAINS,
            "scope": scope,
            "tree": tree,
            "base_level": acting.level,
            "page": page,
            "rows": rows,
            "headers": UNIVERSITY_HEADERS if domain == c.UNIVERSITY else SOE_HEADERS,
            "nature_help": NATURE_HELP,
        },
    )


def _chunks(queryset, size=500):
    """The rows of `queryset` in lists of `size`, read from the database as they are needed."""
    chunk = []
    for row in queryset.iterator(chunk_size=2000):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@require_GET
@access(leadership(LeadershipLevel.CITY))
@reads_replica
def staffing_download(request):
    """下载: every row of the chosen scope, streamed (no 1000-row cap, BEY-07), injection-safe."""
    try:
        domain, scope = _staffing_params(request)
    except BadFilter as exc:
        return render(request, "members/cadres/staffing.html", {"error": str(exc), "tree": []}, status=400)
    headers = UNIVERSITY_HEADERS if domain == c.UNIVERSITY else SOE_HEADERS
    rows = (
        _row_values(org, domain) for chunk in _chunks(c.staffing_orgs(scope, domain)) for org in c.with_figures(chunk)
    )
    label = c.DOMAINS[domain]
    return export_response(
        f"重点领域基层团干部配备-{label}-{scope.name}.xlsx", headers, rows, title=f"{label}团干部配备"
    )


urlpatterns = [
    path("cadres/", cadre_list, name="cadres"),
    path("cadres/changes/", change_index, name="cadre_changes"),
    path("cadres/<int:pk>/", cadre_detail, name="cadre"),
    path("cadres/<int:pk>/change/", cadre_change, name="cadre_change"),
    path("cadres/<int:pk>/remove/", cadre_remove, name="cadre_remove"),
    path("cadres/trainings/", training_list, name="trainings"),
    path("cadres/<int:pk>/trainings/add/", training_add, name="training_add"),
    path("cadres/trainings/<int:pk>/edit/", training_edit, name="training_edit"),
    path("cadres/trainings/<int:pk>/delete/", training_delete, name="training_delete"),
    path("cadres/staffing/", staffing, name="staffing"),
    path("cadres/staffing/download/", staffing_download, name="staffing_download"),
]
