"""业务办理 → 管理员变更 (ORG-12) and the workflow pattern it uses (SEC-04, BEY-05)."""

import pytest
from django.db import IntegrityError, transaction

from members.choices import PostTitle
from members.models import AdminChangeRequest, CadrePost
from members.services import admin_add_refusal, decide_admin_change, grant_admin, request_admin_change
from tests import factories as f
from zhtj.core.models import AuditLog, Notification
from zhtj.core.workflow import AlreadyHandled, WorkflowError, by_system, perform


@pytest.fixture
def branch_setup(tree):
    secretary = f.admin_of(tree.branch_a, "支书")
    deputy = f.person("副书记", branch=tree.branch_a, password="Zhtj-pass-2026")
    deputy_post = CadrePost.objects.create(person=deputy, org=tree.branch_a, title=PostTitle.DEPUTY_SECRETARY)
    superior = f.admin_of(tree.col_a, "学院书记")
    return secretary, deputy_post, superior


def test_own_org_change_waits_for_superior(client, login, tree, branch_setup):
    """ORG-12: adding an admin of one's own org files a request; nothing changes until approved."""
    secretary, deputy_post, _ = branch_setup
    r = login(secretary).post("/members/admin-change/", {"post": deputy_post.pk, "action": "add"})
    assert r.status_code == 302
    deputy_post.refresh_from_db()
    assert deputy_post.admin_slot is None
    req = AdminChangeRequest.objects.get(post=deputy_post)
    assert req.state == "pending"


def test_superior_approves_from_inbox(client, login, tree, branch_setup):
    """ORG-12 / OPC-01: the request appears in the direct superior's 操作中心; approving applies it,
    writes an audit row, and notifies the submitting org."""
    secretary, deputy_post, superior = branch_setup
    req = request_admin_change(deputy_post, "add", by=secretary)
    c = login(superior)
    page = c.get("/inbox/")
    assert "管理员变更" in page.content.decode() and deputy_post.person.name in page.content.decode()
    r = c.post(f"/members/admin-change/requests/{req.pk}/", {"decision": "approve"})
    assert r.status_code == 302
    deputy_post.refresh_from_db()
    assert deputy_post.is_admin
    log = AuditLog.objects.get(object_id=req.pk, action="approve")
    assert (log.actor, log.from_state, log.to_state) == (superior, "pending", "approved")
    assert Notification.objects.filter(recipient_org=tree.branch_a, text__contains="已同意").exists()


def test_reject_needs_reason(client, login, tree, branch_setup):
    """ORG-12: 不同意 without a reason is a 400 and the request stays pending."""
    secretary, deputy_post, superior = branch_setup
    req = request_admin_change(deputy_post, "add", by=secretary)
    r = login(superior).post(f"/members/admin-change/requests/{req.pk}/", {"decision": "reject", "note": ""})
    assert r.status_code == 400
    # SEC-06: a reason longer than its column is refused with the limit, not cut short.
    r = login(superior).post(f"/members/admin-change/requests/{req.pk}/", {"decision": "reject", "note": "理" * 201})
    assert r.status_code == 400 and "理由不能超过200字，当前为201字" in r.content.decode()
    req.refresh_from_db()
    assert req.state == "pending"


def test_superior_changes_sub_org_at_once(client, login, tree, branch_setup):
    """ORG-12: a direct superior adding a sub-org's admin takes effect immediately."""
    _, deputy_post, superior = branch_setup
    r = login(superior).post(
        f"/members/admin-change/org/{tree.branch_a.pk}/", {"post": deputy_post.pk, "action": "add"}
    )
    assert r.status_code == 302
    deputy_post.refresh_from_db()
    assert deputy_post.is_admin
    assert not AdminChangeRequest.objects.exists()


def test_branch_cannot_revoke_own_secretary(client, login, tree, branch_setup):
    """ORG-12: revoking a branch secretary's admin rights is the superior's call."""
    secretary, _, _ = branch_setup
    post = secretary.cadre_posts.get()
    r = login(secretary).post("/members/admin-change/", {"post": post.pk, "action": "revoke"})
    assert r.status_code == 409
    assert "上级组织管理员" in r.content.decode()
    assert not AdminChangeRequest.objects.exists()


def test_third_admin_is_refused(tree, branch_setup):
    """ORG-12 / ROLE-01: at most two admins per org — by the service and by a unique index."""
    secretary, deputy_post, _ = branch_setup
    grant_admin(deputy_post)
    third = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    with pytest.raises(WorkflowError, match="每个组织最多2名管理员"):
        grant_admin(third)
    third.admin_slot = 1
    with pytest.raises(IntegrityError), transaction.atomic():
        third.save()


def test_admin_must_be_active_cadre(tree):
    """ROLE-01: an admin is an active cadre post of that org (a check constraint)."""
    post = CadrePost.objects.create(person=f.person(), org=tree.branch_a, title=PostTitle.SECRETARY, admin_slot=1)
    post.ended_on = post.person.date_joined.date()
    with pytest.raises(IntegrityError), transaction.atomic():
        post.save()


