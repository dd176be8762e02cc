"""团干部管理 rules: 职务变更 (CAD-01), 移除团干部 (CAD-02), 团干部培训 scope (CAD-03) and the
staffing figures of 重点领域基层团干部配备 (CAD-04). Views call these; each rule lives here once.

Who may do what (decisions where the seed is silent are marked):
- 职务变更: the post's own org or its direct superior; other ancestors only view (ROLE-03).
  The 团支部书记 post (title 书记 in a branch-kind org, before or after the change) only by the
  branch's direct superior (CAD-01).
- 移除团干部: admins of 团的领导机关 and 基层团委 (团委/团工委) on posts of their own org (seed 2.4).
  **(decision)** 团总支 and branches may not: the seed names only leadership organs and 基层团委.
  **(decision)** nobody removes their own post (they would lock themselves out mid-action).
"""

from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from orgs.choices import UNIVERSITY_Q, Industry, OrgCategory
from orgs.models import Organization
from zhtj.core import tree
from zhtj.core.tree import in_subtree

from .choices import Occupation, PostChangeKind, PostNature, PostTitle, RemovalDestination
from .models import CadrePost
from .models_cadres import PostChange
from .validation import student_nature_problem

REMOVER_CATEGORIES = frozenset({OrgCategory.LEADERSHIP, OrgCategory.COMMITTEE, OrgCategory.WORKING_COMMITTEE})


class CadreError(Exception):
    """A refused action; the message is for the user. 400 bad input, 403 not allowed, 409 state."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


# --- who may act on a post ----------------------------------------------------------------------


def is_branch_secretary(org, title):
    return org.is_branch_kind and title == PostTitle.SECRETARY


def change_refusal(acting, post, new_title=None):
    """Why `acting` may not change `post` (None when it may). `post` is already in scope."""
    org = post.org
    if is_branch_secretary(org, post.title) or (new_title and is_branch_secretary(org, new_title)):
        if org.parent_id != acting.pk:
            return "团支部书记的职务变更须由团支部的直属上级团组织管理员办理。"
        return None
    if acting.pk not in (org.pk, org.parent_id):
        return "隔级无法操作：只有本组织或直属上级团组织的管理员可以办理职务变更。"
    return None


def may_remove_cadres(org):
    """CAD-02: 团的领导机关 and 基层团委 (团委/团工委)."""
    return org.category in REMOVER_CATEGORIES


def removal_refusal(acting, post, by):
    if not may_remove_cadres(acting):
        return "只有团的领导机关、基层团委（团委、团工委）管理员有权限移除团干部。"
    if post.org_id != acting.pk:
        return "只能移除本组织的团干部；下级组织的团干部请由其所在组织移除。"
    if post.person_id == by.pk:
        return "不能移除本人的团干部职务，请由本组织其他管理员办理。"
    return None


def nature_problem(person, nature):
    """CAD-05: student cadres are 兼职 (the rule of entry, validation.student_nature_problem)."""
    return student_nature_problem(person.occupation, nature)


def _locked_active(post_pk):
    post = CadrePost.objects.select_for_update().filter(pk=post_pk, ended_on__isnull=True).first()
    if post is None:
        raise CadreError("该团干部已离任或已被移除，请刷新后重试。", status=409)
    return CadrePost.objects.select_related("org", "person").get(pk=post.pk)


def change_post(acting, post, *, title, nature, started_on, by):
    """CAD-01: give `post` its new title/nature/任现职年月 and keep a 职务变更记录 row, in one
    transaction with the post row locked. The post keeps its admin slot (same person, same org)."""
    with transaction.atomic():
        post = _locked_active(post.pk)
        refusal = change_refusal(acting, post, title)
        if refusal:
            raise CadreError(refusal, status=403)
        problem = nature_problem(post.person, nature)
        if problem:
            raise CadreError(problem)
        if (title, nature, started_on) == (post.title, post.nature, post.started_on):
            raise CadreError("新职务与现任职务相同，未作变更。")
        if title == PostTitle.SECRETARY and post.title != PostTitle.SECRETARY:
            Organization.objects.select_for_update().get(pk=post.org_id)  # one new 书记 at a time
            holder = CadrePost.objects.active().filter(org=post.org, title=PostTitle.SECRETARY).exclude(pk=post.pk)
            other = holder.select_related("person").first()
            if other is not None:
                raise CadreError(f"{post.org.name}已有现任书记{other.person.name}，请先变更或移除其职务。", status=409)
        change = PostChange.objects.create(
            post=post,
            person=post.person,
            org=post.org,
            kind=PostChangeKind.CHANGE,
            from_title=post.title,
            from_nature=post.nature,
            from_started_on=post.started_on,
            to_title=title,
            to_nature=nature,
            to_started_on=started_on,
            changed_by=by,
            acting_org=acting,
        )
        post.title, post.nature, post.started_on = title, nature, started_on
        post.save()
    return change


def remove_post(acting, post, *, destination, other, by):
    """CAD-02: the post ends today and loses any admin slot (ORG-12: admins are active posts);
    the person stays. Recorded in 职务变更记录 with the 移除去向."""
    other = (other or "").strip()
    if destination not in RemovalDestination.values:
        raise CadreError("请从列表中选择移除去向。")
    if destination == RemovalDestination.OTHER and not other:
        raise CadreError("选择“其他”去向时，请填写具体去向。")
    if destination != RemovalDestination.OTHER:
        other = ""
    with transaction.atomic():
        post = _locked_active(post.pk)
        refusal = removal_refusal(acting, post, by)
        if refusal:
            raise CadreError(refusal, status=403)
        change = PostChange.objects.create(
            post=post,
            person=post.person,
            org=post.org,
            kind=PostChangeKind.REMOVE,
            from_title=post.title,
            from_nature=post.nature,
            from_started_on=post.started_on,
            destination=destination,
            destination_other=other,
            lost_admin=post.admin_slot is not None,
            changed_by=by,
            acting_org=acting,
        )
        post.ended_on = timezone.localdate()
        post.admin_slot = None
        post.save()
    return change


# --- CAD-03: whose trainings an admin may see and edit ------------------------------------------


def cadres_in_scope(acting):
    """People holding an active post in `acting`'s subtree (one range condition)."""
    return in_subtree(CadrePost.objects.active(), acting, "org").values("person_id")


