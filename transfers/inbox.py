"""操作中心 kinds of transfers (OPC-01, TRF-04)."""

from zhtj.core import inbox

from .choices import OPEN_STATES
from .models import Transfer
from .services import pending_q

inbox.declare(
    inbox.Kind(
        Transfer.inbox_kind,
        "组织关系转接",
        # TRF-12 / OPC-02: the open steps the acting org may handle; gone once anyone handles it.
        # Every org can have some: a branch sends and receives, a committee approves and allocates.
        pending=lambda org: Transfer.objects.filter(pending_q(org)).select_related("person", "from_branch", "target"),
        title=lambda t: (
            f"{t.person.name}组织关系转接（{t.from_branch.name} → {t.target.name}）：{t.get_state_display()}"
        ),
        url="transfers:detail",
    ),
    inbox.Kind(
        "transfer_mine",
        "组织关系转接进度",
        # TRF-04: the member's own open transfer, with its current step
        pending=lambda person: Transfer.objects.filter(person=person, state__in=OPEN_STATES).select_related(
            "from_branch", "target"
        ),
        title=lambda t: f"我的组织关系转接（{t.from_branch.name} → {t.target.name}）：{t.get_state_display()}",
        url="transfers:my",
        url_arg=None,
        audience="member",
    ),
)