def test_approval_that_cannot_apply_changes_nothing(tree, branch_setup):
    """SEC-04: an approval failing half-way (org already has 2 admins) leaves the request pending
    and writes no audit row."""
    secretary, deputy_post, superior = branch_setup
    req = request_admin_change(deputy_post, "add", by=secretary)
    other = CadrePost.objects.create(person=f.person("另一人"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    grant_admin(other)
    with pytest.raises(WorkflowError):
        decide_admin_change(req, "approve", by=superior, acting=tree.branch_a.parent)
    req.refresh_from_db()
    assert req.state == "pending"
    assert not AuditLog.objects.filter(object_id=req.pk, action="approve").exists()


def test_second_decision_is_refused(tree, branch_setup):
    """SEC-04: the same step handled twice has one effect; the second gets a clear message."""
    secretary, deputy_post, superior = branch_setup
    req = request_admin_change(deputy_post, "add", by=secretary)
    decide_admin_change(req, "approve", by=superior, acting=tree.branch_a.parent)
    with pytest.raises(AlreadyHandled, match="已被处理"):
        perform(req, "reject", guard=by_system, by=superior, note="晚了")
    assert (
        AuditLog.objects.filter(object_id=req.pk, content_type__model="adminchangerequest")
        .exclude(action="submit")
        .count()
        == 1
    )


def test_one_pending_request_per_post(tree, branch_setup):
    """SEC-04 / BEY-06: a double click can't file two requests for the same post."""
    secretary, deputy_post, _ = branch_setup
    request_admin_change(deputy_post, "add", by=secretary)
    with pytest.raises(WorkflowError, match="待审批"):
        request_admin_change(deputy_post, "add", by=secretary)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminChangeRequest.objects.create(
            filed_by_org=tree.branch_a,
            approver=tree.branch_a.parent,
            post=deputy_post,
            action="add",
            requested_by=secretary,
        )


def test_add_refused_when_filed_if_the_org_is_full(client, login, tree, branch_setup, settings):
    """ORG-12, refused early: with ADMINS_PER_ORG admins already, 添加管理员 is refused when filed
    (409, the reason, no request) — not accepted and then failing at approval. One below the limit
    it is filed. The limit is the setting."""
    secretary, deputy_post, _ = branch_setup
    other = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    grant_admin(other)  # 2 of 2
    c = login(secretary)
    r = c.post("/members/admin-change/", {"post": deputy_post.pk, "action": "add"})
    assert r.status_code == 409 and "本组织已有2名管理员，每个组织最多2名管理员" in r.content.decode()
    assert not AdminChangeRequest.objects.exists()
    settings.ZHTJ = {**settings.ZHTJ, "ADMINS_PER_ORG": 3}
    assert c.post("/members/admin-change/", {"post": deputy_post.pk, "action": "add"}).status_code == 302
    assert AdminChangeRequest.objects.get().post == deputy_post


def test_waiting_additions_count_toward_the_limit(tree, branch_setup):
    """ORG-12: 1 admin + 1 添加管理员 waiting = 2: a second addition is refused when filed, saying
    that one is waiting."""
    secretary, deputy_post, _ = branch_setup
    request_admin_change(deputy_post, "add", by=secretary)
    third = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    with pytest.raises(WorkflowError, match="1名管理员和1条待审批的添加管理员申请"):
        request_admin_change(third, "add", by=secretary)


def test_page_offers_only_what_the_service_accepts(client, login, tree, branch_setup):
    """ORG-12: no 添加管理员 button on a full org (the reason instead); a branch's own secretary
    has no 撤销管理员 button (the superior's call); the superior's page offers it."""
    secretary, deputy_post, superior = branch_setup
    page = login(secretary).get("/members/admin-change/").content.decode()
    assert page.count("添加管理员</button>") == 1 and "撤销管理员</button>" not in page
    assert "如需撤销团支部书记的管理员权限，请联系上级组织管理员办理" in page
    other = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    grant_admin(other)
    page = login(secretary).get("/members/admin-change/").content.decode()
    assert "添加管理员</button>" not in page and "本组织已有2名管理员" in page
    assert page.count("撤销管理员</button>") == 1  # the 委员's, not the secretary's
    page = login(superior).get(f"/members/admin-change/org/{tree.branch_a.pk}/").content.decode()
    assert page.count("撤销管理员</button>") == 2


def test_refusal_costs_two_queries_full_or_not(tree, branch_setup, django_assert_num_queries):
    """ORG-12 / issue 17: the reason is two COUNTs whether the admins alone fill the org or not, so
    管理员变更 runs the same SQL whatever the data (the crawl compares it at two sizes)."""
    with django_assert_num_queries(2):
        assert admin_add_refusal(tree.branch_a.pk) is None
    other = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    grant_admin(other)
    with django_assert_num_queries(2):
        assert "本组织已有2名管理员" in admin_add_refusal(tree.branch_a.pk)
    with django_assert_num_queries(1):
        assert "本组织已有2名管理员" in admin_add_refusal(tree.branch_a.pk, waiting_too=False)
