"""我发起的 (OPC-01, TRF-01, TRF-10, ORG-12, INC-13): the acting org finds what it filed upward and
still waits elsewhere, with 撤销 only where the workflow would accept it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.choices import PostTitle
from members.models import CadrePost
from members.services import request_admin_change
from tests import factories as f
from transfers import services
from transfers.choices import Destination, Reason, State
from transfers.models import Transfer

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
SENT = reverse("sent")


def table(page, kind):
    html = page.content.decode()
    return html.split(f'data-kind="{kind}"', 1)[1].split("</table>", 1)[0] if f'data-kind="{kind}"' in html else ""


def test_sender_finds_its_transfer_and_withdraws_it(tree, login, fast_hasher):
    """TRF-01 / TRF-10: after 办理转出 the sending org finds the open transfer under 我发起的 (and its
    转接审批 tab 我发起的), withdraws it there (seen_state posted), comes back, and it is gone."""
    member = f.person("李团员", branch=tree.branch_a, password="x")
    col_admin = f.admin_of(tree.col_a)
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=col_admin, reason=Reason.OTHER)
    c = login(col_admin, tree.col_a)
    assert 'id="sent-link"' in c.get(reverse("inbox")).content.decode()
    row = table(c.get(SENT), "transfer_sent")
    assert "李团员" in row and "待转入组织审批" in row and ">撤销</button>" in row
    assert "李团员" in c.get(reverse("transfers:approvals") + "?tab=sent").content.decode()
    detail = reverse("transfers:detail", args=[t.pk])
    r = c.post(detail, {"action": "withdraw", "seen_state": State.RECEIVING, "next": SENT})
    assert r.status_code == 302 and r["Location"] == SENT
    assert Transfer.objects.get(pk=t.pk).state == State.WITHDRAWN
    assert "李团员" not in table(c.get(SENT), "transfer_sent")


def test_graduate_transfer_offers_no_withdraw_outside_the_application_period(tree, login, fast_hasher):
    """TRF-10 at the edge: on 8-31 (申请期) a 学社衔接 transfer has 撤销; on 9-01 (审核期) it is listed
    without it, and a withdraw posted anyway is refused with the reason."""
    member = f.person("毕业生", branch=tree.branch_a, password="x")
    col_admin = f.admin_of(tree.col_a)
    with time_machine.travel(datetime(2026, 8, 31, 23, 0, tzinfo=TZ), tick=False):
        (t,) = services.start_outbound(
            tree.col_a,
            [member],
            tree.branch_b,
            by=col_admin,
            reason=Reason.GRADUATION,
            destination=Destination.EMPLOYED,
        )
        assert ">撤销</button>" in table(login(col_admin, tree.col_a).get(SENT), "transfer_sent")
    with time_machine.travel(datetime(2026, 9, 1, 0, 0, tzinfo=TZ), tick=False):
        c = login(col_admin, tree.col_a)
        row = table(c.get(SENT), "transfer_sent")
        assert "毕业生" in row and ">撤销</button>" not in row
        r = c.post(reverse("transfers:detail", args=[t.pk]), {"action": "withdraw", "seen_state": t.state})
        assert r.status_code == 400 and "只能在申请期内撤销" in r.content.decode()
    assert Transfer.objects.get(pk=t.pk).is_open


def test_requests_waiting_upward_are_listed_and_open_for_the_filer(tree, login, fast_hasher):
    """ORG-12: a branch's own 管理员变更 waits under 我发起的 with 撤回 (a change request, BEY-02); every
    listed line's link opens for the filer."""
    secretary = f.admin_of(tree.branch_a)
    deputy = CadrePost.objects.create(person=f.person("副书记"), org=tree.branch_a, title=PostTitle.DEPUTY_SECRETARY)
    request_admin_change(deputy, "add", by=secretary)
    c = login(secretary, tree.branch_a)
    page = c.get(SENT)
    row = table(page, "admin_change_sent")
    assert "添加管理员：副书记" in row and "待审批" in row and ">撤回</button>" in row
    import re

    for href in re.findall(r'<td><a href="([^"]+)">', page.content.decode()):
        assert c.get(href).status_code == 200, href


