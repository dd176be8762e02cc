"""The one way a list is cut into pages (issue 17: no unbounded page).

`paginate(request, rows)` reads `?page=` (junk or out of range → the nearest real page), cuts
`rows` with a LIMIT/OFFSET and counts them with one COUNT(*) -- a constant number of queries
whatever the size of the list. `{% pager page %}` (templates/includes/pager.html) draws 上一页 /
下一页 and 共 N 条, its links keeping every other query parameter, so filters survive paging.

Every page costs the same two queries (the COUNT and the rows), a short list too: a page's SQL
is the same at every size of the data (issue 17's crawl compares it at two sizes).
"""

from django.conf import settings
from django.core.paginator import Paginator


def page_size(key="LIST_PAGE_SIZE"):
    return settings.ZHTJ[key]


def paginate(request, rows, *, size_key="LIST_PAGE_SIZE", param="page", noun="条"):
    """The page of `rows` the request asks for; `param` names the query parameter when a page
    holds two lists, `noun` is what the total counts (条, 个组织 …)."""
    page = Paginator(rows, page_size(size_key)).get_page(request.GET.get(param))
    page.param, page.noun = param, noun
    return page
