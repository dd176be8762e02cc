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
    """REC-02: 评估下级团支部 lists the direct sub-branches that have not submitted, with 上级评估."""
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


def test_a_committee_below_is_not_evaluated(client, login, camp):
    """REC-02 / SEC-06: 上级评估 is for 团支部; a direct sub-团委 is refused with a message and no
    campaign record is made for it."""
    from orgs.choices import OrgCategory
    from rectification.models import CampaignRecord
    from tests import factories as f

    sub = f.OrgFactory(parent=camp.committee, category=OrgCategory.COMMITTEE, name="下属团委")
    c = as_committee(login, camp)
    for r in (c.get(url(sub)), c.post(url(sub), form_data(0))):
        assert r.status_code == 400 and "不是团支部" in text(r)
    assert not CampaignRecord.objects.exists() and not SelfCheck.objects.exists()


def test_a_stale_evaluation_link_says_why(client, login, camp):
    """REC-02: opening 上级评估 for a branch that has since submitted explains it instead of a form."""
    submit(as_branch(login, camp, 0), 3)
    r = as_committee(login, camp).get(url(camp.branches[0]))
    assert r.status_code == 409 and "已提交过自检表" in text(r) and 'id="self-check-form"' not in text(r)


def test_list_runs_constant_queries(client, login, camp):
    """评估下级团支部 runs the same number of queries for 6 or 16 sub-branches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories as f

    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as small:
        c.get(LIST)
    for i in range(10):
        f.branch(camp.committee, f"D{i}团支部")
    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as large:
        assert text(c.get(LIST)).count("data-org=") == 16
    assert len(large) == len(small)