def test_sent_page_constant_queries(tree, login, fast_hasher):
    """The page runs one query per kind, not per item."""
    col_admin = f.admin_of(tree.col_a)
    people = [f.person(f"团员{i}", branch=tree.branch_a, password="x") for i in range(6)]
    services.start_outbound(tree.col_a, people[:1], tree.branch_b, by=col_admin, reason=Reason.OTHER)
    c = login(col_admin, tree.col_a)
    c.get(SENT)
    with CaptureQueriesContext(connection) as one:
        c.get(SENT)
    services.start_outbound(tree.col_a, people[1:], tree.branch_b, by=col_admin, reason=Reason.OTHER)
    with CaptureQueriesContext(connection) as six:
        assert table(c.get(SENT), "transfer_sent").count(">撤销</button>") == 6
    assert len(six) == len(one)


def test_members_and_branches_without_admin_rights_cant_open_it(tree, login, fast_hasher):
    member = f.person("成员", branch=tree.branch_a, password="Zhtj-pass-2026")
    assert login(member).get(SENT).status_code in (403, 404)


def test_every_kind_renders_for_its_filer(tree, login, fast_hasher):
    """OPC-01: one waiting item of every kind a branch files upward shows under 我发起的 with its
    state, and every line's link opens for the filer (no kind left untested for a 500)."""
    from datetime import date

    from incentives.choices import Kind as IncKind
    from incentives.models import IncentiveRecord
    from members.models_archive import ArchiveChangeRequest, MemberArchive
    from members.people import request_deletion
    from orgs.models import GraduationCorrectionRequest
    from rectification.choices import RecState
    from rectification.models import CampaignRecord, SelfCheckCorrectionRequest

    branch, by = tree.branch_a, f.admin_of(tree.branch_a)
    deputy = CadrePost.objects.create(person=f.person("副书记"), org=branch, title=PostTitle.DEPUTY_SECRETARY)
    request_admin_change(deputy, "add", by=by)
    request_deletion(f.person("重复", branch=branch), branch, by, "重复录入")
    uploaded = MemberArchive.objects.create(
        person=f.person("新团员", branch=branch, joined_month=date(2026, 9, 1)),
        file="archives/x.pdf",
        size=1000,
        pages=1,
        uploaded_by=by,
        uploaded_by_org=branch,
        approver_org=tree.col_a,
        state=MemberArchive.State.PENDING,
    )
    verified = MemberArchive.objects.create(
        person=f.person("老团员", branch=branch, joined_month=date(2025, 9, 1)),
        file="archives/y.pdf",
        size=1000,
        pages=1,
        uploaded_by=by,
        uploaded_by_org=branch,
        approver_org=tree.col_a,
        state=MemberArchive.State.VERIFIED,
    )
    ArchiveChangeRequest.objects.create(
        archive=verified, filed_by_org=branch, approver=tree.col_a, requested_by=by, explanation="换页"
    )
    GraduationCorrectionRequest.objects.create(
        branch=branch,
        filed_by_org=branch,
        approver=tree.province,
        requested_by=by,
        new_month=date(2027, 7, 1),
        explanation="延期",
    )
    record = CampaignRecord.objects.create(branch=branch, year=2026, state=RecState.PENDING, poor_count=2)
    SelfCheckCorrectionRequest.objects.create(
        record=record, filed_by_org=branch, approver=tree.province, requested_by=by, explanation="填错"
    )
    IncentiveRecord.objects.create(
        kind=IncKind.JOINING, recorder=branch, recorded_by=by, person=uploaded.person, summary="入团激励"
    )
    c = login(by, branch)
    page = c.get(SENT)
    assert page.status_code == 200
    for kind in (
        "admin_change_sent",
        "deletion_sent",
        "archive_sent",
        "archive_change_sent",
        "graduation_correction_sent",
        "self_check_sent",
        "self_check_correction_sent",
        "incentive_sent",
    ):
        assert table(page, kind), kind
    assert ">删除</button>" in table(page, "incentive_sent")  # INC-13: before the first approval
    import re

    for href in set(re.findall(r'<td><a href="([^"]+)">', page.content.decode())):
        assert c.get(href).status_code == 200, href


