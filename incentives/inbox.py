"""操作中心 kind (OPC-01): every incentive record waiting for the acting org, of all kinds, as one
type 团内激励认证. Handled once, it leaves every entitled admin's list (OPC-02)."""

from django.urls import reverse

from zhtj.core import inbox

from .choices import Kind
from .models import IncentiveRecord


def _certify_tab(record):
    tab = Kind.DEVELOPMENT if record.kind == Kind.TRACK_UPDATE else record.kind
    return f"{reverse('incentives:certify')}?kind={tab}"


inbox.declare(
    inbox.Kind(
        IncentiveRecord.inbox_kind,
        "团内激励认证",
        # every org can have some: a superior decides its sub-orgs' records, and any org may be the
        # granting org of an honor, or the sub-org it names to approve in its stead (INC-09)
        pending=lambda org: IncentiveRecord.objects.awaiting(org).select_related("recorder"),
        title=lambda r: f"{r.recorder.name}提交{r.get_kind_display()}：{r.summary}",
        url=_certify_tab,
    )
)
