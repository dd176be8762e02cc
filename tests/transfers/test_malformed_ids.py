"""SEC-06 on the pages of 组织关系转接: an id typed into the URL or a form by hand ('²' and '１２'
pass str.isdigit but are no ids; 30 digits overflow the database integer; 'abc') is answered 400
with a Chinese message, never a 500, and no transfer is started or decided."""

import pytest
from django.urls import reverse

from members.models import Person
from transfers import services
from transfers.choices import Reason, State
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

MALFORMED_IDS = ["²", "１２", "9" * 30, "abc"]


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_branch_filter_of_handle(tree, admins, login, junk):
    """SEC-06 / TRF-03: 办理转出's ?branch= picker answers 400 with the reason."""
    c = login(admins.col_a, tree.col_a)
    r = c.get(reverse("transfers:handle"), {"tab": "out", "branch": junk})
    assert r.status_code == 400 and "请选择转出团支部" in r.content.decode()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize(
    ("field", "message"), [("people", "请选择转出的团员"), ("target", "请选择转入组织")], ids=["people", "target"]
)
def test_malformed_ids_of_outbound(tree, admins, member, login, junk, field, message):
    """SEC-06 / TRF-03: 办理转出 with a malformed member or target id → 400, nothing started."""
    data = {"tab": "out", "people": [member.pk], "target": tree.branch_b.pk, "reason": Reason.OTHER, field: junk}
    r = login(admins.col_a, tree.col_a).post(reverse("transfers:handle") + "?tab=out", data)
    assert r.status_code == 400 and message in r.content.decode()
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize(
    ("field", "message"),
    [("source", "请选择转出团支部"), ("target", "请选择转入团支部"), ("people", "请选择转出的团员")],
    ids=["source", "target", "people"],
)
def test_malformed_ids_of_batch(tree, admins, member, login, junk, field, message):
    """SEC-06 / TRF-05: 组织关系批量转接 with a malformed branch or member id → 400, nobody moves."""
    data = {
        "tab": "batch",
        "source": tree.branch_a.pk,
        "target": tree.branch_b.pk,
        "people": [member.pk],
        "reason": Reason.ADJUSTMENT,
        field: junk,
    }
    r = login(admins.uni, tree.uni).post(reverse("transfers:handle") + "?tab=batch", data)
    assert r.status_code == 400 and message in r.content.decode()
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_a.pk
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_branch_to_allocate(tree, admins, member, login, junk):
    """SEC-06 / TRF-03: 分配团支部 with a malformed branch id → 400, the transfer still waits."""
    (t,) = services.start_outbound(tree.branch_a, [member], tree.col_b, by=admins.branch_a, reason=Reason.OTHER)
    t = services.act(tree.col_b, t, "approve", by=admins.col_b)
    assert t.state == State.ALLOCATING
    r = login(admins.col_b, tree.col_b).post(
        reverse("transfers:detail", args=[t.pk]), {"action": "allocate", "branch": junk}
    )
    assert r.status_code == 400 and "请选择分配的团支部" in r.content.decode()
    t.refresh_from_db()
    assert (t.state, t.to_branch_id) == (State.ALLOCATING, None)


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_target_of_my_transfer(tree, member, login, junk):
    """SEC-06 / TRF-04: a member's 团组织关系转交申请表 with a malformed target → 400, nothing filed."""
    data = {"target": junk, "reason": Reason.JOB_CHANGE, "school_name": "", "school_address": ""}
    r = login(member).post(reverse("transfers:my"), data)
    assert r.status_code == 400 and "请选择转入组织" in r.content.decode()
    assert not Transfer.objects.exists()
