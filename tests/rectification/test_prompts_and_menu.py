"""Login prompts (OPC-03, REC-06, REC-13) and the 组织整顿 / 对标定级 menu entries."""

from .conftest import at
from .helpers import as_branch, as_committee, review, submit


def home(client):
    return client.get("/").content.decode()


def test_branch_is_reminded_of_the_self_check_deadline(client, login, camp, clock):
    """REC-13: before October 31 the branch is asked to self-check by then; after it, as overdue;
    once it submitted, no reminder."""
    assert "请于10月31日前完成自检" in home(as_branch(login, camp, 0))
    clock.move_to(at(2026, 11, 1, 0, 0))
    assert "已逾期（截止10月31日），请尽快完成自检" in home(as_branch(login, camp, 0))
    submit(as_branch(login, camp, 0), 1, month="2026-11")
    assert "尚未提交" not in home(as_branch(login, camp, 0))


def test_superior_is_reminded_to_review_and_pick(client, login, camp):
    """REC-13: the superior sees forms waiting (审核 by November 30) and the bottom 20% still to pick."""
    submit(as_branch(login, camp, 0), 1)
    page = home(as_committee(login, camp))
    assert "1个直属团支部的自检表待审核，请于11月30日前完成审核" in page
    assert "尚未勾选排名后 20% 团支部，请于11月30日前" in page
    c = as_committee(login, camp)
    review(c, camp.branches[0], "approve")
    c.post("/rectification/branches/bottom/", {"branches": [camp.branches[1].pk, camp.branches[2].pk]})
    page = home(as_committee(login, camp))
    assert "待审核" not in page and "尚未勾选" not in page


def test_superior_reminders_say_overdue_after_the_deadline(client, login, camp, clock):
    """REC-13 / BEY-08 at the edge: on November 30 the superior is asked to act by then; from
    December 1 the same reminders say 已逾期 instead of a date already past."""
    submit(as_branch(login, camp, 0), 1, month="2026-10")
    clock.move_to(at(2026, 11, 30, 23, 59))
    assert "请于11月30日前完成审核" in home(as_committee(login, camp))
    clock.move_to(at(2026, 12, 1, 0, 0))
    page = home(as_committee(login, camp))
    assert "1个直属团支部的自检表待审核，已逾期（截止11月30日），请尽快完成审核" in page
    assert "尚未勾选排名后 20% 团支部，已逾期（截止11月30日），请尽快按不少于20%" in page
    assert "请于11月30日前" not in page


def test_no_reminders_outside_the_campaign(client, login, camp, clock):
    clock.move_to(at(2027, 3, 1, 9, 0))
    assert "尚未提交" not in home(as_branch(login, camp, 0))


def test_menu_by_role(client, login, camp):
    """Branches see 团支部自检 and 团(总)支部自评; committees see the review pages."""
    branch_menu = home(as_branch(login, camp, 0))
    assert "团支部自检" in branch_menu and "团(总)支部自评" in branch_menu
    assert "整理整顿团支部" not in branch_menu and "上级复核" not in branch_menu
    committee_menu = home(as_committee(login, camp))
    for label in ("评估下级团支部", "整理整顿团支部", "下级团支部整顿进度", "上级复核"):
        assert label in committee_menu
    assert ">团支部自检<" not in committee_menu and "团(总)支部自评" not in committee_menu


def test_no_bottom_reminder_when_nothing_can_be_picked(client, login, camp, clock):
    """REC-05 / REC-13: with every sub-branch 合格 there is no branch to pick, so neither the login
    prompt nor November's 截止事项 asks for the bottom 20% (it would nag for ever)."""
    for i in range(6):
        submit(as_branch(login, camp, i), 0)
        review(as_committee(login, camp), camp.branches[i], "approve")
    clock.move_to(at(2026, 11, 2, 9, 0))
    c = as_committee(login, camp)
    assert "尚未勾选" not in home(c)
    r = c.get("/deadlines/")
    assert r.status_code == 200 and "勾选排名后 20% 团支部截止" not in r.content.decode()
