"""勾选排名后 20% 团支部 (REC-05): minimum counts, eligibility, final once done, direct superior only."""

from datetime import datetime

import pytest
from django.utils import timezone

from orgs.choices import LeadershipLevel, OrgCategory
from rectification.models import BottomSelection
from tests import factories as f

from .conftest import at
from .helpers import as_branch, as_committee, review, state, submit

URL = "/rectification/branches/bottom/"


def text(r):
    return r.content.decode()


def pick(client, *branches):
    return client.post(URL, {"branches": [b.pk for b in branches]})


def test_minimum_is_ceil_twenty_percent(client, login, camp):
    """REC-05: 6 eligible → at least 2 (ceil 1.2); one is refused, nothing changes; two go 重点整改中."""
    c = as_committee(login, camp)
    r = pick(c, camp.branches[0])
    assert r.status_code == 400 and "至少需要勾选2个" in text(r)
    assert state(camp.branches[0]) is None and not BottomSelection.objects.exists()
    assert pick(c, camp.branches[0], camp.branches[1]).status_code == 302
    assert state(camp.branches[0]) == state(camp.branches[1]) == "key"
    assert "排名后 20%" in text(as_branch(login, camp, 0).get("/inbox/"))


def test_fewer_than_five_need_one(client, login, camp):
    """REC-05: fewer than 5 eligible branches → at least 1; all may be selected."""
    for i in (0, 1, 2):
        submit(as_branch(login, camp, i), 0)
        review(as_committee(login, camp), camp.branches[i], "approve")  # 合格: not eligible
    c = as_committee(login, camp)
    assert "至少勾选1个" in text(c.get("/rectification/branches/"))
    assert pick(c, *camp.branches[3:]).status_code == 302
    assert [state(b) for b in camp.branches[3:]] == ["key"] * 3


def test_ineligible_branches_are_refused(client, login, camp):
    """REC-05: 合格 / 整改后合格 / 重点整改后合格, 毕业生团组织, 待接转团支部 and branches younger than
    3 months can't be selected; a selection holding one of them changes nothing. 基本合格 (较差 < 10) may."""
    submit(as_branch(login, camp, 0), 0)
    submit(as_branch(login, camp, 1), 3)
    c = as_committee(login, camp)
    review(c, camp.branches[0], "approve")
    review(c, camp.branches[1], "approve")
    grad = f.OrgFactory(
        parent=camp.committee, category=OrgCategory.GRADUATE, name="毕业生团组织X", created_at=at(2025, 1, 1)
    )
    pending = f.OrgFactory(
        parent=camp.committee, category=OrgCategory.PENDING_TRANSFER, name="待接转X", created_at=at(2025, 1, 1)
    )
    young = f.branch(camp.committee, "新建团支部", created_at=timezone.make_aware(datetime(2026, 8, 1)))
    for bad in (camp.branches[0], grad, pending, young):
        r = pick(c, bad, camp.branches[1], camp.branches[2])
        assert r.status_code == 400 and bad.name in text(r) and "不能被勾选" in text(r)
    assert state(camp.branches[1]) == "basic" and not BottomSelection.objects.exists()
    assert pick(c, camp.branches[1], camp.branches[2]).status_code == 302
    assert state(camp.branches[1]) == "key"


def test_selection_is_final(client, login, camp):
    """REC-05: once done it can't be undone or repeated."""
    c = as_committee(login, camp)
    pick(c, *camp.branches[:2])
    r = pick(c, *camp.branches[2:4])
    assert r.status_code == 409 and "一经确定无法撤销" in text(r)
    assert state(camp.branches[2]) is None
    assert "bottom-done" in text(c.get("/rectification/branches/"))


def test_grandparent_cannot_select(client, login, camp):
    """REC-05 / ROLE-03: 隔级无法勾选 — a grandchild in the selection is a 403; a sibling's is a 404."""
    u = login(camp.uni_admin, camp.tree.uni)
    r = pick(u, *camp.branches[:2])
    assert r.status_code == 403 and "隔级无法操作" in text(r)
    other = f.admin_of(camp.tree.col_b, "学院B书记")
    assert pick(login(other, camp.tree.col_b), camp.branches[0]).status_code == 404
    assert pick(as_committee(login, camp), camp.branches[0]).status_code == 400
    r = as_committee(login, camp).post(URL, {"branches": ["x1"]})
    assert r.status_code == 400
    assert state(camp.branches[0]) is None


