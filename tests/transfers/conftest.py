import pytest

from tests import factories as f


@pytest.fixture
def admins(tree, fast_hasher):
    """An admin for each org of the tree, by attribute name."""

    class A:
        pass

    a = A()
    for name in ("uni", "col_a", "col_b", "branch_a", "branch_b", "city", "province"):
        setattr(a, name, f.admin_of(getattr(tree, name)))
    return a


@pytest.fixture
def member(tree, fast_hasher):
    return f.person("李团员", branch=tree.branch_a, password="x")
