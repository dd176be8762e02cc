"""The one way a list is cut into pages (issue 17: no unbounded page).

`paginate(request, rows)` reads `?page=` (junk or out of range → the nearest real page), cuts
`rows` with a LIMIT/OFFSET and counts them with one COUNT(*) -- a constant number of queries
whatever the size of the list. `{% pager page %}` (templates/includes/pager.html) draws 上一页 /
下一页 and 共 N 条, its links keeping every other query parameter, so filters survive paging.

A first page that holds every row costs no COUNT: it is read with one extra row, and when that
row is missing the count is known.
"""

from django.conf import settings
from django.core.paginator import Paginator as DjangoPaginator


class Paginator(DjangoPaginator):
    def get_page(self, number):
        if str(number or "1") != "1" or "count" in self.__dict__:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.count = len(rows)  # the cached_property, answered without asking the database
        return self._get_page(rows[: self.per_page], 1, self)


def page_size(key="LIST_PAGE_SIZE"):
    return settings.ZHTJ[key]


def paginate(request, rows, *, size_key="LIST_PAGE_SIZE", param="page", noun="条"):
    """The page of `rows` the request asks for; `param` names the query parameter when a page
    holds two lists, `noun` is what the total counts (条, 个组织 …)."""
    page = Paginator(rows, page_size(size_key)).get_page(request.GET.get(param))
    page.param, page.noun = param, noun
    return page
