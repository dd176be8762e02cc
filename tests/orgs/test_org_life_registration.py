"""年度团籍注册 (ORG-18): the member registers once a year; the branch's 年度团籍注册审批 filters,
approves one or many, or rejects with a reason; the member sees the result (ME-01).

The clock stands at 2027-03-10.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from orgs.choices import RegistrationState
from orgs.models import AnnualRegistration
from tests import factories as f
from tests.concurrency import at_once
from zhtj.core import audit
from zhtj.core.models import AuditLog, Notification

TZ = ZoneInfo("Asia/Shanghai")
LIST = "/orgs/life/registrations/"
REGISTER = "/orgs/me/registration/"


@pytest.fixture(autouse=True)
def _clock(fast_hasher):
    with time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=TZ), tick=False):
        yield


@pytest.fixture
def branch(tree):
    class B:
        pass

    b = B()
    b.tree = tree
    b.admin = f.admin_of(tree.branch_a, "A1支书")
    b.members = [f.person(name, branch=tree.branch_a, password="pw-123456") for name in ("甲团员", "乙团员", "丙团员")]
    b.outsider = f.person("外支部团员", branch=tree.branch_b, password="pw-123456")
    return b


def filed(person, when=None):
    reg = AnnualRegistration.objects.create(person=person, branch_id=person.branch_id, year=2027)
    if when:
        AnnualRegistration.objects.filter(pk=reg.pk).update(created_at=when)
    return reg


def test_member_registers_once_a_year(login, branch):
    """ORG-18: a member registers for the year from the personal center; a second one is refused."""
    c = login(branch.members[0])
    r = c.post(REGISTER, {"note": "按时参加组织生活"}, follow=True)
    assert "已提交2027年度团籍注册，待A1团支部审批" in r.content.decode()
    reg = AnnualRegistration.objects.get()
    assert (reg.person, reg.branch, reg.year, reg.state) == (branch.members[0], branch.tree.branch_a, 2027, "pending")
    r = c.post(REGISTER, {})
    assert r.status_code == 409 and "无需重复提交" in r.content.decode()
    r = c.post(REGISTER, {"note": "长" * 201})
    assert r.status_code in (400, 409)
    assert AnnualRegistration.objects.count() == 1
    assert "待审批" in c.get("/orgs/me/life/").content.decode()


def test_once_per_year_is_a_database_constraint(branch):
    """ORG-18: two live registrations of one member for one year can't exist, even racing."""
    filed(branch.members[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        filed(branch.members[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_once_make_one(tree):
    """ORG-18 / SEC-04: two registrations racing (two tabs) end with one row."""
    from orgs import life

    member = f.person("并发团员", branch=tree.branch_a)
    outcomes = at_once(life.register, [(member,), (member,)], expected=(life.LifeError,))
    assert outcomes.count("ok") == 1
    assert AnnualRegistration.objects.filter(person=member).count() == 1


def test_double_post_with_the_same_token_registers_once(login, branch):
    """BEY-06: the registration form posted twice with its one-time token runs once."""
    c = login(branch.members[0])
    c.post(REGISTER, {"_once": "t1"})
    r = c.post(REGISTER, {"_once": "t1"})
    assert r.status_code == 303
    assert AnnualRegistration.objects.count() == 1
    assert Notification.objects.count() == 0


def test_an_overlong_note_is_a_400(login, branch):
    """SEC-06: the registration note is bounded; too long → 400 with a message, nothing stored."""
    r = login(branch.members[0]).post(REGISTER, {"note": "长" * 201})
    assert r.status_code == 400 and "不能超过200字" in r.content.decode()
    assert not AnnualRegistration.objects.exists()


def test_person_without_a_branch_cannot_register(login, tree):
    """ORG-18: only a member (with a 团组织关系) registers."""
    c = login(f.person("无组织关系", password="pw-123456"))
    r = c.post(REGISTER)
    assert r.status_code == 409 and "没有团组织关系" in r.content.decode()
    assert not AnnualRegistration.objects.exists()


def test_filter_by_name_state_and_date_range(login, branch):
    """ORG-18: 年度团籍注册审批 filters by name, 处理状态 and 时间区间."""
    a = filed(branch.members[0], datetime(2027, 1, 5, 9, tzinfo=TZ))
    b = filed(branch.members[1], datetime(2027, 2, 5, 9, tzinfo=TZ))
    filed(branch.members[2], datetime(2027, 3, 5, 9, tzinfo=TZ))
    AnnualRegistration.objects.filter(pk=b.pk).update(state="approved")
    c = login(branch.admin, branch.tree.branch_a)

    def names(query):
        r = c.get(LIST + query)
        assert r.status_code == 200
        return {n for n in ("甲团员", "乙团员", "丙团员") if n in r.content.decode()}

    assert names("") == {"甲团员", "乙团员", "丙团员"}
    assert names("?name=甲") == {"甲团员"}
    assert names("?state=approved") == {"乙团员"}
    assert names("?state=pending&start=2027-01-01&end=2027-02-28") == {"甲团员"}
    assert names("?start=2027-02-01") == {"乙团员", "丙团员"}
    assert a.pk
    for bad, message in [
        ("?state=hacked", "处理状态"),
        ("?start=2027-99-01", "开始日期格式"),
        ("?start=2027-03-01&end=2027-01-01", "开始日期不能晚于结束日期"),
    ]:
        r = c.get(LIST + bad)
        assert r.status_code == 400 and message in r.content.decode()


def test_batch_approval_approves_the_ticked_and_tells_each_member(login, branch):
    """ORG-18: 批量审批 approves one or many in one go; each member gets the result; audited (SEC-04)."""
    regs = [filed(m) for m in branch.members]
    c = login(branch.admin, branch.tree.branch_a)
    r = c.post(LIST, {"ids": [regs[0].pk, regs[1].pk]}, follow=True)
    assert "已同意2条年度团籍注册" in r.content.decode()
    states = dict(AnnualRegistration.objects.values_list("pk", "state"))
    assert [states[r.pk] for r in regs] == ["approved", "approved", "pending"]
    assert Notification.objects.filter(recipient_person=branch.members[0], text__contains="已通过").exists()
    assert AuditLog.objects.filter(action="approve", to_state="approved").count() == 2
    # A second batch with an already approved one: approved once, the other skipped.
    r = c.post(LIST, {"ids": [regs[0].pk, regs[2].pk]}, follow=True)
    assert "已同意1条" in r.content.decode() and "另有1条已被处理" in r.content.decode()
    # The member sees the result in the personal center.
    assert "已注册" in login(branch.members[0]).get("/orgs/me/life/").content.decode()


def test_batch_approval_bad_input(login, branch):
    """SEC-06 / ROLE-02: nothing ticked or junk → message; an id of another branch → 404, nothing approved."""
    mine = filed(branch.members[0])
    other = filed(branch.outsider)
    c = login(branch.admin, branch.tree.branch_a)
    for data in ({}, {"ids": ["x"]}, {"ids": ["9" * 40]}):
        r = c.post(LIST, data)
        assert r.status_code == 400 and "请勾选" in r.content.decode()
    assert c.post(LIST, {"ids": [mine.pk, other.pk]}).status_code == 404
    assert set(AnnualRegistration.objects.values_list("state", flat=True)) == {"pending"}


def test_reject_needs_a_reason_and_allows_registering_again(login, branch):
    """ORG-18: 不同意 requires a reason; the member sees it and may register again."""
    reg = filed(branch.members[0])
    c = login(branch.admin, branch.tree.branch_a)
    url = f"/orgs/life/registrations/{reg.pk}/"
    r = c.post(url, {"decision": "reject", "note": "  "})
    assert r.status_code == 400 and "请填写原因" in r.content.decode()
    assert c.post(url, {"decision": "bogus"}).status_code == 400
    assert c.post(url, {"decision": "reject", "note": "长" * 201}).status_code == 400
    reg.refresh_from_db()
    assert reg.state == "pending"
    c.post(url, {"decision": "reject", "note": "本年度未参加组织生活"})
    reg.refresh_from_db()
    assert (reg.state, reg.reason, reg.decided_by) == ("rejected", "本年度未参加组织生活", branch.admin)
    # Deciding again is a clear 409, not a second effect.
    assert c.post(url, {"decision": "approve"}).status_code == 409
    member = login(branch.members[0])
    page = member.get("/orgs/me/life/").content.decode()
    assert "不同意" in page and "本年度未参加组织生活" in page and 'id="register-form"' in page
    member.post(REGISTER)
    assert AnnualRegistration.objects.filter(state=RegistrationState.PENDING).count() == 1


def test_scope_and_who_decides(login, branch):
    """ORG-18 / ROLE-02: the college sees the branch's registrations but can't decide (403);
    a sibling subtree gets 404."""
    reg = filed(branch.members[0])
    col_a = login(f.admin_of(branch.tree.col_a), branch.tree.col_a)
    assert "甲团员" in col_a.get(LIST).content.decode()
    assert col_a.get(f"/orgs/life/registrations/{reg.pk}/").status_code == 200
    assert col_a.post(f"/orgs/life/registrations/{reg.pk}/", {"decision": "approve"}).status_code == 403
    assert col_a.post(LIST, {"ids": [reg.pk]}).status_code == 403
    col_b = login(f.admin_of(branch.tree.col_b), branch.tree.col_b)
    assert col_b.get(f"/orgs/life/registrations/{reg.pk}/").status_code == 404
    assert "甲团员" not in col_b.get(LIST).content.decode()
    reg.refresh_from_db()
    assert reg.state == "pending"


def test_pending_registrations_reach_the_branch_inbox(login, branch):
    """ORG-18 / OPC-01: pending registrations are 操作中心 items of the branch, and leave it once decided."""
    reg = filed(branch.members[0])
    c = login(branch.admin, branch.tree.branch_a)
    page = c.get("/inbox/?kind=annual_registration").content.decode()
    assert "甲团员申请2027年度团籍注册" in page
    with audit.acting_as(branch.admin):
        from orgs.life import decide

        decide(reg, "approve", by=branch.admin, acting=branch.tree.branch_a)
    assert "甲团员申请2027年度团籍注册" not in c.get("/inbox/").content.decode()


def test_registration_list_runs_a_constant_number_of_queries(login, branch):
    """Fast at scale: the approval list costs the same queries for 3 or 20 registrations."""
    c = login(branch.admin, branch.tree.branch_a)

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(LIST).status_code == 200
        return len(ctx)

    for m in branch.members:
        filed(m)
    small = cost()
    for i in range(17):
        filed(f.person(f"团员{i}", branch=branch.tree.branch_a))
    assert cost() == small
