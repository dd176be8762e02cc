"""勾选排名后 20% 团支部 (REC-05): minimum counts, eligibility, final once done, direct superior only."""

from datetime import datetime

from django.utils import timezone

from orgs.choices import OrgCategory
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
    1.2); 10 → 2; 11 → 3."""
    from rectification.services import bottom_minimum

    assert [bottom_minimum(n) for n in (0, 1, 2, 5, 6, 10, 11)] == [0, 1, 1, 1, 2, 2, 3]


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
