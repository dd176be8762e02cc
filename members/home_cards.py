"""我的首页 cards of the members app (ME-01) and its 截止事项 provider (BEY-08, ARC-01).

Cards: 团员基本材料 (no query: the logged-in person), 我的组织 and 我的团员电子档案 (one query each).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.urls import reverse

from orgs.models import Organization
from zhtj.core import deadlines, home

from .archives import lacks_verification_q, needs_archive_q
from .models import Person
from .models_archive import MemberArchive, archive_due_date


def _member(request):
    return request.acting_org is None and request.user.is_authenticated


@home.register
def profile_card(request):
    if not _member(request):
        return None
    p = request.user
    return home.Card(
        "团员基本材料",
        (
            f"姓名：{p.name}",
            f"性别：{p.get_gender_display()}",
            f"身份证号码：{p.masked_id_number}",
            f"手机号码：{p.mobile or '未填写'}",
            f"发展团员编号：{p.development_number or '未填写'}",
        ),
        reverse("members:me"),  # the seed: 右上角“查看”, then “编辑” on the profile page
        order=10,
    )


@home.register
def org_card(request):
    if not _member(request):
        return None
    branch = (
        Organization.objects.filter(pk=request.user.branch_id).select_related("parent").first()
        if request.user.branch_id
        else None
    )
    if branch is None:
        lines = ("您目前没有团组织关系。",)
    else:
        lines = (
            f"所在团支部：{branch.full_name or branch.name}",
            f"上级组织：{branch.parent.name if branch.parent else '—'}",
        )
    return home.Card("我的组织", lines, reverse("members:my_org"), order=20)


@home.register
def archive_card(request):
    if not _member(request):
        return None
    row = (
        Person.objects.filter(pk=request.user.pk)
        .annotate(needs=ExpressionWrapper(needs_archive_q(), output_field=BooleanField()))
        .values("needs", "joined_month", "archive__state")
        .first()
    )
    if not row or not row["needs"]:
        status = "无需上传（2020年以前入团）"
    elif row["archive__state"]:
        status = MemberArchive.State(row["archive__state"]).label
        if row["archive__state"] != MemberArchive.State.VERIFIED:
            status += f"，须于{archive_due_date(row['joined_month']):%Y-%m-%d}前完成认证"
    else:
        status = f"尚未认证，须于{archive_due_date(row['joined_month']):%Y-%m-%d}前上传"
    return home.Card("我的团员电子档案", (f"认证状态：{status}",), reverse("members:my_archive"), order=60)


def _months_due_in(month_start, month_end):
    """ARC-01: the join months whose archive falls due between the two days (at most two)."""
    first = (month_start - timedelta(days=settings.ZHTJ["ARCHIVE_DUE_DAYS"] + 31)).replace(day=1)
    months, m = [], first
    while m <= month_end:
        due = archive_due_date(m)
        if month_start <= due <= month_end:
            months.append(m)
        m = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


@deadlines.register
def archives_due(request, month_start, month_end):
    """BEY-08 / ARC-01: 2020+ members of the subtree, not 已认证, whose 30 days end this month.
    One aggregate query (a COUNT per join month)."""
    org = request.acting_org
    months = _months_due_in(month_start, month_end)
    if org is None or not months:
        return ()
    people = Person.objects.in_branches_of(org).filter(lacks_verification_q())
    figures = people.aggregate(**{f"m{i}": Count("pk", filter=Q(joined_month=m)) for i, m in enumerate(months)})
    url = reverse("members:archives") + "?status=todo"
    return [
        deadlines.Deadline("团员电子档案上传认证（入团后30日内）", archive_due_date(m), figures[f"m{i}"], url)
        for i, m in enumerate(months)
    ]
