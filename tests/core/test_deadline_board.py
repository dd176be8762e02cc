"""截止事项 (BEY-08): per acting org, what falls due this month — rectification steps (REC-13),
e-archives in their 30 days (ARC-01), 推优 updates (INC-12), the 对标定级 lock (GRD-04) and what
other apps register (graduate transfers in 收尾期) — each with a date, a count and a link.
Time-dependent: every test travels to a fixed day."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incentives.choices import DevelopmentKind, Kind, PartyCategory, State, TrackStatus
from incentives.models import Development, IncentiveRecord
from rectification.choices import GrdState, Level, RecState
from rectification.models import CampaignRecord, GradingRecord
from tests import factories as f
from zhtj.core import deadlines

pytestmark = pytest.mark.django_db
OCTOBER = datetime(2026, 10, 10, 9, 0)
NOVEMBER = datetime(2026, 11, 10, 9, 0)
DECEMBER = datetime(2026, 12, 10, 9, 0)
TZ = ZoneInfo("Asia/Shanghai")


def board(login, admin, org, when):
    with time_machine.travel(when, tick=False):
        response = login(admin, org).get(reverse("deadlines"))
    assert response.status_code == 200
    return response


def items(response):
    return {d.title: d for d in response.context["items"]}


def test_self_check_deadline_for_branch_and_superior(tree, login, fast_hasher):
    """BEY-08 / REC-13: in October the self-check deadline (10-31) shows, counted over the branch
    itself or the superior's direct sub-branches that haven't submitted; a submission clears it."""
    col_admin, branch_admin = f.admin_of(tree.col_a), f.admin_of(tree.branch_a)
    f.branch(tree.col_a, "A2团支部")
    d = items(board(login, col_admin, tree.col_a, OCTOBER))["直属团支部自检表提交截止（未提交）"]
    assert (d.due_date, d.count, d.url) == (date(2026, 10, 31), 2, reverse("rectification:evaluate_list"))
    own = items(board(login, branch_admin, tree.branch_a, OCTOBER))["团支部自检表提交截止"]
    assert (own.count, own.url) == (1, reverse("rectification:self_check"))
    CampaignRecord.objects.create(branch=tree.branch_a, year=2026, state=RecState.PENDING)
    assert "团支部自检表提交截止" not in items(board(login, branch_admin, tree.branch_a, OCTOBER))
    assert items(board(login, col_admin, tree.col_a, OCTOBER))["直属团支部自检表提交截止（未提交）"].count == 1
    # November: the self-check deadline has passed, and the work is still open: it stays, 已逾期.
    response = board(login, col_admin, tree.col_a, NOVEMBER)
    late = items(response)["直属团支部自检表提交截止（未提交）"]
    assert (late.due_date, late.count, late.overdue) == (date(2026, 10, 31), 1, True)
    assert "已逾期" in response.content.decode()
    assert not d.overdue  # in October it was due, not overdue


def test_missed_deadline_stays_until_done_and_not_into_next_year(tree, login, fast_hasher):
    """BEY-08 / REC-13 at the edge: on 10-31 the self-check is due, not overdue; on 11-01 it is
    已逾期; once submitted it leaves; the next year's January board has nothing of the campaign."""
    branch_admin = f.admin_of(tree.branch_a)
    own = items(board(login, branch_admin, tree.branch_a, datetime(2026, 10, 31, 23, 0, tzinfo=TZ)))[
        "团支部自检表提交截止"
    ]
    assert not own.overdue
    own = items(board(login, branch_admin, tree.branch_a, datetime(2026, 11, 1, 0, 0, tzinfo=TZ)))[
        "团支部自检表提交截止"
    ]
    assert own.overdue
    CampaignRecord.objects.create(branch=tree.branch_a, year=2026, state=RecState.PENDING)
    assert "团支部自检表提交截止" not in items(board(login, branch_admin, tree.branch_a, NOVEMBER))
    CampaignRecord.objects.filter(branch=tree.branch_a).delete()
    assert not items(board(login, branch_admin, tree.branch_a, datetime(2027, 1, 5, 9, 0)))


def test_review_and_bottom_twenty_percent_in_november(tree, login, fast_hasher):
    """BEY-08 / REC-13: reviews and the bottom 20% are due by 11-30 (the latter while some branch
    may be picked: branch_a is old enough, REC-05)."""
    col_admin = f.admin_of(tree.col_a)
    type(tree.branch_a).objects.filter(pk=tree.branch_a.pk).update(created_at=datetime(2025, 1, 1, 9, 0, tzinfo=UTC))
    CampaignRecord.objects.create(branch=tree.branch_a, year=2026, state=RecState.PENDING)
    found = items(board(login, col_admin, tree.col_a, NOVEMBER))
    assert found["自检表审核截止（待审核）"].count == 1
    assert found["自检表审核截止（待审核）"].due_date == date(2026, 11, 30)
    assert found["勾选排名后 20% 团支部截止"].url == reverse("rectification:branches")


