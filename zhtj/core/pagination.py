"""Django's paginator, but a list that fits on its first page costs no COUNT(*).

The first page is read with one extra row; when it holds every row, that is the count. When it
doesn't, the count is asked for as usual -- so a list runs the same queries as before, or one fewer.
"""

from django.core.paginator import Paginator as DjangoPaginator


class Paginator(DjangoPaginator):
    def get_page(self, number):
        if str(number or "1") != "1" or "count" in self.__dict__:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.count = len(rows)  # the cached_property, answered without asking the database
        return self._get_page(rows[: self.per_page], 1, self)
