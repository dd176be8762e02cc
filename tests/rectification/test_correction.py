"""自检表更正 (BEY-02, REC-09): a locked form is reopened by a request the provincial committee
approves, with audit; the approver is the nearest 省级团委 (orgs.graduation.province_of)."""

import pytest

from rectification.models import SelfCheckCorrectionRequest
from zhtj.core.models import AuditLog, Notification

from .helpers import as_branch, as_committee, review, state, submit


def text(r):
    return r.content.decode()


def lock(login, camp, i=0):
    submit(as_branch(login, camp, i), 0)
    review(as_committee(login, camp), camp.branches[i], "approve")


def file(client, branch, explanation="第3项填写错误"):
    return client.post(f"/rectification/correct/{branch.pk}/", {"explanation": explanation})


def test_request_approved_by_province_reopens_the_form(client, login, camp):
    """BEY-02 / REC-09: the superior files a request for a locked 自检表; it waits in the provincial
    committee's 操作中心; 同意 reopens the form (audited), the branch is told and resubmits."""
    lock(login, camp)
    c = as_committee(login, camp)
    r = file(c, camp.branches[0])
    req = SelfCheckCorrectionRequest.objects.get()
    assert r.status_code == 302 and req.approver == camp.tree.province
    p = login(camp.province_admin, camp.tree.province)
    assert "申请更正“B1团支部”" in text(p.get("/inbox/"))
    r = p.post(f"/rectification/corrections/{req.pk}/", {"decision": "approve"})
    assert r.status_code == 302
    assert state(camp.branches[0]) == "not_submitted"
    log = AuditLog.objects.get(action="unlock")  # the province's act, naming the request and why
    assert (log.from_state, log.to_state, log.actor, log.note) == (
        "qualified",
        "not_submitted",
        camp.province_admin,
        f"自检表更正申请#{req.pk}：第3项填写错误",
    )
    assert Notification.objects.filter(recipient_org=camp.branches[0], text__contains="同意").exists()
    assert submit(as_branch(login, camp, 0), 1).status_code == 302
    assert state(camp.branches[0]) == "pending"


def test_only_the_province_decides_and_reject_needs_reason(client, login, camp):
    """BEY-02: only the provincial committee decides (a university admin gets 403); 不同意 needs a
    reason and leaves the form locked (REC-09)."""
    lock(login, camp)
    file(as_committee(login, camp), camp.branches[0])
    req = SelfCheckCorrectionRequest.objects.get()
    u = login(camp.uni_admin, camp.tree.uni)
    assert u.post(f"/rectification/corrections/{req.pk}/", {"decision": "approve"}).status_code == 403
    p = login(camp.province_admin, camp.tree.province)
    r = p.post(f"/rectification/corrections/{req.pk}/", {"decision": "reject", "note": ""})
    assert r.status_code == 400 and "不同意时须填写理由" in text(r)
    p.post(f"/rectification/corrections/{req.pk}/", {"decision": "reject", "note": "依据不足"})
    assert state(camp.branches[0]) == "qualified"


def test_bad_requests(client, login, camp):
    """BEY-02 / SEC-06: nothing to correct when not locked; a reason is required; one pending request at a time;
    the branch itself doesn't file; out of scope is 404."""
    submit(as_branch(login, camp, 0), 2)
    c = as_committee(login, camp)
    assert file(c, camp.branches[0]).status_code == 409
    lock(login, camp, 1)
    c = as_committee(login, camp)
    assert file(c, camp.branches[1], "").status_code == 400
    assert file(c, camp.branches[1]).status_code == 302
    assert file(c, camp.branches[1]).status_code == 409  # one pending request at a time
    assert SelfCheckCorrectionRequest.objects.count() == 1
    b = as_branch(login, camp, 1)
    assert file(b, camp.branches[1]).status_code == 403
    from tests import factories as f

    other = f.admin_of(camp.tree.col_b, "学院B书记")
    assert file(login(other, camp.tree.col_b), camp.branches[1]).status_code == 404


def test_unlock_reopens_each_locked_state_in_its_phase(camp):
    """BEY-02 / REC-08: 合格 → 未提交, 整改后合格 → 基本合格, 重点整改后合格 → 重点整改中; an unlocked
    record can't be 'unlocked'."""
    from rectification import services
    from rectification.models import CampaignRecord
    from zhtj.core.workflow import WorkflowError, by_system, perform

    from .conftest import answers

    month = services.current_month()
    expected = {}
    for i, (poor, then) in enumerate(((0, None), (3, 0), (5, 0))):
        branch, who = camp.branches[i], camp.branch_admins[i]
        services.submit_check(branch, answers(poor), month, by=who, org=branch)
        record = CampaignRecord.objects.get(branch=branch)
        services.review(record, "approve" if i < 2 else "start_key", by=camp.admin, acting=camp.committee)
        if then is not None:
            services.submit_check(branch, answers(then), month, by=who, org=branch)
            if i == 2:
                services.review(
                    CampaignRecord.objects.get(branch=branch), "pass_key", by=camp.admin, acting=camp.committee
                )
        expected[branch.pk] = (
            ("qualified", "rectified", "key_qualified")[i],
            (
                "not_submitted",
                "basic",
                "key",
            )[i],
        )
    for pk, (locked, reopened) in expected.items():
        record = CampaignRecord.objects.get(branch_id=pk)
        assert record.state == locked
        assert perform(record, "unlock", guard=by_system, by=camp.province_admin).state == reopened
    with pytest.raises(WorkflowError, match="未锁定"):
        perform(CampaignRecord.objects.get(branch=camp.branches[1]), "unlock", guard=by_system)


