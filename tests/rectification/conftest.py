"""A campaign: 团山东省委 → 团青岛市委 → 测试大学团委 → 学院团委 (the committee) → six 团支部
(B1 … B6), plus the `tree` fixture's other orgs. Branches were founded in 2025; the clock stands
at 2026-10-10 10:00 (Asia/Shanghai), inside the September–December campaign."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orgs.choices import Industry
from rectification.choices import CHECK_CODES
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")
FOUNDED = datetime(2025, 3, 1, tzinfo=TZ)


def at(*args):
    return datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 10, 10, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def camp(tree, clock):
    class Campaign:
        pass

    c = Campaign()
    c.tree = tree
    c.committee = f.OrgFactory(name="学院团委", parent=tree.uni, industry=Industry.UNIVERSITY, created_at=FOUNDED)
    c.branches = [
        f.branch(c.committee, f"B{i}团支部", industry=Industry.UNIVERSITY, created_at=FOUNDED) for i in range(1, 7)
    ]
    c.admin = f.admin_of(c.committee, "学院团委书记")
    c.uni_admin = f.admin_of(tree.uni, "校团委书记")
    c.province_admin = f.admin_of(tree.province, "省团委管理员")
    c.branch_admins = [f.admin_of(b, f"{b.name}书记") for b in c.branches]
    for org in [c.committee, *c.branches]:
        org.refresh_from_db()
    return c


def answers(poor=0, fair=0):
    """Form data with `poor` items 较差, the next `fair` 一般, the rest 好."""
    data = {}
    for i, code in enumerate(CHECK_CODES):
        data[code] = "poor" if i < poor else "fair" if i < poor + fair else "good"
    return data


def form_data(poor=0, month="2026-10", **extra):
    return {"month": month, **answers(poor), **extra}
