"""ARC-03 / ARC-06 / ROLE-03: approval of an uploaded archive, 替换档案, and change requests."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse

from members import archives
from members.models import ArchiveChangeRequest, MemberArchive, Person
from orgs.choices import OrgCategory
from tests import factories as f
from tests.concurrency import at_once
from tests.members import archive_helpers
from tests.members.archive_helpers import pdf_bytes, pdf_upload, stored_files
from tests.uploads import refused_page
from zhtj.core import inbox
from zhtj.core.models import AuditLog, Notification
from zhtj.core.workflow import AlreadyHandled, WorkflowError, by_system, perform

arc, media = archive_helpers.arc, archive_helpers.media  # fixtures


def upload(client, person, content=None):
    return client.post(reverse("members:archive_upload", args=[person.pk]), {"file": pdf_upload(content)})


@pytest.fixture
def pending(arc, login):
    upload(login(arc.branch_admin, arc.tree.branch_a), arc.new)
    return MemberArchive.objects.get(person=arc.new)


def decide(client, archive, decision, note=""):
    return client.post(reverse("members:archive_review", args=[archive.pk]), {"decision": decision, "note": note})


def test_superior_sees_it_in_the_inbox_and_approves(arc, login, pending, rf):
    """ARC-03: 操作中心 lists it under 团员电子档案审批; 同意 makes the member 已认证."""
    client = login(arc.col_a_admin, arc.tree.col_a)
    page = client.get(reverse("inbox") + "?kind=archive_review").content.decode()
    assert "团员电子档案审批" in page and "李新" in page
    review = client.get(reverse("members:archive_review", args=[pending.pk]))
    text = review.content.decode()
    assert arc.new.id_number in text and "202100000001" in text  # the basics beside the PDF
    assert reverse("members:archive_file", args=[pending.pk]) in text
    assert decide(client, pending, "approve").status_code == 302
    pending.refresh_from_db()
    assert pending.state == MemberArchive.State.VERIFIED
    assert "李新" not in client.get(reverse("inbox") + "?kind=archive_review").content.decode()
    assert Notification.objects.filter(recipient_org=arc.tree.branch_a, text__contains="已同意").exists()


def test_reject_needs_a_reason(arc, login, pending):
    """ARC-03: 不同意 without a reason is refused (400) and changes nothing."""
    response = decide(login(arc.col_a_admin, arc.tree.col_a), pending, "reject", "  ")
    assert response.status_code == 400
    assert "须填写理由" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == MemberArchive.State.PENDING


def test_reject_needs_a_reason_in_the_model_too(arc, pending):
    """ARC-03: the rule lives on the transition, whoever calls it."""
    with pytest.raises(WorkflowError, match="须填写理由"):
        perform(pending, "reject", guard=by_system, by=arc.col_a_admin, note="")


def test_uploader_sees_the_reason_and_replaces(arc, login, pending, django_capture_on_commit_callbacks):
    """ARC-03: the uploader sees the reason and 替换档案; the replacement waits again, and the old
    file is gone from storage."""
    decide(login(arc.col_a_admin, arc.tree.col_a), pending, "reject", "第二页模糊不清")
    old_name = pending.file.name
    branch = login(arc.branch_admin, arc.tree.branch_a)
    listing = branch.get(reverse("members:archives")).content.decode()
    assert "替换档案" in listing and "认证不通过" in listing
    page = branch.get(reverse("members:archive_person", args=[arc.new.pk])).content.decode()
    assert "第二页模糊不清" in page and "替换档案" in page
    assert Notification.objects.filter(recipient_org=arc.tree.branch_a, text__contains="第二页模糊不清").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(branch, arc.new, pdf_bytes(pages=2)).status_code == 302
    archive = MemberArchive.objects.get()
    assert (archive.state, archive.pages, archive.reason) == (MemberArchive.State.PENDING, 2, "")
    assert not default_storage.exists(old_name)
    assert len(stored_files(arc.media)) == 1


def test_replacement_stands_when_the_old_file_cant_be_deleted(
    arc, login, pending, monkeypatch, django_capture_on_commit_callbacks
):
    """SEC-06: storage failing to delete the replaced file leaves an orphan file, not an error: the
    replacement is saved and the page answers as usual."""
    decide(login(arc.col_a_admin, arc.tree.col_a), pending, "reject", "不清晰")

    def broken_delete(name):
        raise OSError("storage unavailable")

    branch = login(arc.branch_admin, arc.tree.branch_a)
    monkeypatch.setattr(default_storage, "delete", broken_delete)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(branch, arc.new, pdf_bytes(pages=2))
    assert response.status_code == 302
    assert MemberArchive.objects.get().pages == 2


def test_grand_parent_views_but_may_not_decide(arc, login, pending):
    """ROLE-03: the university 团委 (grand-parent) sees the archive but gets 403 on acting."""
    client = login(arc.uni_admin, arc.tree.uni)
    page = client.get(reverse("members:archive_review", args=[pending.pk]))
    assert page.status_code == 200 and "decision-form" not in page.content.decode()
    response = decide(client, pending, "approve")
    assert response.status_code == 403
    assert "隔级无法操作" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == MemberArchive.State.PENDING
    assert "李新" not in client.get(reverse("inbox")).content.decode()


def test_out_of_scope_review_is_404(arc, login, pending):
    """ROLE-02: a sibling committee gets 404 for the review page and the decision."""
    client = login(arc.col_b_admin, arc.tree.col_b)
    assert client.get(reverse("members:archive_review", args=[pending.pk])).status_code == 404
    assert decide(client, pending, "approve").status_code == 404


def test_bad_decision_value_is_a_400(arc, login, pending):
    """SEC-06: an unknown decision answers 400 with a message."""
    response = decide(login(arc.col_a_admin, arc.tree.col_a), pending, "maybe")
    assert response.status_code == 400
    assert "请选择" in response.content.decode()


def test_second_decision_is_refused(arc, login, pending):
    """SEC-04: once decided, a second decision changes nothing."""
    client = login(arc.col_a_admin, arc.tree.col_a)
    decide(client, pending, "approve")
    response = decide(client, pending, "reject", "晚了")
    assert response.status_code == 409 and "已被处理，请刷新后查看" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == MemberArchive.State.VERIFIED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serializes writers)")
@pytest.mark.django_db(transaction=True)
def test_two_admins_deciding_at_once_apply_once(arc, pending):
    """SEC-04: approve and reject racing: exactly one applies."""
    outcomes = at_once(
        lambda action, note: perform(
            MemberArchive.objects.get(pk=pending.pk), action, guard=by_system, by=arc.col_a_admin, note=note
        ),
        [("approve", ""), ("reject", "不清晰")],
        expected=(WorkflowError, AlreadyHandled),
    )
    assert outcomes.count("ok") == 1


def test_the_approver_still_decides_after_the_member_moved_away(arc, login, pending):
    """ARC-03 / ROLE-03: an archive waiting for 学院A团委 stays reachable from its 操作中心 after the
    member's relation moved to another subtree: the page, the PDF and the decision work."""
    Person.objects.filter(pk=arc.new.pk).update(branch=arc.tree.branch_b)
    client = login(arc.col_a_admin, arc.tree.col_a)
    assert reverse("members:archive_review", args=[pending.pk]) in client.get(reverse("inbox")).content.decode()
    assert client.get(reverse("members:archive_review", args=[pending.pk])).status_code == 200
    assert client.get(reverse("members:archive_file", args=[pending.pk])).status_code == 200
    assert decide(client, pending, "approve").status_code == 302
    pending.refresh_from_db()
    assert pending.state == MemberArchive.State.VERIFIED
    # Someone neither seeing the member nor asked to decide still gets nothing (ROLE-02).
    other = f.OrgFactory(name="学院C团委", parent=arc.tree.uni)
    assert login(f.admin_of(other), other).get(reverse("members:archive_file", args=[pending.pk])).status_code == 404