def test_not_outside_the_campaign(client, login, camp, clock):
    """REC-10/13: the selection belongs to the campaign (September–December)."""
    clock.move_to(at(2027, 2, 1, 9, 0))
    r = pick(as_committee(login, camp), *camp.branches[:2])
    assert r.status_code == 409 and "不在整理整顿集中开展期间" in text(r)
    assert not BottomSelection.objects.exists()


def test_rows_that_cant_be_picked_say_why(client, login, camp):
    """REC-05: the list has a checkbox exactly for the rows select_bottom accepts (the same rule
    as its query), and every other row says why: 合格, already 重点整顿, 毕业生团组织, 待接转团支部,
    founded less than 3 months ago — one day younger than the limit, not the day of it."""
    from rectification import services as s

    submit(as_branch(login, camp, 0), 0)
    submit(as_branch(login, camp, 1), 3)
    c = as_committee(login, camp)
    review(c, camp.branches[0], "approve")  # 合格
    review(c, camp.branches[1], "start_key")  # 重点整改中
    f.OrgFactory(parent=camp.committee, category=OrgCategory.GRADUATE, name="毕业生团组织X", created_at=at(2025, 1, 1))
    f.OrgFactory(
        parent=camp.committee, category=OrgCategory.PENDING_TRANSFER, name="待接转X", created_at=at(2025, 1, 1)
    )
    f.branch(camp.committee, "新建团支部", created_at=at(2026, 7, 11, 0, 0))  # 3 months on 10-11: too young
    f.branch(camp.committee, "满三月团支部", created_at=at(2026, 7, 10, 23, 59))  # 3 months old on 10-10
    page = text(c.get("/rectification/branches/"))
    reasons = {
        "B1团支部": "整顿状态为合格",
        "B2团支部": "已纳入重点整顿（重点整改中）",
        "毕业生团组织X": "毕业生团组织不参加排名",
        "待接转X": "待接转团支部不参加排名",
        "新建团支部": "成立未满3个月（2026-07-11成立）",
    }
    for name, reason in reasons.items():
        row = page.split(f'data-name="{name}"', 1)[1].split("</tr>", 1)[0]
        assert reason in row and 'type="checkbox"' not in row, name
    for name in ("B3团支部", "满三月团支部"):
        assert 'type="checkbox"' in page.split(f'data-name="{name}"', 1)[1].split("</tr>", 1)[0]
    listed = {r.pk for r in s.with_status(s.rec_orgs(camp.committee, 2026), 2026) if s.bottom_refusal(r) is None}
    assert listed == set(s.bottom_candidates(camp.committee, 2026).values_list("pk", flat=True))
    r = pick(c, camp.branches[0], camp.branches[2])
    assert r.status_code == 400 and "B1团支部：整顿状态为合格" in text(r)


def test_special_unit_pool_is_no_branch_of_the_campaign(client, login, camp):
    """ORG-02 / REC-02 / REC-05: a 特殊单位专属库 under the province is neither listed, evaluated nor
    counted: the province's 下级组织列表 and 评估下级团支部 don't show it, it is no bottom-20%
    candidate, so the province (whose only direct branch kind it is) must select none."""
    from rectification import services as s

    pool = f.OrgFactory(
        parent=camp.tree.province,
        category=OrgCategory.SPECIAL_UNIT_POOL,
        name="山东省特殊单位专属库",
        created_at=at(2025, 1, 1),
    )
    province = login(camp.province_admin, camp.tree.province)
    assert "山东省特殊单位专属库" not in text(province.get("/rectification/branches/"))
    assert "山东省特殊单位专属库" not in text(province.get("/rectification/evaluate/"))
    assert not s.bottom_candidates(camp.tree.province, 2026).exists()
    assert not s.bottom_due(camp.tree.province, 2026)
    assert "尚未勾选排名后 20%" not in text(province.get("/"))
    r = province.post(f"/rectification/evaluate/{pool.pk}/", {})
    assert r.status_code == 400 and "不参加整理整顿" in text(r)


def test_minimum_at_its_edges():
    """REC-05 at the default REC_BOTTOM_PERCENT (20): none eligible → 0; 1 … 5 → 1; 6 → 2 (ceil
    1.2); 10 → 2; 11 → 3; 100 → 20; 101 → 21 (ceil 20.2: the share is of a hundred exactly)."""
    from rectification.services import bottom_minimum

    assert [bottom_minimum(n) for n in (0, 1, 2, 5, 6, 10, 11, 100, 101)] == [0, 1, 1, 1, 2, 2, 3, 20, 21]