def test_key_branches_and_grading_lock_in_december(tree, login, fast_hasher):
    """BEY-08 / REC-13 / GRD-04: in December, key branches still open (12-31) and the 对标定级
    lock at 12-31 12:00 with the self-ratings not yet reviewed."""
    col_admin = f.admin_of(tree.col_a)
    CampaignRecord.objects.create(branch=tree.branch_a, year=2026, state=RecState.KEY)
    GradingRecord.objects.create(org=tree.branch_a, year=2026, self_level=Level.FIVE, state=GrdState.PENDING)
    found = items(board(login, col_admin, tree.col_a, DECEMBER))
    key = found["重点整顿团支部完成整改截止"]
    assert (key.count, key.due_date) == (1, date(2026, 12, 31))
    lock = found["对标定级复核锁定（12:00），尚未复核"]
    assert (lock.count, lock.due_date, lock.url) == (1, date(2026, 12, 31), reverse("rectification:grading_review"))
    # Outside December the lock is not shown.
    assert not any("对标定级" in t for t in items(board(login, col_admin, tree.col_a, NOVEMBER)))


def test_grading_lock_for_a_reviewing_general_branch(tree, login, fast_hasher):
    """GRD-04 / BEY-08: a 团总支 reviews its branches' self-ratings (and rates itself): its board
    shows the lock for the branches still unreviewed, until 12-31 12:00, when nothing can be done."""
    from orgs.choices import OrgCategory

    grade = f.OrgFactory(name="2024级团总支", parent=tree.col_a, category=OrgCategory.GENERAL_BRANCH)
    klass = f.branch(grade, "1班团支部")
    GradingRecord.objects.create(org=klass, year=2026, self_level=Level.FOUR, state=GrdState.PENDING)
    admin = f.admin_of(grade)
    lock = items(board(login, admin, grade, datetime(2026, 12, 31, 11, 59, tzinfo=TZ)))[
        "对标定级复核锁定（12:00），尚未复核"
    ]
    assert (lock.count, lock.url) == (1, reverse("rectification:grading_review"))
    assert not any("对标定级" in t for t in items(board(login, admin, grade, datetime(2026, 12, 31, 12, 0, tzinfo=TZ))))


def test_archives_due_this_month_in_scope_only(tree, login, fast_hasher):
    """BEY-08 / ARC-01: 2020+ members without 已认证 whose 30 days end this month, in the acting
    subtree only (B's member never counts for A)."""
    entered = {"date_joined": datetime(2026, 8, 1, 9, 0, tzinfo=TZ)}
    f.person("九月", branch=tree.branch_a, joined_month=date(2026, 9, 1), **entered)  # due 10-30
    f.person("八月", branch=tree.branch_a, joined_month=date(2026, 8, 1), **entered)  # due 09-30: overdue
    f.person("旧员", branch=tree.branch_a, joined_month=date(2019, 9, 1), **entered)  # no archive needed
    f.person("乙九月", branch=tree.branch_b, joined_month=date(2026, 9, 1), **entered)
    col_admin, uni_admin = f.admin_of(tree.col_a), f.admin_of(tree.uni)
    found = items(board(login, col_admin, tree.col_a, OCTOBER))
    d = found["团员电子档案上传认证（入团后30日内）"]
    assert (d.due_date, d.count) == (date(2026, 10, 30), 1)
    assert d.url.startswith(reverse("members:archives"))
    late = found["团员电子档案上传认证（已超过30日）"]
    assert (late.due_date, late.count, late.overdue) == (date(2026, 9, 30), 1, True)
    assert items(board(login, uni_admin, tree.uni, OCTOBER))["团员电子档案上传认证（入团后30日内）"].count == 2


def test_archive_of_a_member_entered_late_counts_from_entry(tree, login, fast_hasher):
    """ARC-01 / ARC-08 (decision) at the edge: a member who joined in 2021 and is entered on
    2026-10-10 is not overdue that day: the 30 days run from the day of entry (due 11-09), shown
    in November's board; on 11-09 due, on 11-10 已逾期."""
    from members.models_archive import archive_due_date, due_of

    late = f.person(
        "补录",
        branch=tree.branch_a,
        joined_month=date(2021, 3, 1),
        date_joined=datetime(2026, 10, 10, 23, 0, tzinfo=TZ),
    )
    assert due_of(late) == archive_due_date(date(2021, 3, 1), date(2026, 10, 10)) == date(2026, 11, 9)
    col_admin = f.admin_of(tree.col_a)
    assert not any("电子档案" in t for t in items(board(login, col_admin, tree.col_a, OCTOBER)))
    on_day = items(board(login, col_admin, tree.col_a, datetime(2026, 11, 9, 23, 59, tzinfo=TZ)))
    assert (
        on_day["团员电子档案上传认证（入团后30日内）"].due_date,
        on_day["团员电子档案上传认证（入团后30日内）"].count,
    ) == (
        date(2026, 11, 9),
        1,
    )
    after = items(board(login, col_admin, tree.col_a, datetime(2026, 11, 10, 0, 0, tzinfo=TZ)))
    assert after["团员电子档案上传认证（已超过30日）"].overdue


