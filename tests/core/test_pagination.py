"""zhtj.core.pagination: a page costs a COUNT and its rows, whatever the list's length (issue 17)."""

from django.test import RequestFactory

from orgs.models import Organization
from tests import factories as f
from zhtj.core.pagination import paginate


def test_a_page_costs_the_same_queries_short_or_long(db, django_assert_num_queries, settings):
    root = f.leadership("团中央")
    for i in range(3):
        f.branch(root, f"第{i}团支部")
    rows = Organization.objects.order_by("pk")
    for size, expected in ((5, 4), (3, 3)):  # all on page 1, then a page of a longer list
        settings.ZHTJ = settings.ZHTJ | {"LIST_PAGE_SIZE": size}
        with django_assert_num_queries(2):
            page = paginate(RequestFactory().get("/"), rows)
            assert page.paginator.count == 4 and len(page.object_list) == expected
    for bounded in (False, True):  # an empty list runs its (empty) rows query too: the same SQL
        with django_assert_num_queries(2):
            page = paginate(RequestFactory().get("/"), rows.filter(pk=0), bounded=bounded)
            assert page.paginator.count == 0 and list(page.object_list) == []
    page = paginate(RequestFactory().get("/?page=2"), rows)
    assert [o.name for o in page.object_list] == ["第2团支部"] and page.param == "page"
    assert paginate(RequestFactory().get("/?page=x"), rows).number == 1  # junk → the first page
