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
    """ORG-12: a branch's own 管理员变更 waits under 我发起的 (no 撤销: the workflow has none); every
    listed line's link opens for the filer."""
    secretary = f.admin_of(tree.branch_a)
    deputy = CadrePost.objects.create(person=f.person("副书记"), org=tree.branch_a, title=PostTitle.DEPUTY_SECRETARY)
    request_admin_change(deputy, "add", by=secretary)
    c = login(secretary, tree.branch_a)
    page = c.get(SENT)
    row = table(page, "admin_change_sent")
    assert "添加管理员：副书记" in row and "待审批" in row and "撤销</button>" not in row
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
        archive=verified, org=branch, approver_org=tree.col_a, requested_by=by, explanation="换页"
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
