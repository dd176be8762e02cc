"""操作中心 provider (OPC-01): every incentive record waiting for the acting org, of all kinds,
as one type 团内激励认证. Handled once, it leaves every entitled admin's list (OPC-02)."""

from django.urls import reverse

from zhtj.core import inbox

from .choices import Kind
from .models import IncentiveRecord


@inbox.register(IncentiveRecord.inbox_kind, "团内激励认证")
class IncentiveProvider:
    @staticmethod
    def pending(request):
        return inbox.newest_first(IncentiveRecord.objects.awaiting(request.acting_org).select_related("recorder"))

    @staticmethod
    def describe(obj):
        tab = Kind.DEVELOPMENT if obj.kind == Kind.TRACK_UPDATE else obj.kind
        return (
            f"{obj.recorder.name}提交{obj.get_kind_display()}：{obj.summary}",
            f"{reverse('incentives:certify')}?kind={tab}",
        )
