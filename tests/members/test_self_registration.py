"""团员团干部注册审批 (REG-01 … REG-03) on the `tree` fixture."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incentives.models import IncentiveRecord
from members import registration
from members.forms_people import PersonForm
from members.models import Person, SelfRegistration
from orgs.models import Organization
from tests import factories as f
from tests.concurrency import at_once
from tests.members.people_data import POST_FIELDS, person_post
from zhtj.core.audit import history_of
from zhtj.core.workflow import AlreadyHandled

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
State = SelfRegistration.State


@pytest.fixture(autouse=True)
def _fast(fast_hasher):
    pass


def token_url(branch):
    return reverse("members:join_branch", args=[registration.branch_token(branch)])


def apply(client, branch, data, cadre=False):
    return client.post(token_url(branch), data | {"cadre": "1" if cadre else "0"})


# --- REG-01: finding the branch ---------------------------------------------------------------


def test_branch_found_by_exact_full_name_only(client, tree):
    """REG-01: the exact 组织全称 leads to the branch's form; a short name or a part of it doesn't."""
    Organization.objects.filter(pk=tree.branch_a.pk).update(full_name="测试大学学院A团委A1团支部")
    response = client.post(reverse("members:join"), {"full_name": "  测试大学学院A团委A1团支部 "})
    assert response.status_code == 302 and response["Location"] == token_url(tree.branch_a)
    for wrong in ("A1团支部", "测试大学学院A团委", "测试大学学院A团委A1团支"):
        response = client.post(reverse("members:join"), {"full_name": wrong})
        assert response.status_code == 404 and "未找到该团支部" in response.content.decode()
    page = client.get(token_url(tree.branch_a)).content.decode()
    assert "测试大学学院A团委A1团支部" in page


def test_committee_or_forged_link_is_refused(client, tree):
    """REG-01 / REG-03: only branch-kind orgs take applications; a forged link is a 404."""
    assert registration.find_branch(tree.col_a.full_name) is None
    forged = registration.branch_token(tree.branch_a).rsplit(":", 1)[0] + ":forged"
    assert client.get(reverse("members:join_branch", args=[forged])).status_code == 404
    assert registration.branch_from_token(registration.branch_token(tree.col_a)) is None


# --- REG-01: the one validation path -----------------------------------------------------------


@pytest.mark.parametrize(
    "over",
    [
        {"joined_month": "2018-05", "development_number": "2018"},  # MEM-04: 位数不对
        {"id_number": "12345"},  # MEM-02
        {"joined_month": "2009-05"},  # MEM-03: too young at joining
        {"mobile": "12"},
    ],
)
def test_same_rules_as_entry(client, tree, over):
    """REG-01 / MEM-01 … MEM-05: the application is refused with exactly the entry form's messages
    (one code path: PersonForm → validation.check_person), 400 and nothing stored."""
    data = person_post(**over)
    expected = PersonForm(data, org=tree.branch_a)
    assert not expected.is_valid()
    response = apply(client, tree.branch_a, data)
    assert response.status_code == 400
    html = response.content.decode()
    for errors in expected.errors.values():
        for message in errors:
            assert message in html
    assert not SelfRegistration.objects.exists()


def test_id_already_in_system_says_where_to_go(client, tree):
    """REG-01: an ID number already stored is refused with where to go (关系转接, the org's admin)."""
    member = f.person("王已在", branch=tree.branch_b)
    response = apply(client, tree.branch_a, person_post(id_number=member.id_number, name="王已在"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "关系转接" in html and "管理员" in html
    assert not SelfRegistration.objects.exists()


def test_one_pending_application_per_id(client, tree):
    """REG-01: a second application for the same ID number while one waits is refused (409)."""
    data = person_post()
    assert apply(client, tree.branch_a, data).status_code == 302
    response = apply(client, tree.branch_b, data)
    assert response.status_code == 409 and "待审批的注册申请" in response.content.decode()
    assert SelfRegistration.objects.count() == 1


def test_throttle_edge_at_the_default(client, tree):
    """REG-01: REG_IP_LIMIT (20) posts from one address in the window pass; the 21st is 429; another
    address is not affected."""
    for i in range(20):
        response = client.post(reverse("members:join"), {"full_name": f"不存在的团支部{i}"})
        assert response.status_code == 404, i
    response = client.post(reverse("members:join"), {"full_name": tree.branch_a.full_name})
    assert response.status_code == 429 and "操作过于频繁" in response.content.decode()
    response = client.post(reverse("members:join"), {"full_name": tree.branch_a.full_name}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


# --- REG-02: the branch decides ------------------------------------------------------------------


def _pending(client, branch, **over):
    data = person_post(**over)
    assert apply(client, branch, data).status_code == 302
    return SelfRegistration.objects.get(id_number=data["id_number"]), data


def test_application_reaches_the_branch_inbox_and_list_masked(client, tree, login):
    """REG-02 / SEC-03: the branch's 操作中心 and 团员团干部注册审批 show it, the ID number masked;
    the college above sees it in its list too but has no 待办."""
    reg, data = _pending(client, tree.branch_a, name="赵申请")
    branch_admin = login(f.admin_of(tree.branch_a), tree.branch_a)
    inbox = branch_admin.get("/inbox/?kind=self_registration").content.decode()
    assert "赵申请申请注册到本团支部" in inbox
    listing = branch_admin.get(reverse("members:join_approvals")).content.decode()
    assert reg.masked_id_number in listing and data["id_number"] not in listing
    college = login(f.admin_of(tree.col_a), tree.col_a)
    assert "赵申请" in college.get(reverse("members:join_approvals")).content.decode()
    assert "赵申请申请注册" not in college.get("/inbox/").content.decode()
    other = login(f.admin_of(tree.col_b), tree.col_b)
    assert "赵申请" not in other.get(reverse("members:join_approvals")).content.decode()
    assert other.get(reverse("members:join_approval", args=[reg.pk])).status_code == 404


def test_approval_creates_the_member_as_entry_does(client, tree, login):
    """REG-02: 同意 creates the person in the branch on the initial password (ROLE-06, forced
    change), with the 入团激励 record any new member gets (INC-13/15) and the audit rows."""
    reg, data = _pending(client, tree.branch_a, joined_month="2021-05", development_number="202100000077")
    admin = f.admin_of(tree.branch_a)
    c = login(admin, tree.branch_a)
    response = c.post(reverse("members:join_approval", args=[reg.pk]), {"decision": "approve"})
    assert response.status_code == 302
    person = Person.objects.get(id_number=data["id_number"])
    assert person.branch == tree.branch_a and person.must_change_password
    assert person.check_password(data["id_number"][-8:])
    assert IncentiveRecord.objects.filter(person=person, kind="joining").count() == 1
    reg.refresh_from_db()
    assert reg.state == State.APPROVED and reg.person == person and reg.decided_by == admin
    assert [h.action for h in history_of(reg)] == ["approve", "submit"]
    assert [h.action for h in history_of(person)] == ["create"]


def test_approval_as_cadre_creates_the_post(client, tree, login):
    """REG-02: an application as 团干部 creates the member and the post in the branch."""
    data = person_post(name="钱干部") | POST_FIELDS
    assert apply(client, tree.branch_a, data, cadre=True).status_code == 302
    reg = SelfRegistration.objects.get()
    assert reg.as_cadre
    c = login(f.admin_of(tree.branch_a), tree.branch_a)
    assert c.post(reverse("members:join_approval", args=[reg.pk]), {"decision": "approve"}).status_code == 302
    assert Person.objects.get(id_number=data["id_number"]).cadre_posts.get().org == tree.branch_a


def test_rules_are_checked_again_at_approval(client, tree, login):
    """REG-02: a 发展团员编号 taken since the application was filed stops the approval (409) with
    the rule's message; nothing is created."""
    reg, data = _pending(client, tree.branch_a, joined_month="2021-05", development_number="202100000088")
    f.person("占用者", branch=tree.branch_b, development_number="202100000088")
    c = login(f.admin_of(tree.branch_a), tree.branch_a)
    response = c.post(reverse("members:join_approval", args=[reg.pk]), {"decision": "approve"})
    assert response.status_code == 409 and "编号被占用" in response.content.decode()
    assert not Person.objects.filter(id_number=data["id_number"]).exists()
    reg.refresh_from_db()
    assert reg.state == State.PENDING


def test_only_the_branch_decides(client, tree, login):
    """REG-02 / ROLE-02: the college above views (200) but may not decide (403); nothing changes."""
    reg, _ = _pending(client, tree.branch_a)
    c = login(f.admin_of(tree.col_a), tree.col_a)
    assert c.get(reverse("members:join_approval", args=[reg.pk])).status_code == 200
    assert c.post(reverse("members:join_approval", args=[reg.pk]), {"decision": "approve"}).status_code == 403
    reg.refresh_from_db()
    assert reg.state == State.PENDING and not Person.objects.filter(id_number=reg.id_number).exists()


def test_refusal_needs_a_reason_and_the_applicant_reads_it(client, tree, login):
    """REG-02: 不同意 without a reason is refused; with one, the applicant's status look-up (ID
    number and name) shows the state and the reason, and nothing about anyone else."""
    reg, data = _pending(client, tree.branch_a, name="孙申请")
    c = login(f.admin_of(tree.branch_a), tree.branch_a)
    url = reverse("members:join_approval", args=[reg.pk])
    response = c.post(url, {"decision": "reject", "reason": "  "})
    assert response.status_code == 400 and "不同意时请填写原因" in response.content.decode()
    assert c.post(url, {"decision": "reject", "reason": "本支部无此人，请核对团支部"}).status_code == 302
    c.logout()
    status = c.post(reverse("members:join_status"), {"id_number": data["id_number"], "name": "孙申请"})
    html = status.content.decode()
    assert "不同意" in html and "本支部无此人，请核对团支部" in html
    assert data["mobile"] not in html and tree.branch_a.name not in html
    wrong_name = c.post(reverse("members:join_status"), {"id_number": data["id_number"], "name": "别人"})
    assert wrong_name.status_code == 404 and "本支部无此人" not in wrong_name.content.decode()
    # refused: the applicant may apply again
    assert apply(c, tree.branch_b, data).status_code == 302


def test_second_decision_is_409(client, tree, login):
    """SEC-07: a decision on an application already handled answers 409 已被处理."""
    reg, _ = _pending(client, tree.branch_a)
    c = login(f.admin_of(tree.branch_a), tree.branch_a)
    url = reverse("members:join_approval", args=[reg.pk])
    assert c.post(url, {"decision": "approve"}).status_code == 302
    response = c.post(url, {"decision": "reject", "reason": "晚了"})
    assert response.status_code == 409 and "已被处理" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pg_only
def test_two_admins_approve_at_once(tree):
    """SEC-07 / REG-02: the branch's two admins approve at the same moment: one person is created,
    the other gets 已被处理."""
    form = registration.RegistrationForm(person_post(), org=tree.branch_a)
    assert form.is_valid()
    reg = registration.apply(form, tree.branch_a)
    a, b = f.admin_of(tree.branch_a, "甲"), f.admin_of(tree.branch_a, "乙")
    outcomes = at_once(
        lambda who: registration.approve(reg, tree.branch_a, by=who), [(a,), (b,)], expected=(AlreadyHandled,)
    )
    assert outcomes.count("ok") == 1 and "已被处理，请刷新后查看" in "".join(outcomes)
    assert Person.objects.filter(id_number=reg.id_number).count() == 1
    assert IncentiveRecord.objects.filter(person__id_number=reg.id_number).count() == 1


# --- REG-03: the branch's link and QR code ------------------------------------------------------


def test_branch_link_page_has_the_link_and_a_qr_code(client, tree, login):
    """REG-03: a branch admin prints its link and an SVG QR code; the link opens the form."""
    c = login(f.admin_of(tree.branch_a), tree.branch_a)
    html = c.get(reverse("members:join_link")).content.decode()
    assert "<svg" in html and token_url(tree.branch_a) in html
    assert login(f.admin_of(tree.col_a), tree.col_a).get(reverse("members:join_link")).status_code == 403


def test_approval_list_constant_queries(client, tree, login, settings):
    """REG-02: 团员团干部注册审批 pages with the same number of queries for 2 or 25 applications."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 10, "REG_IP_LIMIT": 100}
    c = login(f.admin_of(tree.col_a), tree.col_a)
    for _ in range(2):
        _pending(client, tree.branch_a)
    url = reverse("members:join_approvals")
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for _ in range(23):
        _pending(client, tree.branch_a)
    with CaptureQueriesContext(connection) as many:
        page = c.get(url + "?state=pending&page=2")
    assert len(many) <= len(few) + 1 and "第 2 / 3 页" in page.content.decode()