def _change_requests(tree):
    """One pending request of each change-request kind a 学院团委 or its branch files upward, with
    (request, filing org, the filer's admin, the approver's admin)."""
    from datetime import date, datetime

    from members.archives import request_change
    from members.models_archive import MemberArchive
    from members.people import request_deletion
    from orgs.graduation import file_correction
    from orgs.models import Organization
    from zhtj.core.workflow import by_system, perform

    branch, college = tree.branch_a, tree.col_a
    by, college_admin = f.admin_of(branch), f.admin_of(college)
    province_admin = f.admin_of(tree.province)
    deputy = CadrePost.objects.create(person=f.person("副书记"), org=branch, title=PostTitle.DEPUTY_SECRETARY)
    admin_change = request_admin_change(deputy, "add", by=by)
    deletion = request_deletion(f.person("重复", branch=branch), branch, by, "重复录入")
    archive = MemberArchive.objects.create(
        person=f.person("老团员", branch=branch, joined_month=date(2025, 9, 1)),
        file="archives/y.pdf",
        size=1000,
        pages=1,
        uploaded_by=by,
        uploaded_by_org=branch,
        approver_org=college,
        state=MemberArchive.State.PENDING,
    )
    archive_change = request_change(perform(archive, "approve", guard=by_system), "换页", by=by, org=branch)
    Organization.objects.filter(pk=branch.pk).update(
        graduation_month=date(2027, 7, 1), graduation_marked_at=datetime(2026, 2, 1, tzinfo=TZ)
    )
    graduation = file_correction(
        college, branch, month=date(2028, 7, 1), reason="", explanation="标记有误", by=college_admin
    )
    return [
        ("admin_change_sent", admin_change, branch, by, college_admin, college),
        ("deletion_sent", deletion, branch, by, province_admin, tree.province),
        ("archive_change_sent", archive_change, branch, by, college_admin, college),
        ("graduation_correction_sent", graduation, college, college_admin, province_admin, tree.province),
    ]


def test_change_requests_are_withdrawn_from_sent(tree, login, fast_hasher):
    """BEY-02 / OPC-01: every change request waits under 我发起的 with 撤回; the filing org withdraws
    it there (the seen_state posted), is sent back to 我发起的 with a message, the line is gone, the
    request is 已撤回 with an audit row, the approver's 操作中心 no longer holds it and its 同意 is a
    409; the same target can be filed again. The approver can't withdraw for the filer (403)."""
    from zhtj.core.audit import history_of

    for kind, req, filer_org, filer, approver, approver_org in _change_requests(tree):
        assert login(approver, approver_org).post(req.get_absolute_url(), {"action": "withdraw"}).status_code == 403
        c = login(filer, filer_org)  # one test client: logging in again switches it
        row = table(c.get(SENT), kind)
        assert ">撤回</button>" in row, kind
        r = c.post(req.get_absolute_url(), {"action": "withdraw", "seen_state": "pending", "next": SENT}, follow=True)
        assert r.redirect_chain == [(SENT, 302)], kind
        assert "已撤回该" in r.content.decode() and ">撤回</button>" not in table(r, kind), kind
        req.refresh_from_db()
        assert req.state == "withdrawn", kind
        assert history_of(req).filter(action="withdraw", actor=filer, to_state="withdrawn").count() == 1
        a = login(approver, approver_org)
        assert req.get_absolute_url() not in a.get(reverse("inbox")).content.decode(), kind
        assert a.post(req.get_absolute_url(), {"decision": "approve", "seen_state": "pending"}).status_code == 409
    # a withdrawn request leaves its target free for a new one (the one-open index counts pending only)
    from members.models import Person
    from members.people import request_deletion

    again = request_deletion(
        Person.objects.get(name="重复"), tree.branch_a, f.admin_of(tree.branch_a, "二"), "再次申请"
    )
    assert again.state == "pending"


def test_a_decided_request_cant_be_withdrawn(tree, login, fast_hasher):
    """BEY-02: once decided there is nothing to take back: no 撤回 button on the page or in 我发起的
    (the line is gone), and a 撤回 posted anyway is a 409."""
    kind, req, filer_org, filer, approver, approver_org = _change_requests(tree)[0]
    assert login(approver, approver_org).post(req.get_absolute_url(), {"decision": "approve"}).status_code == 302
    c = login(filer, filer_org)
    assert 'id="withdraw-form"' not in c.get(req.get_absolute_url()).content.decode()
    assert not table(c.get(SENT), kind)
    assert c.post(req.get_absolute_url(), {"action": "withdraw", "seen_state": "pending"}).status_code == 409
    req.refresh_from_db()
    assert req.state == "approved"
