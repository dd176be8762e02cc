"""SEC-04: two admins acting on one branch at the same moment: one effect, a clear message for the
other. PostgreSQL only (SQLite serializes writers anyway)."""

import pytest
from django.db import connection

from rectification import services
from rectification.models import BottomSelection, CampaignRecord
from tests.concurrency import at_once
from zhtj.core.workflow import AlreadyHandled

from .conftest import answers

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_reviews_at_once(camp):
    """REC-03: 通过 and 开始整改 at once on one form: exactly one applies."""
    month = services.current_month()
    services.submit_check(camp.branches[0], answers(3), month, by=camp.branch_admins[0], org=camp.branches[0])
    record = CampaignRecord.objects.get()
    outcomes = at_once(
        lambda action: services.review(record, action, by=camp.admin, acting=camp.committee),
        [("approve",), ("start_key",)],
        expected=(services.RecError, AlreadyHandled),
    )
    assert outcomes.count("ok") == 1
    assert CampaignRecord.objects.get().state in ("basic", "key")


def test_two_bottom_selections_at_once(camp):
    """REC-05: the selection is final: two at once leave one selection and two key branches."""
    outcomes = at_once(
        lambda ids: services.select_bottom(camp.committee, ids, by=camp.admin),
        [([camp.branches[0].pk, camp.branches[1].pk],), ([camp.branches[2].pk, camp.branches[3].pk],)],
        expected=(services.RecError,),
    )
    assert outcomes.count("ok") == 1
    assert BottomSelection.objects.count() == 1
    assert CampaignRecord.objects.filter(state="key").count() == 2


def test_two_first_self_ratings_at_once(camp):
    """GRD-03 / SEC-04: the branch's two admins submit the first 自评 at once: one record; the other
    admin gets a message (no IntegrityError) or, when the first had already committed, theirs
    counts as a change."""
    from rectification import grading
    from rectification.models import GradingRecord
    from tests import factories as f

    second = f.admin_of(camp.branches[0], "第二管理员")
    outcomes = at_once(
        lambda who, level: grading.rate(camp.branches[0], level, by=who),
        [(camp.branch_admins[0], "3"), (second, "4")],
        expected=(services.RecError,),
    )
    assert GradingRecord.objects.get().changes == outcomes.count("ok") - 1
