"""SEC-06 on 标记团支部毕业时间 and 年度团籍注册审批: an id typed into the URL or a form by hand
('²' and '１２' pass str.isdigit but are no ids; 30 digits overflow the database integer; 'abc')
is answered 400 with a Chinese message, never a 500, and nothing is marked or approved."""

import pytest

from orgs.models import AnnualRegistration, Organization
from tests import factories as f
from zhtj.core.models import AuditLog

MALFORMED_IDS = ["²", "１２", "9" * 30, "abc"]


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_parent_filter_of_graduation(tree, login, fast_hasher, junk):
    """SEC-06 / ORG-15: ?parent= of 标记团支部毕业时间 answers 400 with the reason."""
    r = login(f.admin_of(tree.uni)).get("/orgs/graduation/", {"parent": junk})
    assert r.status_code == 400 and "筛选条件无效" in r.content.decode()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize("step", ["back", "next", "confirm"])
def test_malformed_branch_of_graduation_mark(tree, login, fast_hasher, step, junk):
    """SEC-06 / ORG-15: a malformed id among the ticked branches → 400 at every step, nothing marked."""
    data = {"step": step, "branches": [tree.branch_a.pk, junk], "month": "2030-07"}
    r = login(f.admin_of(tree.col_a)).post("/orgs/graduation/", data)
    assert r.status_code == 400 and "所选团支部无效" in r.content.decode()
    assert not Organization.objects.filter(graduation_month__isnull=False).exists()
    assert not AuditLog.objects.filter(action="graduation_mark").exists()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_id_of_registration_approval(tree, login, fast_hasher, junk):
    """SEC-06 / ORG-18: 批量审批 with a malformed registration id → 400 with a message, nothing approved."""
    member = f.person("甲团员", branch=tree.branch_a)
    reg = AnnualRegistration.objects.create(person=member, branch=tree.branch_a, year=2027)
    r = login(f.admin_of(tree.branch_a), tree.branch_a).post("/orgs/life/registrations/", {"ids": [reg.pk, junk]})
    assert r.status_code == 400 and "请勾选需要审批的年度团籍注册" in r.content.decode()
    assert AnnualRegistration.objects.get(pk=reg.pk).state == AnnualRegistration.State.PENDING
