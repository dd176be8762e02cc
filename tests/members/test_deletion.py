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
