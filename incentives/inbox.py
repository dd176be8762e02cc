"""操作中心 kind (OPC-01): every incentive record waiting for the acting org, of all kinds, as one
type 团内激励认证. Handled once, it leaves every entitled admin's list (OPC-02)."""

from django.urls import reverse

from zhtj.core import inbox, sent

from .choices import Kind, State
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


LISTS = {
    Kind.JOINING: "incentives:joining",
    Kind.EVALUATION: "incentives:evaluation",
    Kind.HONOR: "incentives:honors",
    Kind.OPPORTUNITY: "incentives:opportunity",
    Kind.DEVELOPMENT: "incentives:development",
    Kind.TRACK_UPDATE: "incentives:development",
}


@sent.register("incentive_sent", "团内激励认证")
class SentIncentives:
    @staticmethod
    def filed(request):
        """INC-13 / INC-09: records the acting org made that wait for 上级认证 (or the granting org)."""
        waiting = IncentiveRecord.objects.filter(recorder=request.acting_org, state__in=(State.PENDING, State.GRANTOR))
        return inbox.newest_first(waiting)

    @staticmethod
    def describe(obj):
        # INC-13: the recorder may delete until the first approval (`deletable`, as delete_record checks)
        delete = sent.Withdraw(reverse("incentives:record_delete", args=[obj.pk]), obj, "删除", "delete")
        return sent.Line(
            f"{obj.get_kind_display()}：{obj.summary}",
            obj.get_state_display(),
            reverse(LISTS[obj.kind]),
            obj.created_at,
            delete if obj.deletable else None,
        )