def _party_record(person, recorder, by, last_step_on, due=False):
    record = IncentiveRecord.objects.create(
        kind=Kind.DEVELOPMENT, recorder=recorder, recorded_by=by, person=person, state=State.APPROVED, summary="推优"
    )
    return Development.objects.create(
        record=record,
        dev_kind=DevelopmentKind.PARTY,
        recommended_on=last_step_on,
        category=PartyCategory.ACTIVIST,
        track=PartyCategory.ACTIVIST,
        status=TrackStatus.UNCONFIRMED,
        last_step_on=last_step_on,
        update_due=due,
    )


def test_party_track_updates_due(tree, login, fast_hasher):
    """BEY-08 / INC-12: 推优 records whose year ends this month, and those already due."""
    branch_admin = f.admin_of(tree.branch_a)
    a, b, c = (f.person(n, branch=tree.branch_a) for n in ("甲", "乙", "丙"))
    _party_record(a, tree.branch_a, branch_admin, date(2025, 10, 20))  # a year on 2026-10-20
    _party_record(b, tree.branch_a, branch_admin, date(2025, 6, 1), due=True)
    _party_record(c, tree.branch_a, branch_admin, date(2025, 12, 1))  # next month: not yet
    found = items(board(login, branch_admin, tree.branch_a, OCTOBER))
    assert (found["推优入党：本月满1年，需更新状态"].count, found["推优入党：本月满1年，需更新状态"].due_date) == (
        1,
        date(2026, 10, 20),
    )
    assert found["推优入党：已满1年，待更新状态"].count == 1
    assert found["推优入党：已满1年，待更新状态"].url == reverse("incentives:development")


def test_registered_provider_shows_and_zero_counts_hide(tree, login, fast_hasher, monkeypatch):
    """BEY-08: the registry hook other apps (transfers: graduate transfers in 收尾期) fill; an item
    with count 0 is not listed; items are sorted by date."""
    monkeypatch.setattr(deadlines, "_providers", list(deadlines._providers))

    @deadlines.register
    def returns(request, start, end):
        return [
            deadlines.Deadline("毕业生转接收尾期退回", date(2026, 10, 11), 3, "/x/"),
            deadlines.Deadline("空事项", date(2026, 10, 1), 0, "/y/"),
        ]

    response = board(login, f.admin_of(tree.col_a), tree.col_a, OCTOBER)
    titles = [d.title for d in response.context["items"]]
    assert "毕业生转接收尾期退回" in titles and "空事项" not in titles
    assert [d.due_date for d in response.context["items"]] == sorted(d.due_date for d in response.context["items"])
    html = response.content.decode()
    assert "2026-10-11" in html and 'href="/x/"' in html


def test_board_is_for_admins_and_in_the_menu(tree, login, fast_hasher):
    """BEY-08: a member (no acting org) can't open it; an admin finds 截止事项 in the menu."""
    member = f.person("成员", branch=tree.branch_a, password="Zhtj-pass-2026")
    assert login(member).get(reverse("deadlines")).status_code in (403, 404)
    home = login(f.admin_of(tree.col_a), tree.col_a).get(reverse("home")).content.decode()
    assert f'href="{reverse("deadlines")}"' in home and "截止事项" in home


def _queries(login, admin, org, when):
    with time_machine.travel(when, tick=False):
        client = login(admin, org)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("deadlines")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("when", [OCTOBER, NOVEMBER, DECEMBER])
def test_constant_queries(tree, login, fast_hasher, when):
    """BEY-08 / the bar: every provider is an aggregate, so the board's query count doesn't grow
    with the number of branches, members or records."""
    admin = f.admin_of(tree.col_a)
    before = _queries(login, admin, tree.col_a, when)
    for i in range(6):
        b = f.branch(tree.col_a)
        CampaignRecord.objects.create(branch=b, year=2026, state=RecState.KEY if i % 2 else RecState.PENDING)
        GradingRecord.objects.create(org=b, year=2026, self_level=Level.FOUR, state=GrdState.PENDING)
        for j in range(3):
            p = f.person(f"员{i}{j}", branch=b, joined_month=date(2026, 9, 1))
            _party_record(p, b, admin, date(2025, when.month, 5))
    assert _queries(login, admin, tree.col_a, when) == before
