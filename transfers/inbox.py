"""操作中心 providers of transfers (OPC-01, TRF-04)."""

from django.urls import reverse

from zhtj.core import inbox
from zhtj.core.paths import path_for

from .choices import OPEN_STATES
from .models import Transfer
from .services import pending_q


@inbox.register(Transfer.inbox_kind, "组织关系转接")
class TransferProvider:
    @staticmethod
    def pending(request):
        """TRF-12 / OPC-02: the open steps the acting org may handle; gone once anyone handles it."""
        return inbox.newest_first(
            Transfer.objects.filter(pending_q(request.acting_org)).select_related("person", "from_branch", "target"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"{obj.person.name}组织关系转接（{obj.from_branch.name} → {obj.target.name}）：{obj.get_state_display()}",
            path_for("transfers:detail", obj.pk),
        )


@inbox.register("transfer_mine", "组织关系转接进度", audience="member")
class MyTransferProvider:
    @staticmethod
    def pending(request):
        """TRF-04: the member's own open transfer, with its current step."""
        return inbox.newest_first(
            Transfer.objects.filter(person=request.user, state__in=OPEN_STATES).select_related("from_branch", "target"),
            "created_at",
        )

    @staticmethod
    def describe(obj):
        return (
            f"我的组织关系转接（{obj.from_branch.name} → {obj.target.name}）：{obj.get_state_display()}",
            reverse("transfers:my"),
        )