def test_inbox_provider_is_only_for_the_approver(arc, pending, rf):
    """ARC-03 / ROLE-03: the pending archive is in the direct superior's 操作中心 only."""
    for org, expected in ((arc.tree.col_a, 1), (arc.tree.uni, 0), (arc.tree.col_b, 0)):
        request = rf.get("/")
        request.acting_org = org
        assert inbox.counts(request)["archive_review"] == expected


def test_a_general_branch_never_approves(arc, login):
    """ARC-02 / ARC-03: a 团支部 under a 团总支 waits for the 上级团委 above the 团总支 (the seed's
    approvers are 团的领导机关/团委/团工委): the 团总支 has no 下级团员电子档案审批, no 操作中心 item,
    and may not decide; the 学院团委 decides."""
    upload(login(f.admin_of(arc.branch_g), arc.branch_g), arc.under_general)
    archive = MemberArchive.objects.get()
    assert (archive.state, archive.approver_org) == (MemberArchive.State.PENDING, arc.tree.col_a)
    general = login(arc.general_admin, arc.general)
    assert "下级团员电子档案审批" not in general.get(reverse("home")).content.decode()
    page = general.get(reverse("inbox") + "?kind=archive_review").content.decode()
    assert "?kind=archive_review" not in page and "上传的团员电子档案" not in page  # not even the tab
    assert decide(general, archive, "approve").status_code == 403
    archive.refresh_from_db()
    assert archive.state == MemberArchive.State.PENDING
    assert decide(login(arc.col_a_admin, arc.tree.col_a), archive, "approve").status_code == 302
    archive.refresh_from_db()
    assert archive.state == MemberArchive.State.VERIFIED


