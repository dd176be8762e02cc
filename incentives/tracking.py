"""推优入党 tracking (INC-12): the allowed next states per track, required dates, and how an
approved 更新状态 changes the record (`TrackUpdate.on_effective`). Every update is itself a pending request (TrackUpdate)."""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from zhtj.core.workflow import WorkflowError

from .choices import PartyCategory, State, TrackStatus
from .models import TrackUpdate

S = TrackStatus
_ACTIVIST_NEXT = (S.OBSERVING, S.DISQUALIFIED, S.DEV_TARGET)
_DEVELOPMENT_NEXT = (S.OBSERVING, S.DISQUALIFIED, S.JOINED)

# (track, current status) → the states an update may choose. Not yet confirmed by the party:
# still unconfirmed, now confirmed, or dropped. Confirmed activists: 处于考察期 / 被取消资格 /
# 被确定为发展对象 (then the development track); confirmed development targets: 处于考察期 /
# 被取消资格 / 已入党. 被取消资格 and 已入党 end the tracking.
NEXT = {
    (PartyCategory.ACTIVIST, S.UNCONFIRMED): (S.UNCONFIRMED, S.CONFIRMED, S.DISQUALIFIED),
    (PartyCategory.ACTIVIST, S.CONFIRMED): _ACTIVIST_NEXT,
    (PartyCategory.ACTIVIST, S.OBSERVING): _ACTIVIST_NEXT,
    (PartyCategory.DEVELOPMENT, S.UNCONFIRMED): (S.UNCONFIRMED, S.CONFIRMED, S.DISQUALIFIED),
    (PartyCategory.DEVELOPMENT, S.CONFIRMED): _DEVELOPMENT_NEXT,
    (PartyCategory.DEVELOPMENT, S.OBSERVING): _DEVELOPMENT_NEXT,
    (PartyCategory.DEVELOPMENT, S.DEV_TARGET): _DEVELOPMENT_NEXT,
}
# The date each state needs, with its label.
DATE_NEEDED = {S.CONFIRMED: "确定时间", S.DEV_TARGET: "确定时间", S.JOINED: "入党时间"}


def pending_update():
    """Whether a 推优 record has an 更新状态 waiting for the superior (INC-12), as an Exists over
    OuterRef("pk"): a Development's pk is its IncentiveRecord's, so it works on either queryset."""
    return Exists(TrackUpdate.objects.filter(development_id=OuterRef("pk"), record__state=State.PENDING))


def allowed_next(dev):
    return NEXT.get((dev.track, dev.status), ())


def check_update(dev, new_status, step_date):
    """INC-12: only an allowed next state, with its date (not in the future, not before the last
    step); raises WorkflowError with the reason. Returns the date to keep (None if not needed)."""
    if not dev.tracking:
        raise WorkflowError("该推优记录已结束跟踪，不能再更新状态。")
    if dev.record.state != State.APPROVED:
        raise WorkflowError("推优记录尚未通过上级认证，暂不能更新状态。")
    allowed = allowed_next(dev)
    if new_status not in allowed:
        names = "、".join(TrackStatus(s).label for s in allowed)
        raise WorkflowError(f"当前状态为“{dev.get_status_display()}”，只能更新为：{names}。")
    label = DATE_NEEDED.get(new_status)
    if label is None:
        if step_date is not None and new_status == S.UNCONFIRMED:  # INC-11
            raise WorkflowError("尚未被党组织确定的，不能填写确定时间。")
        return None
    if step_date is None:
        raise WorkflowError(f"更新为“{TrackStatus(new_status).label}”须填写{label}。")
    if step_date > timezone.localdate():
        raise WorkflowError(f"{label}不能晚于今天。")
    last, last_label = (dev.confirmed_on, "确定时间") if dev.confirmed_on else (dev.recommended_on, "推荐时间")
    if step_date < last:
        raise WorkflowError(f"{label}不能早于上一步的{last_label}（{last:%Y-%m-%d}）。")
    return step_date
