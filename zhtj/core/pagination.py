"""The one way a list is cut into pages (issue 17: no unbounded page).

`paginate(request, rows)` reads `?page=` (junk or out of range → the nearest real page), cuts
`rows` with a LIMIT/OFFSET and counts them with one COUNT(*) -- a constant number of queries
whatever the size of the list. `{% pager page %}` (templates/includes/pager.html) draws 上一页 /
下一页 and 共 N 条, its links keeping every other query parameter, so filters survive paging.

Every page costs the same two queries (the COUNT and the rows), a short or empty list too: a
page's SQL is the same at every size of the data (issue 17's crawl compares it at two sizes).

`bounded=True` (lists whose scope can be the whole country: 团员列表, 入团激励 …) counts at most
LIST_COUNT_MAX + 1 rows: a COUNT(*) of two million members is most of a second, while the
first LIST_COUNT_MAX of them are a few milliseconds. **(decision)** A longer list says 共 N 条以上
and pages through its first N rows; filters narrow it to an exact total.
"""

from functools import cached_property
from math import ceil

from django.conf import settings
from django.core.paginator import Paginator as DjangoPaginator


def page_size(key="LIST_PAGE_SIZE"):
    return settings.ZHTJ[key]


class Paginator(DjangoPaginator):
    """Django's Paginator, but an empty list still runs its rows query (an empty LIMIT): Django
    skips it when the COUNT is 0, so a page would cost one query less when its list is empty."""

    def page(self, number):
        page = super().page(number)
        if not self.count and hasattr(self.object_list, "query"):
            page.object_list = self.object_list[: self.per_page]
        return page


class BoundedPaginator(Paginator):
    """A Paginator whose COUNT stops at `most` + 1 rows (a LIMIT inside the COUNT)."""

    def __init__(self, rows, per_page, most):
        super().__init__(rows, per_page)
        self.most = most

    @cached_property
    def count(self):
        rows = self.object_list
        if hasattr(rows, "order_by"):
            return rows.order_by()[: self.most + 1].count()
        return min(len(rows), self.most + 1)

    @property
    def over(self):
        """More rows than `most`: the total shown is "`most` 条以上"."""
        return self.count > self.most

    @cached_property
    def num_pages(self):
        if self.over:  # the pages holding the first `most` rows
            return ceil(self.most / self.per_page)
        return super().num_pages


class ByIds:
    """A list read in two queries however its rows are found: the ids of its first `most` rows
    (`ids`, a values_list query in list order), then the rows of the page asked for, by primary key
    from `fetch`. For a bounded list whose query is costly (incentives/scope.py): it runs once, not
    once to count and once more for the page."""

    def __init__(self, ids, fetch, most):
        self.ids_query, self.fetch, self.most = ids, fetch, most

    @cached_property
    def ids(self):
        return list(self.ids_query[: self.most])

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, cut):
        ids = self.ids[cut]
        # an empty page still reads (an id no row has), as Paginator does: the same SQL at every size
        found = self.fetch.in_bulk(ids or [0])
        return [found[pk] for pk in ids if pk in found]


def paginate(request, rows, *, size_key="LIST_PAGE_SIZE", param="page", noun="条", bounded=False, count=None):
    """The page of `rows` the request asks for; `param` names the query parameter when a page
    holds two lists, `noun` is what the total counts (条, 个组织 …); `bounded`: count at most
    LIST_COUNT_MAX rows (above), or that many when it is a number; `count`: the total, when the
    page already has it from its own figures (no COUNT query)."""
    if bounded:
        most = settings.ZHTJ["LIST_COUNT_MAX"] if bounded is True else bounded
        paginator = BoundedPaginator(rows, page_size(size_key), most)
    else:
        paginator = Paginator(rows, page_size(size_key))
    if count is not None:
        paginator.count = count  # sets the cached property
    page = paginator.get_page(request.GET.get(param))
    page.param, page.noun = param, noun
    return page