def test_no_committee_above_means_a_clear_refusal(arc, login):
    """ARC-02 / SEC-06: a branch with no 团委 above it can't be left waiting for nobody: refused, nothing stored."""
    from datetime import date

    from orgs.choices import OrgCategory

    top = f.OrgFactory(name="某团总支", parent=None, category=OrgCategory.GENERAL_BRANCH)
    branch = f.branch(top, "某团支部")
    member = f.person("孤新", branch=branch, joined_month=date(2024, 1, 1))
    client = login(f.admin_of(branch), branch)
    assert "没有上级团委" in refused_page(client, upload(client, member))
    assert not MemberArchive.objects.exists()
    assert stored_files(arc.media) == []


# --- ARC-06: replacing an approved archive ------------------------------------------------------


@pytest.fixture
def verified(arc, login, pending):
    decide(login(arc.col_a_admin, arc.tree.col_a), pending, "approve")
    pending.refresh_from_db()
    return pending


def test_approved_archive_cant_be_replaced_without_a_change_request(arc, login, verified):
    """ARC-06: no 替换档案 on an approved archive; a direct upload is refused and changes nothing."""
    client = login(arc.branch_admin, arc.tree.branch_a)
    page = client.get(reverse("members:archive_person", args=[arc.new.pk])).content.decode()
    assert "提出修改申请" in page and 'id="upload-form"' not in page
    assert "请先提出修改申请，经上级团委审批同意后再替换档案" in refused_page(client, upload(client, arc.new))
    verified.refresh_from_db()
    assert verified.state == MemberArchive.State.VERIFIED
    assert len(stored_files(arc.media)) == 1


def test_change_request_approved_then_replacement(arc, login, verified):
    """ARC-06: the branch files a change request, the superior committee approves it, the branch
    replaces the file (which waits for approval again) and the request is used up."""
    branch = login(arc.branch_admin, arc.tree.branch_a)
    url = reverse("members:archive_change", args=[arc.new.pk])
    assert branch.post(url, {"explanation": "  "}).status_code == 400
    response = branch.post(url, {"explanation": "错" * 301})  # refused with the limit, not cut short
    assert response.status_code == 400 and "变更理由不能超过300字，当前为301字" in response.content.decode()
    assert branch.post(url, {"explanation": "发展团员编号填写错误"}).status_code == 302
    change = ArchiveChangeRequest.objects.get()
    assert change.approver == arc.tree.col_a
    assert branch.post(url, {"explanation": "再次申请"}).status_code == 400  # one open request
    assert upload(branch, arc.new).status_code == 303  # refused: not yet approved

    committee = login(arc.col_a_admin, arc.tree.col_a)
    assert "申请变更李新的电子档案" in committee.get(reverse("inbox")).content.decode()
    review = reverse("members:archive_change_review", args=[change.pk])
    assert committee.post(review, {"decision": "reject", "note": ""}).status_code == 400
    response = committee.post(review, {"decision": "reject", "note": "理" * 201})  # refused, not cut short
    assert response.status_code == 400 and "理由不能超过200字，当前为201字" in response.content.decode()
    assert committee.post(review, {"decision": "approve"}).status_code == 302

    branch = login(arc.branch_admin, arc.tree.branch_a)
    assert "替换档案" in branch.get(reverse("members:archives")).content.decode()
    assert upload(branch, arc.new, pdf_bytes(pages=4)).status_code == 302
    archive = MemberArchive.objects.get()
    assert (archive.state, archive.pages) == (MemberArchive.State.PENDING, 4)
    change.refresh_from_db()
    assert change.state == ArchiveChangeRequest.State.DONE
    assert upload(branch, arc.new).status_code == 303  # refused: pending again, no second replacement


