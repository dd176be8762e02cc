"""A member's incentive record (INC-01) on the members' person page, via zhtj.core.panels."""

from zhtj.core import panels
from zhtj.core.pagination import paginate

from .models import Evaluation
from .services import records_of


@panels.register
def incentive_panel(request, person):
    return (
        "团内激励",
        "incentives/_records_panel.html",
        {"records": paginate(request, records_of(person), param="records")},
    )


@panels.register(slot="education_review")
def education_review_panel(request, person):
    """ME-01: the member's own 团员教育评议 results (两制) on 三会·两制·一课, newest year first."""
    results = list(
        Evaluation.objects.filter(person=person)
        .select_related("record")
        .order_by("-year")
        .only("year", "grade", "record__state")
    )
    return ("团员教育评议", "incentives/_education_review.html", {"evaluations": results}) if results else None
