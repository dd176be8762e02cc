"""Fixtures shared by the graduation tests (the page tests and the module's own direct tests)."""

import pytest

from tests import factories as f


@pytest.fixture
def school(tree):
    """Two more class branches under 学院A团委, admins of the school-domain orgs and of the province."""

    class School:
        pass

    s = School()
    s.tree = tree
    s.a2 = f.branch(tree.col_a, "2023级2班团支部")
    s.a3 = f.branch(tree.col_a, "2024级1班团支部")
    s.col_a = f.admin_of(tree.col_a, "学院A书记")
    s.uni = f.admin_of(tree.uni, "校团委书记")
    s.province = f.admin_of(tree.province, "省团委管理员")
    return s
