from . import inbox, replica
from .navigation import menu_for, trail


def shell(request):
    """What the base layout needs: menu and 当前位置 (NAV-01), acting org, org switcher, 操作中心 count, and 数据截至 for a
    page read from a lagging replica (after the figures: they may be the first reads)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.must_change_password:
        return {}
    return {
        "menu": menu_for(request),
        "crumbs": trail(request),
        "acting_org": request.acting_org,
        "admin_orgs": request.admin_orgs,
        "inbox_count": inbox.pending_count(request),
        "unread_count": inbox.unread_count(request),
        "replica_as_of": replica.as_of(request),
    }