# --- CAD-04: 重点领域基层团干部配备 ---------------------------------------------------------------

UNIVERSITY, SOE = "university", "soe"
DOMAINS = {UNIVERSITY: "高校", SOE: "国企"}

# **(decision)** an SOE is the topmost 国有企业 org of its enterprise: its parent is not one.
SOE_Q = Q(industry=Industry.STATE_ENTERPRISE) & ~Q(parent__industry=Industry.STATE_ENTERPRISE)

# CAD-05: student cadres count as 兼职 whatever was entered.
STUDENT = Q(person__occupation=Occupation.STUDENT)
NATURE_COUNTS = {
    "full_time": Q(nature=PostNature.FULL_TIME) & ~STUDENT,
    "seconded": Q(nature=PostNature.SECONDED) & ~STUDENT,
    "part_time": Q(nature=PostNature.PART_TIME) | STUDENT,
    "total": Q(),
}


def staffing_orgs(scope, domain):
    """Every university (or SOE) in `scope`'s subtree, in tree order: plain rows, cheap to count
    and to page. `with_figures` adds the staffing figures to the rows actually shown."""
    orgs = Organization.objects.subtree_of(scope).filter(UNIVERSITY_Q if domain == UNIVERSITY else SOE_Q)
    return orgs.select_related("parent").order_by("tree_id", "lft")


def with_figures(orgs):
    """Set `full_time`, `seconded`, `part_time` and `total` on each org of `orgs` (a page, or a
    chunk of a download) from ONE grouped query: the active posts anywhere in their subtrees, each
    subtree an index range, labelled with their unit by a CASE. **(decision)** figures count
    people, so a person with two posts in one school counts once. Units don't nest (one 学校标识码
    per school; SOE_Q takes an enterprise's topmost org); if they did, a post would count for the
    first unit in tree order."""
    orgs = list(orgs)
    if not orgs:
        return orgs
    anywhere = reduce(or_, (tree.subtree_q(o, "org") for o in orgs))
    figures = {
        row.pop("unit"): row
        for row in CadrePost.objects.active()
        .filter(anywhere)
        .annotate(unit=tree.unit_case(orgs, "org"))
        .order_by()
        .values("unit")
        .annotate(**{name: Count("person_id", distinct=True, filter=q) for name, q in NATURE_COUNTS.items()})
    }
    for org in orgs:
        for name in NATURE_COUNTS:
            setattr(org, name, figures.get(org.pk, {}).get(name, 0))
    return orgs


def students_per_full_time(org):
    """在校学生数 per 专职团干部, one decimal; None when either is missing."""
    if not org.student_count or not org.full_time:
        return None
    return round(org.student_count / org.full_time, 1)