def test_a_decision_is_the_provinces_on_the_state_seen(camp):
    """BEY-02 / REC-09 / SEC-04, the services called directly: a decision taken on a page that showed
    another state is refused and the request stays 待审批; 同意 without words is the province
    admin's, with no 审批意见, and reopens the form as theirs (the unlock's audit row names the request
    and why), the branch told where to fill it in again; 不同意 keeps its reason."""
    from django.urls import reverse

    from rectification import services
    from rectification.models import CampaignRecord
    from zhtj.core.workflow import AlreadyHandled

    from .conftest import answers

    branch, province, who = camp.branches[0], camp.tree.province, camp.province_admin

    def locked_request():
        services.submit_check(branch, answers(0), services.current_month(), by=camp.branch_admins[0], org=branch)
        record = services.review(
            CampaignRecord.objects.get(branch=branch), "approve", by=camp.admin, acting=camp.committee
        )
        return services.file_correction(camp.committee, record, explanation="第3项填写错误", by=camp.admin)

    req = locked_request()
    with pytest.raises(AlreadyHandled):
        services.decide_correction(req, "approve", by=who, acting=province, seen="withdrawn")
    req.refresh_from_db()
    assert req.state == "pending"
    req = services.decide_correction(req, "approve", by=who, acting=province, seen="pending")
    assert (req.state, req.decided_by, req.reason) == ("approved", who, "")
    unlock = AuditLog.objects.get(action="unlock")
    assert (unlock.actor, unlock.note) == (who, f"自检表更正申请#{req.pk}：第3项填写错误")
    told = Notification.objects.get(recipient_org=branch, kind="self_check_correction")
    assert (told.text, told.link) == (
        "省级团委已同意本支部自检表更正申请，请在“团支部自检”中重新填写提交。",
        reverse("rectification:self_check"),
    )
    req = services.decide_correction(locked_request(), "reject", by=who, acting=province, note="依据不足")
    assert (req.state, req.decided_by, req.reason) == ("rejected", who, "依据不足")
    assert state(branch) == "qualified"


def test_the_request_page_points_to_this_forms_pending_request_only(client, login, camp):
    """BEY-02: 申请更正 of a form with a request 待审批 links to it; a form whose only request was
    decided (不同意), or another form's pending request, shows none."""
    lock(login, camp, 0)
    lock(login, camp, 1)
    c = as_committee(login, camp)
    file(c, camp.branches[1])
    refused = SelfCheckCorrectionRequest.objects.get()
    p = login(camp.province_admin, camp.tree.province)
    p.post(f"/rectification/corrections/{refused.pk}/", {"decision": "reject", "note": "依据不足"})
    file(c, camp.branches[0])
    pending = SelfCheckCorrectionRequest.objects.get(state="pending")
    page = text(c.get(f"/rectification/correct/{camp.branches[0].pk}/"))
    assert f'id="pending-note">已有一条待审批的更正申请：<a href="/rectification/corrections/{pending.pk}/">' in page
    assert 'id="pending-note"' not in text(c.get(f"/rectification/correct/{camp.branches[1].pk}/"))


def test_filing_refusals_word_for_word_and_what_is_filed(camp):
    """BEY-02 / REC-09, file_correction called directly: a reason is required (blank once trimmed too,
    400) of at most 500 characters (500 pass, 501 are refused, 400); a form not locked needs no request
    (409); a branch with no 省级团委 above it has nobody to decide (409); a second request while one
    waits is refused (409). What is filed: the reason trimmed, who asked for which org, the province
    deciding, 待审批."""
    from rectification import services
    from rectification.models import CampaignRecord
    from tests import factories as f

    def refused(message, status, acting, record, explanation):
        with pytest.raises(services.RecError) as caught:
            services.file_correction(acting, record, explanation=explanation, by=camp.admin)
        assert (str(caught.value), caught.value.status) == (message, status)

    locked = CampaignRecord.objects.create(branch=camp.branches[0], year=2026, state="qualified")
    basic = CampaignRecord.objects.create(branch=camp.branches[1], year=2026, state="basic")
    stray = CampaignRecord.objects.create(
        branch=f.branch(camp.tree.central, "直属团支部"), year=2026, state="qualified"
    )
    for blank in (None, "", "  "):
        refused("请填写需修改的原因。", 400, camp.committee, locked, blank)
    refused("更正原因不能超过 500 个字。", 400, camp.committee, locked, "错" * 501)
    unlocked = "该团支部的自检表未锁定，无需申请更正，团支部可直接编辑后重新提交。"
    refused(unlocked, 409, camp.committee, basic, "第3项填写错误")
    nobody = "未找到该团支部所属的省级团委，无法提交更正申请，请联系系统运维人员。"
    refused(nobody, 409, camp.tree.central, stray, "第3项填写错误")
    assert not SelfCheckCorrectionRequest.objects.exists()
    req = services.file_correction(camp.committee, locked, explanation=f" {'错' * 500} ", by=camp.admin)
    assert (req.record, req.filed_by_org, req.requested_by, req.approver, req.explanation, req.state) == (
        locked,
        camp.committee,
        camp.admin,
        camp.tree.province,
        "错" * 500,
        "pending",
    )
    refused("该团支部已有一条待审批的自检表更正申请，请等待省级团委处理。", 409, camp.committee, locked, "再次申请")
