"""延迟毕业 (GRAD-01): a 毕业生团组织's member list with 标记延迟毕业团员/教师 and 撤销, and the
延迟毕业团员列表 of the acting org's subtree. The rules are in members/graduates.py."""

from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgs.choices import OrgCategory
from orgs.models import Organization
from zhtj.core.access import ORG_ADMIN, access, scoped
from zhtj.core.pagination import paginate
from zhtj.core.params import parse_pk, plain_text

from . import graduates as g
from .cadres import CadreError
from .choices import GraduateMarkKind
from .models import CadrePost
from .models_cadres import GraduateMark


def _ids(request):
    """The ticked ids; anything not a plain number is a bad form (CadreError → 400)."""
    raw = request.POST.getlist("persons")
    if not all(v.isascii() and v.isdigit() and len(v) <= 12 for v in raw):
        raise CadreError("所选人员无效，请刷新后重试。")
    return sorted({int(v) for v in raw})


def _graduate_org(request, org_pk):
    return get_object_or_404(scoped(request, Organization.objects.all(), ""), pk=org_pk)


@require_http_methods(["GET", "POST"])
@access(ORG_ADMIN)
def graduate_members(request, org_pk):
    """团员列表 of one 毕业生团组织 with 被标记成员身份; a school admin marks the ticked members."""
    org = _graduate_org(request, org_pk)
    acting = request.acting_org
    error, status, data = "", 200, {}
    if org.category != OrgCategory.GRADUATE:
        error, status = f"{org.name}不是毕业生团组织：只能在毕业生团组织中标记延迟毕业团员/教师。", 400
    elif request.method == "POST":
        data = request.POST
        try:
            count = g.mark(
                acting,
                org,
                _ids(request),
                kind=data.get("kind", ""),
                raw_month=plain_text(data.get("month"), 20),
                reason=plain_text(data.get("reason"), 1000),  # the rule says how long it may be
                by=request.user,
            )
        except CadreError as exc:
            error, status = str(exc), exc.status
        else:
            label = GraduateMarkKind(data["kind"]).label
            messages.success(request, f"已将{count}名人员标记为{label}。")
            return redirect("members:graduates", org_pk=org.pk)
    title = CadrePost.objects.active().filter(person=OuterRef("pk"), org=org).order_by("pk").values("title")[:1]
    people = org.members.select_related("graduate_mark").annotate(post_title=Subquery(title)).order_by("name", "pk")
    page = paginate(request, people)
    titles = dict(CadrePost._meta.get_field("title").choices)
    for person in page:
        person.post_label = titles.get(person.post_title, "")
    return render(
        request,
        "members/cadres/graduates.html",
        {
            "org": org,
            "page": page,
            "may_mark": acting.may_mark_graduation and org.category == OrgCategory.GRADUATE,
            "kinds": GraduateMarkKind.choices,
            "error": error,
            "data": data,
            "selected": set(data.getlist("persons")) if data else set(),
        },
        status=status,
    )


def _delayed_page(request, status=200):
    marks = (
        scoped(request, GraduateMark.objects.filter(kind=GraduateMarkKind.DELAYED), "person__branch")
        .select_related("person", "person__branch")
        .order_by("person__branch__tree_id", "person__branch__lft", "person__name", "pk")
    )
    q = plain_text(request.GET.get("q"))
    if q:
        marks = marks.filter(person__name__contains=q)
    page = paginate(request, marks)
    # The way to a 毕业生团组织's member list, where members are marked.
    may_mark = request.acting_org.may_mark_graduation
    graduate_orgs = scoped(request, Organization.objects.filter(category=OrgCategory.GRADUATE), "")
    context = {
        "page": page,
        "q": q,
        "may_mark": may_mark,
        "graduate_orgs": graduate_orgs.order_by("tree_id", "lft").only("pk", "name") if may_mark else (),
    }
    return render(request, "members/cadres/delayed.html", context, status=status)


@require_GET
@access(ORG_ADMIN)
def delayed_list(request):
    """延迟毕业团员列表: the 延迟毕业生 of the acting org's subtree."""
    return _delayed_page(request)


@require_POST
@access(ORG_ADMIN)
def unmark(request):
    """撤销延迟毕业团员 / 撤销教师: the people become graduates of their branch again."""
    back = request.POST.get("back", "")
    try:
        count = g.unmark(request.acting_org, _ids(request), by=request.user)
    except CadreError as exc:
        messages.error(request, str(exc))
        return _delayed_page(request, exc.status)
    messages.success(
        request, f"已撤销{count}名人员的标记，恢复为正常毕业学生，毕业时间恢复至所在毕业生团组织的毕业时间。"
    )
    back_pk = parse_pk(back)
    if back_pk is not None:
        return redirect("members:graduates", org_pk=back_pk)
    return redirect("members:delayed")


urlpatterns = [
    path("graduates/<int:org_pk>/", graduate_members, name="graduates"),
    path("graduates/delayed/", delayed_list, name="delayed"),
    path("graduates/unmark/", unmark, name="graduate_unmark"),
]