def test_one_eligible_branch_must_be_selected(client, login, camp):
    """REC-05: with a single eligible branch (the others 合格) the minimum is 1: selecting none is
    refused and nothing is recorded."""
    for i in range(5):
        submit(as_branch(login, camp, i), 0)
        review(as_committee(login, camp), camp.branches[i], "approve")
    c = as_committee(login, camp)
    r = c.post(URL, {})
    assert r.status_code == 400 and "可勾选的团支部共1个，排名后 20% 团支部至少需要勾选1个，您勾选了0个。" in text(r)
    assert not BottomSelection.objects.exists()


def test_three_months_from_a_months_end(client, login, camp, clock):
    """REC-05: REC_MIN_AGE_MONTHS (3) counted from December 31 ends on September 30 (the shorter
    month's last day): founded at 9-30 23:59 it may be selected, at 10-01 00:00 it may not."""
    from rectification import services as s

    assert s.months_before(at(2026, 12, 31).date(), 3).isoformat() == "2026-09-30"
    assert s.months_before(at(2026, 5, 31).date(), 3).isoformat() == "2026-02-28"
    clock.move_to(at(2026, 12, 31, 10, 0))
    old_enough = f.branch(camp.committee, "满三月团支部", created_at=at(2026, 9, 30, 23, 59))
    too_young = f.branch(camp.committee, "新建团支部", created_at=at(2026, 10, 1, 0, 0))
    candidates = set(s.bottom_candidates(camp.committee, 2026).values_list("pk", flat=True))
    assert old_enough.pk in candidates and too_young.pk not in candidates


def test_select_bottom_called_directly_word_for_word(camp, monkeypatch):
    """REC-05 / REC-10, select_bottom called directly: outside the campaign (409); a committee with
    nothing to select (409); ids that aren't candidates named in tree order with each reason (400);
    fewer than the minimum (400); the selection (2 of 5 eligible) puts each branch into key
    rectification as the selector's act, tells it, and records who selected how many of how many,
    under the committee's row lock; a second selection (409); one that lost the race to another admin
    between the check and the record (409, nothing changed)."""
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from rectification import services as s
    from rectification.models import CampaignRecord
    from zhtj.core.models import AuditLog, Notification

    from .conftest import FOUNDED

    c, b = camp.committee, camp.branches

    def refused(message, status, parent, ids):
        with pytest.raises(s.RecError) as caught:
            s.select_bottom(parent, ids, by=camp.admin)
        assert (str(caught.value), caught.value.status) == (message, status)

    with time_machine.travel(at(2027, 1, 5, 9, 0), tick=False):
        refused("当前不在整理整顿集中开展期间（每年9月至12月），不能勾选排名后 20% 团支部。", 409, c, [b[1].pk])
    empty = f.OrgFactory(name="学院C团委", parent=camp.tree.uni, created_at=FOUNDED)
    f.branch(empty, "C1团支部", created_at=at(2026, 9, 1))
    refused("目前没有可勾选的下级团支部。", 409, empty, [])
    CampaignRecord.objects.create(branch=b[0], year=2026, state="qualified")
    stranger = f.branch(camp.tree.col_b, "B9团支部", created_at=FOUNDED)
    county = f.leadership("团市南区委", camp.tree.city, LeadershipLevel.COUNTY)
    far = f.branch(county, "区直团支部", created_at=FOUNDED)  # a tree of its own: lft 1, after the others
    refused(
        "以下团支部不能被勾选为排名后 20% 团支部——B9团支部：不是本组织的直属团支部；B1团支部：整顿状态为合格；"
        "区直团支部：不是本组织的直属团支部。",
        400,
        c,
        [far.pk, stranger.pk, b[0].pk, b[1].pk],
    )
    refused("可勾选的团支部共5个，排名后 20% 团支部至少需要勾选1个，您勾选了0个。", 400, c, [])
    assert not CampaignRecord.objects.filter(state="key").exists() and not Notification.objects.exists()
    with CaptureQueriesContext(connection) as ctx:
        assert s.select_bottom(c, [b[2].pk, b[1].pk, b[2].pk], by=camp.admin) == 2
    if connection.vendor == "postgresql":
        assert any(
            q["sql"].endswith("FOR UPDATE") and f'"orgs_organization"."id" = {c.pk}' in q["sql"]
            for q in ctx.captured_queries
        )
    picked = CampaignRecord.objects.filter(state="key").order_by("branch__lft")
    assert [(r.branch, r.bottom_selected) for r in picked] == [(b[1], True), (b[2], True)]
    logs = AuditLog.objects.filter(action="select_bottom")
    assert {(log.actor, log.note) for log in logs} == {(camp.admin, "勾选排名后20%团支部")} and len(logs) == 2
    told = Notification.objects.filter(recipient_org__in=b[1:3]).order_by("recipient_org__lft")
    assert [(n.recipient_org, n.kind, n.text, n.link) for n in told] == [
        (
            branch,
            "self_check_review",
            "本支部已被上级团组织确定为2026年排名后 20% 团支部，纳入重点整顿团支部（重点整改中），请整改后编辑自检表重新提交。",
            reverse("rectification:self_check"),
        )
        for branch in b[1:3]
    ]
    done = BottomSelection.objects.get()
    assert (done.org, done.year, done.count, done.eligible, done.selected_by) == (c, 2026, 2, 5, camp.admin)
    final = "本年度已勾选排名后 20% 团支部，一经确定无法撤销或再次勾选。"
    refused(final, 409, c, [b[3].pk])
    refused(final, 409, c, [])  # said first, before the candidates and the minimum are looked at
    other = f.OrgFactory(name="学院D团委", parent=camp.tree.uni, created_at=FOUNDED)
    d1 = f.branch(other, "D1团支部", created_at=FOUNDED)
    BottomSelection.objects.create(org=other, year=2026, count=1, eligible=1, selected_by=camp.admin)
    monkeypatch.setattr(s, "bottom_done", lambda parent, year: None)  # read before the other's commit
    refused(final, 409, other, [d1.pk])
    assert not CampaignRecord.objects.filter(branch=d1).exists()


