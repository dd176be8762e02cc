"""Issue 17: a list whose scope can be the whole country (团员列表 …) counts at most
LIST_COUNT_MAX rows (zhtj/core/pagination.py): a longer one says 共 N 条以上 and pages through
its first N rows; a shorter one shows its exact total. The same two queries either way."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Person
from tests import factories as f


@pytest.fixture
def small_pages(settings):
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 2, "LIST_COUNT_MAX": 3}


def _members(branch, n):
    Person.objects.bulk_create(
        Person(
            id_number=f.new_id_number(date(2006, 1, i + 1)),
            name=f"成员{i}",
            birth_date=date(2006, 1, i + 1),
            branch=branch,
        )
        for i in range(n)
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    return page, len(queries.captured_queries)


def test_a_long_list_counts_to_the_bound(login, tree, small_pages):
    c = login(f.admin_of(tree.uni), tree.uni)
    _members(tree.branch_a, 3)
    exact, n_exact = _queries(c, "/members/")
    assert "共 3 条" in exact and "条以上" not in exact
    _members(tree.branch_b, 4)
    page, n = _queries(c, "/members/")
    assert "共 3 条以上" in page and 'rel="next"' in page
    assert n == n_exact
    last = c.get("/members/?page=9").content.decode()  # beyond the counted rows: the last counted page
    assert "第 2 / 2 页" in last and 'rel="next"' not in last


def test_a_filter_gives_the_exact_total_again(login, tree, small_pages):
    c = login(f.admin_of(tree.uni), tree.uni)
    _members(tree.branch_a, 2)
    _members(tree.branch_b, 5)
    page = c.get(f"/members/?branch={tree.branch_a.pk}").content.decode()
    assert "共 2 条" in page and "条以上" not in page
