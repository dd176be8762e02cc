"""评估下级团支部 (REC-02, REC-04, REC-08, REC-09): the direct superior fills the form of a branch
that hasn't submitted."""

from rectification.models import SelfCheck

from .conftest import form_data
from .helpers import as_branch, as_committee, state, submit

LIST = "/rectification/evaluate/"


def text(r):
    return r.content.decode()


def url(branch):
    return f"/rectification/evaluate/{branch.pk}/"


def test_lists_only_branches_without_a_form(client, login, camp):
    submit(as_branch(login, camp, 0), 1)
    page = text(as_committee(login, camp).get(LIST))
    assert "B1团支部" not in page and "B2团支部" in page and "上级评估" in page


def test_evaluation_outcomes(client, login, camp):
    """REC-04/08: 0 → 合格 (and locked), ≥10 → 重点整改中, in between → 基本合格 (decision);
    the filler is the superior's admin, marked 上级评估 (REC-02)."""
    c = as_committee(login, camp)
    assert c.post(url(camp.branches[0]), form_data(0)).status_code == 302
    c.post(url(camp.branches[1]), form_data(10))
    c.post(url(camp.branches[2]), form_data(5))
    assert [state(b) for b in camp.branches[:3]] == ["qualified", "key", "basic"]
    check = SelfCheck.objects.get(record__branch=camp.branches[0])
    assert check.by_superior and check.filler_name == camp.admin.name
    # REC-09: the branch can't change a superior's 0 evaluation.
    assert submit(as_branch(login, camp, 0), 2).status_code == 409


def test_a_branch_that_submitted_cannot_be_evaluated(client, login, camp):
    """REC-02: only branches that have not submitted; nothing changes."""
    submit(as_branch(login, camp, 0), 3)
    r = as_committee(login, camp).post(url(camp.branches[0]), form_data(0))
    assert r.status_code == 409 and "上级只能对尚未提交自检表的团支部进行评估" in text(r)
    assert state(camp.branches[0]) == "pending" and SelfCheck.objects.count() == 1


def test_only_the_direct_superior_evaluates(client, login, camp):
    """ROLE-03: the grand-parent gets 403 隔级无法操作 and nothing is stored."""
    u = login(camp.uni_admin, camp.tree.uni)
    r = u.post(url(camp.branches[0]), form_data(0))
    assert r.status_code == 403 and "隔级无法操作" in text(r)
    assert not SelfCheck.objects.exists()
