"""Two admins acting on one item at the same moment (SEC-04, OPC-02)."""

import threading

import pytest
from django.db import connection, connections

from members.choices import PostTitle
from members.models import AdminChangeRequest, CadrePost
from members.services import request_admin_change
from tests import factories as f
from zhtj.core.models import AuditLog
from zhtj.core.workflow import WorkflowError, perform

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serializes writers)")
def test_two_admins_approve_at_once_one_wins(tree):
    """SEC-04: two threads approve the same request at once: exactly one effect, one clear refusal."""
    secretary = f.admin_of(tree.branch_a, "支书")
    post = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title=PostTitle.COMMITTEE_MEMBER)
    req = request_admin_change(post, "add", by=secretary)
    admins = [f.admin_of(tree.col_a, "管理员一"), f.admin_of(tree.col_a, "管理员二")]
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(admin):
        try:
            stale = AdminChangeRequest.objects.get(pk=req.pk)  # both load it while pending
            barrier.wait()
            perform(stale, "approve", by=admin)
            outcomes.append("ok")
        except WorkflowError as exc:
            outcomes.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(a,)) for a in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert outcomes.count("ok") == 1
    assert any("已被处理" in o or "已被其他管理员处理" in o for o in outcomes if o != "ok")
    assert AuditLog.objects.filter(object_id=req.pk, action="approve").count() == 1
    post.refresh_from_db()
    assert post.is_admin
