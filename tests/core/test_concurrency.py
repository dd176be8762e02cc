"""Two admins acting on one item at the same moment (SEC-04, OPC-02)."""

import pytest
from django.db import connection

from members.choices import PostTitle
from members.models import AdminChangeRequest, CadrePost
from members.services import decide_admin_change, request_admin_change
from tests import factories as f
from tests.concurrency import at_once
from zhtj.core.models import AuditLog
from zhtj.core.workflow import AlreadyHandled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serializes writers)")
def test_two_admins_approve_at_once_one_wins(tree):
    """SEC-04: two threads approve the same request at once: exactly one effect, one clear refusal."""
    secretary = f.admin_of(tree.branch_a, "支书")
    post = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    req = request_admin_change(post, "add", by=secretary)
    admins = [f.admin_of(tree.col_a, "管理员一"), f.admin_of(tree.col_a, "管理员二")]

    def approve(admin):
        stale = AdminChangeRequest.objects.get(pk=req.pk)  # both load it while pending
        decide_admin_change(stale, "approve", by=admin, acting=tree.col_a)

    outcomes = at_once(approve, [(a,) for a in admins], expected=(AlreadyHandled,))
    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert outcomes.count("ok") == 1
    assert any("已被处理" in o or "已被其他管理员处理" in o for o in outcomes if o != "ok")
    assert AuditLog.objects.filter(object_id=req.pk, action="approve").count() == 1
    post.refresh_from_db()
    assert post.is_admin
