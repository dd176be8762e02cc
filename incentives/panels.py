"""A member's incentive record (INC-01) on the members' person page, via zhtj.core.panels."""

from zhtj.core import panels

from .services import records_of


@panels.register
def incentive_panel(request, person):
    return ("团内激励", "incentives/_records_panel.html", {"records": list(records_of(person))})
