"""Which incentive records an acting org sees (ROLE-02, TRF-08)."""

from django.db.models import Q

from zhtj.core.access import acting_org_or_404
from zhtj.core.tree import subtree_q

from .models import IncentiveRecord


def visible_records(request):
    """Records recorded in the acting org's subtree, records whose subject now sits in it (they
    follow the member, TRF-08), and honors it grants or was delegated. Anything else is a 404."""
    org = acting_org_or_404(request)
    return IncentiveRecord.objects.filter(
        subtree_q(org, "recorder") | subtree_q(org, "person__branch") | Q(grantor=org) | Q(delegate=org)
    )
