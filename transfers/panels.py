"""A member's transfers on the members' person page (TRF-08, BEY-05), via zhtj.core.panels: every
transfer with its state and the reason of a refusal or a return."""

from zhtj.core import panels

from .models import Transfer


@panels.register
def transfer_panel(request, person):
    rows = list(
        Transfer.objects.filter(person=person)
        .select_related("from_branch", "target", "to_branch")
        .order_by("-created_at")[:20]
    )
    return ("组织关系转接记录", "transfers/_person_panel.html", {"transfers": rows}) if rows else None
