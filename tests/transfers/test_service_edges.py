"""The transfer rules read exactly (issue 22: the survivors of the mutation run of
transfers/services.py): each refusal word for word, what a transfer and a step write."""

import pytest

from members.people import request_deletion
from tests import factories as f
from transfers import services
from transfers.choices import Reason

pytestmark = pytest.mark.django_db


def _refusal(call):
    with pytest.raises(services.TransferError) as caught:
        call()
    return str(caught.value)


def test_person_refusals_word_for_word(tree, admins, member):
    """TRF-12 / MEM-09: no branch, an open transfer, a pending deletion -- each says which."""
    services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    assert _refusal(lambda: services.check_person(member)) == (
        "李团员已有正在办理的组织关系转接，请等待办结或撤销后再申请。"
    )
    waiting = f.person("待删除", branch=tree.branch_a, password="x")
    request_deletion(waiting, tree.branch_a, admins.branch_a, "重复录入")
    assert _refusal(lambda: services.check_person(waiting)) == "待删除有待审批的删除人员申请，不能办理组织关系转接。"
    loose = f.person("无组织", password="x")
    assert _refusal(lambda: services.check_person(loose)) == "无组织没有团组织关系，不能办理转接。"