def test_change_request_of_a_branch_under_a_general_branch_goes_to_the_committee(arc, login):
    """ARC-06: the change request goes to the 上级团委, above a 团总支, like the upload's approval."""
    branch_admin = f.admin_of(arc.branch_g)
    upload(login(branch_admin, arc.branch_g), arc.under_general)
    decide(login(arc.col_a_admin, arc.tree.col_a), MemberArchive.objects.get(), "approve")
    url = reverse("members:archive_change", args=[arc.under_general.pk])
    assert login(branch_admin, arc.branch_g).post(url, {"explanation": "上传错误"}).status_code == 302
    assert ArchiveChangeRequest.objects.get().approver == arc.tree.col_a


def test_change_request_stays_decidable_after_the_member_moved_away(arc, login, verified):
    """ARC-06: a verified member may be transferred with a change request open; the committee asked
    to decide it still opens it from 操作中心 and decides it."""
    login(arc.branch_admin, arc.tree.branch_a).post(
        reverse("members:archive_change", args=[arc.new.pk]), {"explanation": "上传错误"}
    )
    change = ArchiveChangeRequest.objects.get()
    Person.objects.filter(pk=arc.new.pk).update(branch=arc.tree.branch_b)
    client = login(arc.col_a_admin, arc.tree.col_a)
    url = reverse("members:archive_change_review", args=[change.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("members:archive_file", args=[verified.pk])).status_code == 200
    assert client.post(url, {"decision": "approve"}).status_code == 302
    change.refresh_from_db()
    assert change.state == ArchiveChangeRequest.State.APPROVED


def test_change_request_is_decided_by_the_direct_superior_only(arc, login, verified):
    """ARC-06 / ROLE-03: the grand-parent may view the change request but not decide it."""
    login(arc.branch_admin, arc.tree.branch_a).post(
        reverse("members:archive_change", args=[arc.new.pk]), {"explanation": "上传错误"}
    )
    change = ArchiveChangeRequest.objects.get()
    client = login(arc.uni_admin, arc.tree.uni)
    url = reverse("members:archive_change_review", args=[change.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "approve"}).status_code == 403
    change.refresh_from_db()
    assert change.state == ArchiveChangeRequest.State.PENDING


def test_replace_refusals_word_for_word_and_who_replaced(arc, login, pending, verified):
    """ARC-06 / ARC-03: 替换档案 is refused, in these words, while the archive waits for approval and
    once it is approved (without an approved change request); after 认证不通过 the replacement is
    recorded as the uploader's (its audit row and the archive name them)."""
    with pytest.raises(WorkflowError) as waiting:
        archives.require_replaceable(MemberArchive(state=MemberArchive.State.PENDING))
    assert str(waiting.value) == "该团员的电子档案正在等待审批，审批前不能替换。"
    with pytest.raises(WorkflowError) as approved:
        archives.require_replaceable(verified)
    assert str(approved.value) == "该团员的电子档案已认证。如需变更，请先提出修改申请，经上级团委审批同意后再替换档案。"
    MemberArchive.objects.filter(pk=verified.pk).update(state=MemberArchive.State.REJECTED)
    rejected = MemberArchive.objects.get(pk=verified.pk)
    replaced = archives.replace_archive(rejected, pdf_upload(), by=arc.branch_admin, org=arc.tree.branch_a)
    assert replaced.state == MemberArchive.State.PENDING
    log = AuditLog.objects.get(object_id=replaced.pk, action="replace")
    assert (log.actor, log.from_state, log.note) == (arc.branch_admin, MemberArchive.State.REJECTED, "替换档案")


def test_a_change_decision_is_the_deciders_on_the_state_seen(arc, login, verified):
    """ARC-06 / SEC-04: 同意 of a change request posted from a page showing another state is refused
    (409, nothing decided); from the page as it is, it records who decided, and no reason."""
    change = archives.request_change(verified, "发展团员编号填写错误", by=arc.branch_admin, org=arc.tree.branch_a)
    committee = login(arc.col_a_admin, arc.tree.col_a)
    review = reverse("members:archive_change_review", args=[change.pk])
    assert committee.post(review, {"decision": "approve", "seen_state": "rejected"}).status_code == 409
    assert ArchiveChangeRequest.objects.get(pk=change.pk).state == ArchiveChangeRequest.State.PENDING
    assert committee.post(review, {"decision": "approve", "seen_state": "pending"}).status_code == 302
    change.refresh_from_db()
    assert (change.state, change.decided_by, change.reason) == ("approved", arc.col_a_admin, "")


def test_replacing_is_for_the_branch_and_its_superior_only(arc, verified):
    """ARC-06 / ROLE-03: 替换档案 by an org above the direct superior (the university) is refused on
    the locked row, in these words, and the file it sent is not kept; the branch's replacement keeps
    its own stored file."""
    MemberArchive.objects.filter(pk=verified.pk).update(state=MemberArchive.State.REJECTED)
    rejected = MemberArchive.objects.get(pk=verified.pk)
    before = stored_files(arc.media)
    with pytest.raises(PermissionDenied) as refused:
        archives.replace_archive(rejected, pdf_upload(), by=arc.uni_admin, org=arc.tree.uni)
    assert str(refused.value) == "隔级无法操作：只有团员所在团支部及其直属上级组织的管理员可以上传电子档案。"
    assert stored_files(arc.media) == before
    replaced = archives.replace_archive(rejected, pdf_upload(), by=arc.branch_admin, org=arc.tree.branch_a)
    assert replaced.file.name and replaced.file.name != rejected.file.name
    assert default_storage.exists(replaced.file.name)


def test_change_request_refusals_word_for_word(arc, verified):
    """ARC-06: a change request is refused, in these words, without a reason, for an archive that
    isn't approved, from an org with no 团委 above it, and while another is open."""

    def refusal(archive, explanation="编号填写错误", org=arc.tree.branch_a):
        with pytest.raises(WorkflowError) as refused:
            archives.request_change(archive, explanation, by=arc.branch_admin, org=org)
        return str(refused.value)

    assert refusal(verified, "  ") == "请填写变更理由。"
    rejected = MemberArchive(pk=verified.pk, state=MemberArchive.State.REJECTED)
    assert refusal(rejected) == "只有已认证的电子档案需要提出变更申请；认证不通过的档案可直接替换。"
    top = f.OrgFactory(name="某团总支", parent=None, category=OrgCategory.GENERAL_BRANCH)
    assert refusal(verified, org=top) == "本组织没有上级团委，无法提出变更申请。"
    archives.request_change(verified, "编号填写错误", by=arc.branch_admin, org=arc.tree.branch_a)
    assert refusal(verified, "再次申请") == "该团员的电子档案已有未处理完的变更申请。"
    assert ArchiveChangeRequest.objects.count() == 1


def test_a_change_approved_without_words_carries_none(arc, verified):
    """ARC-06: 同意 needs no words: decided without a note, the request and its audit row carry none."""
    change = archives.request_change(verified, "编号填写错误", by=arc.branch_admin, org=arc.tree.branch_a)
    change = archives.decide_change(change, "approve", by=arc.col_a_admin, acting=arc.tree.col_a)
    assert (change.state, change.reason) == ("approved", "")
    assert AuditLog.objects.get(object_id=change.pk, action="approve").note == ""


def test_decision_checks_and_results_word_for_word(arc, pending):
    """ARC-03 / ROLE-03: what a 同意 / 不同意 must carry (a choice; a reason of at most 200 characters,
    needed to refuse), who may decide, and the uploader's 操作中心 result, exactly."""
    with pytest.raises(WorkflowError) as unchosen:
        archives.check_decision("maybe", "")
    assert str(unchosen.value) == "请选择“同意”或“不同意”。"
    with pytest.raises(WorkflowError) as no_reason:
        archives.check_decision("reject", "  ")
    assert str(no_reason.value) == "不同意时须填写理由。"
    assert archives.check_decision("reject", " " + "理" * 200 + " ") == "理" * 200
    with pytest.raises(WorkflowError) as too_long:
        archives.check_decision("reject", "理" * 201)
    assert str(too_long.value) == "理由不能超过200字，当前为201字。"
    with pytest.raises(PermissionDenied) as not_approver:
        archives.require_approver(arc.tree.uni, pending)
    assert str(not_approver.value) == "隔级无法操作：只有上传组织的上级团委（审批组织）管理员可以审批。"
    archives.require_approver(arc.tree.col_a, pending)
    link = reverse("members:archive_person", args=[arc.new.pk])
    assert archives.decision_notice(pending, "approve", "") == {
        "org_id": arc.tree.branch_a.pk,
        "kind": "archive_review",
        "text": "李新的团员电子档案审批：已同意",
        "link": link,
    }
    assert archives.decision_notice(pending, "reject", "模糊")["text"] == "李新的团员电子档案审批：不同意（理由：模糊）"
