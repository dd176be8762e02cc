"""操作中心 kinds of transfers (OPC-01, TRF-04)."""

from zhtj.core import inbox, sent
from zhtj.core.paths import path_for

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


@sent.register("transfer_sent", "组织关系转接")
class SentTransfers:
    @staticmethod
    def filed(request):
        """TRF-01: the open transfers the acting org started (办理转出 / 办理转入 / the receiving side's
        steps still ahead), wherever they wait now."""
        open_ = Transfer.objects.filter(initiator_org=request.acting_org, state__in=OPEN_STATES)
        return inbox.newest_first(open_.select_related("person", "from_branch", "target"))

    @staticmethod
    def describe(obj):
        url = path_for("transfers:detail", obj.pk)
        return sent.Line(
            f"{obj.person.name}（{obj.from_branch.name} → {obj.target.name}）",
            obj.get_state_display(),
            url,
            obj.created_at,
            # TRF-10: the transition's own condition (a 学社衔接 transfer only in 申请期)
            sent.Withdraw(url, obj) if obj.withdrawable() else None,
        )
