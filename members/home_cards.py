"""我的首页 cards of the members app (ME-01) and its 截止事项 provider (BEY-08, ARC-01).

Cards: 团员基本材料 (no query: the logged-in person), 我的组织 and 我的团员电子档案 (one query each).
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Q
from django.urls import reverse
from django.utils import timezone

from orgs.models import Organization
from zhtj.core import deadlines, home

from . import figures
from .archives import lacks_verification_q, needs_archive_q, required_from
from .models import Person
from .models_archive import MemberArchive, archive_due_date, archive_start


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
            f"手机号码：{p.masked_mobile or '未填写'}",  # SEC-03: whole on 查看 (members:me) only
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
        .values("needs", "joined_month", "date_joined", "archive__state")
        .first()
    )
    due = row and archive_due_date(row["joined_month"], timezone.localdate(row["date_joined"]))
    if not row or not row["needs"]:
        status = "无需上传（2020年以前入团）"
    elif row["archive__state"]:
        status = MemberArchive.State(row["archive__state"]).label
        if row["archive__state"] != MemberArchive.State.VERIFIED:
            status += f"，须于{due:%Y-%m-%d}前完成认证"
    else:
        status = f"尚未认证，须于{due:%Y-%m-%d}前上传"
    return home.Card("我的团员电子档案", (f"认证状态：{status}",), reverse("members:my_archive"), order=60)


@deadlines.register
def archives_due(request, month_start, month_end):
    """BEY-08 / ARC-01: 2020+ members of the subtree, not 已认证, whose 30 days end this month —
    and those whose days have already ended (已逾期, until verified). The days start at the later
    of the join month's end and the day of entry (`models_archive.archive_start`). One aggregate
    query."""
    org = request.acting_org
    if org is None:
        return ()
    days = timedelta(days=settings.ZHTJ["ARCHIVE_DUE_DAYS"])
    today = timezone.localdate()
    if figures.kept(org):  # the subtree's trigger-kept figures: a few hundred rows at 团中央
        (overdue, overdue_first), (upcoming, upcoming_first) = figures.archives_due(
            org, required_from().year, today - days, month_end - days
        )
        f = {
            "overdue": overdue,
            "overdue_first": overdue_first,
            "upcoming": upcoming,
            "upcoming_first": upcoming_first,
        }
    else:
        people = Person.objects.in_branches_of(org).filter(lacks_verification_q()).annotate(start=archive_start())
        overdue, upcoming = Q(start__lt=today - days), Q(start__gte=today - days, start__lte=month_end - days)
        f = people.aggregate(
            overdue=Count("pk", filter=overdue),
            overdue_first=Min("start", filter=overdue),
            upcoming=Count("pk", filter=upcoming),
            upcoming_first=Min("start", filter=upcoming),
        )
    url = reverse("members:archives") + "?status=todo"
    found = []
    if f["overdue"]:
        title = f"团员电子档案上传认证（已超过{days.days}日）"
        found.append(deadlines.Deadline(title, f["overdue_first"] + days, f["overdue"], url))
    if f["upcoming"]:
        title = f"团员电子档案上传认证（入团后{days.days}日内）"
        found.append(deadlines.Deadline(title, f["upcoming_first"] + days, f["upcoming"], url))
    return found