def test_bottom_due_until_the_committees_own_selection_of_the_year(camp):
    """REC-05: the selection is due while this committee has none this year and a branch may be
    selected by this year's states: last year's selection or another org's doesn't end it; every
    branch 合格 this year (基本合格 last year) leaves nothing to select. 已摘牌 and 待审核 of a key
    branch are refused as 重点整顿."""
    from rectification import services as s
    from rectification.models import CampaignRecord

    c, b = camp.committee, camp.branches

    def selection(org, year):
        BottomSelection.objects.create(org=org, year=year, count=1, eligible=5, selected_by=camp.admin)

    assert s.bottom_due(c, 2026)
    selection(c, 2025)
    selection(camp.tree.uni, 2026)
    assert s.bottom_due(c, 2026)
    for branch in b:
        CampaignRecord.objects.create(branch=branch, year=2025, state="basic")
        CampaignRecord.objects.create(branch=branch, year=2026, state="qualified")
    assert not s.bottom_due(c, 2026)
    selection(c, 2026)
    CampaignRecord.objects.filter(year=2026).update(state="basic")
    assert not s.bottom_due(c, 2026)
    CampaignRecord.objects.filter(branch=b[0], year=2026).update(state="delisted")
    CampaignRecord.objects.filter(branch=b[1], year=2026).update(state="key_pending")
    rows = {row.pk: row for row in s.with_status(s.rec_orgs(c, 2026), 2026)}
    assert [s.bottom_refusal(rows[o.pk]) for o in b[:3]] == [
        "已纳入重点整顿（已摘牌）",
        "已纳入重点整顿（待审核）",
        None,
    ]


def test_founded_at_the_last_instant_of_the_limit_day(camp):
    """REC-05 at its edge: on October 10, a branch founded July 10 at 23:59:59.999999 is 3 months old
    and may be selected, by the list's rule and by the query alike; at July 11, 00:00 it may not."""
    from rectification import services as s

    edge = f.branch(camp.committee, "满三月团支部", created_at=at(2026, 7, 10, 23, 59, 59, 999999))
    late = f.branch(camp.committee, "新建团支部", created_at=at(2026, 7, 11, 0, 0))
    rows = {row.pk: row for row in s.with_status(s.rec_orgs(camp.committee, 2026), 2026)}
    assert [s.bottom_refusal(rows[o.pk]) for o in (edge, late)] == [None, "成立未满3个月（2026-07-11成立）"]
    candidates = set(s.bottom_candidates(camp.committee, 2026).values_list("pk", flat=True))
    assert edge.pk in candidates and late.pk not in candidates


def test_bottom_done_is_the_committees_own_of_the_year(client, login, camp):
    """REC-05: the committee's selection of last year, or another org's of this year, doesn't make this
    year's done: the list still offers the checkboxes and the selection goes through."""
    from rectification import services as s

    for org, year in ((camp.committee, 2025), (camp.tree.uni, 2026)):
        BottomSelection.objects.create(org=org, year=year, count=1, eligible=5, selected_by=camp.admin)
    assert s.bottom_done(camp.committee, 2026) is None
    c = as_committee(login, camp)
    assert "bottom-done" not in text(c.get("/rectification/branches/"))
    assert pick(c, *camp.branches[:2]).status_code == 302
    assert s.bottom_done(camp.committee, 2026).count == 2
