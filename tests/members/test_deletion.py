"""删除申请 (MEM-09, BEY-02): no delete button; a request with a reason to the 省级团委."""

from django.urls import reverse

from members.models import CadrePost, Person
from members.models_people import DeletionRequest
from tests import factories as f
from zhtj.core.audit import history_of
from zhtj.core.models import AuditLog, Notification


def test_request_approved_by_province(tree, login):
    """MEM-09 / BEY-02: reason required; one open request per person; the nearest 省级团委
    sees it in 操作中心 and approves; the person is deactivated, kept, audited."""
    person = f.person("待删除", branch=tree.branch_a)
    CadrePost.objects.create(person=person, org=tree.branch_a, title="organization_member")
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    url = reverse("members:deletion_request", args=[person.pk])
    client.post(url, {"explanation": ""})
    response = client.post(url, {"explanation": "原" * 501}, follow=True)  # refused with the limit, not cut
    assert "提交失败：删除原因不能超过500字，当前为501字" in response.content.decode()
    assert not DeletionRequest.objects.exists()
    client.post(url, {"explanation": "重复录入"})
    client.post(url, {"explanation": "再次提交"})
    req = DeletionRequest.objects.get()
    assert req.approver == tree.province and req.state == "pending"

    city = login(f.admin_of(tree.city), tree.city)
    assert "待删除" not in city.get(reverse("inbox")).content.decode()
    assert city.get(reverse("members:deletion_decide", args=[req.pk])).status_code == 404

    prov = login(f.admin_of(tree.province), tree.province)
    assert "申请删除人员：待删除" in prov.get(reverse("inbox")).content.decode()
    decide = reverse("members:deletion_decide", args=[req.pk])
    assert prov.post(decide, {"action": "reject"}).status_code == 400  # a refusal needs a reason
    assert prov.post(decide, {"action": "approve"}).status_code == 302
    person = Person.objects.get(pk=person.pk)  # the row is kept
    assert not person.is_active and person.branch is None
    assert not CadrePost.objects.active().filter(person=person).exists()
    assert AuditLog.objects.filter(action="approve", object_id=req.pk).exists()
    assert history_of(person).filter(action="deactivate").exists()
    assert Notification.objects.filter(recipient_org=tree.branch_a).exists()
    assert prov.post(decide, {"action": "approve"}).status_code == 409  # already decided (SEC-04)


def test_grandparent_and_outsider_cannot_request(tree, login):
    """MEM-09 / ROLE-03: only the branch or its direct superior files; outside the subtree 404."""
    person = f.person("某人", branch=tree.branch_a)
    url = reverse("members:deletion_request", args=[person.pk])
    assert login(f.admin_of(tree.uni), tree.uni).post(url, {"explanation": "x"}).status_code == 403
    assert login(f.admin_of(tree.col_b), tree.col_b).post(url, {"explanation": "x"}).status_code == 404
    assert not DeletionRequest.objects.exists()


def test_detail_shows_the_pending_request(tree, login):
    """MEM-09: the person's page says a 删除申请 is waiting, and for whom."""
    person = f.person("待删除", branch=tree.branch_a)
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    client.post(reverse("members:deletion_request", args=[person.pk]), {"explanation": "重复录入"})
    html = client.get(reverse("members:detail", args=[person.pk])).content.decode()
    assert "删除申请待团山东省委审批" in html


def test_deletion_and_transfer_refuse_each_other_when_filed(tree, login):
    """MEM-09 / TRF-12, refused early: a member in an open transfer can't be filed for deletion
    (the reason says so, nothing is filed); a member with a deletion waiting can't be put into a
    transfer, nor into a batch move — instead of a deletion approved under a moving member."""
    import pytest

    from members.people import request_deletion
    from transfers import services
    from transfers.choices import Reason

    moving = f.person("转接中", branch=tree.branch_a, password="x")
    col_admin = f.admin_of(tree.col_a)
    services.start_outbound(tree.col_a, [moving], tree.branch_b, by=col_admin, reason=Reason.OTHER)
    client = login(f.admin_of(tree.branch_a), tree.branch_a)
    r = client.post(reverse("members:deletion_request", args=[moving.pk]), {"explanation": "重复录入"}, follow=True)
    assert "转接中有正在办理的组织关系转接，请待转接办结或撤销后再申请删除" in r.content.decode()
    assert not DeletionRequest.objects.exists()
    page = client.get(reverse("members:detail", args=[moving.pk])).content.decode()
    assert 'id="deletion-refused"' in page and 'id="deletion-request"' not in page

    leaving = f.person("待删除", branch=tree.branch_a, password="x")
    request_deletion(leaving, tree.branch_a, col_admin, "重复录入")
    with pytest.raises(services.TransferError, match="待删除有待审批的删除人员申请"):
        services.start_outbound(tree.col_a, [leaving], tree.branch_b, by=col_admin, reason=Reason.OTHER)
    moved, refused = services.batch(
        tree.uni, tree.branch_a, tree.branch_b, [leaving.pk], by=f.admin_of(tree.uni), reason=Reason.OTHER
    )
    assert moved == 0 and "待删除有待审批的删除人员申请" in refused[leaving.pk]
