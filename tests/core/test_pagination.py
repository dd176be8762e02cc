"""zhtj.core.pagination: a list that fits on its first page costs no COUNT(*); others page as usual."""

from orgs.models import Organization
from tests import factories as f
from zhtj.core.pagination import Paginator


def test_first_page_without_count(db, django_assert_num_queries):
    root = f.leadership("团中央")
    for i in range(3):
        f.branch(root, f"第{i}团支部")
    with django_assert_num_queries(1):
        page = Paginator(Organization.objects.order_by("pk"), 5).get_page("1")
        assert page.paginator.count == 4 and len(page.object_list) == 4 and not page.has_next()
    with django_assert_num_queries(2):
        page = Paginator(Organization.objects.order_by("pk"), 3).get_page(None)
        assert page.paginator.count == 4 and len(page.object_list) == 3 and page.has_next()
    page = Paginator(Organization.objects.order_by("pk"), 3).get_page("2")
    assert [o.name for o in page.object_list] == ["第2团支部"]
    assert Paginator(Organization.objects.none(), 3).get_page("1").paginator.count == 0
