"""入团激励 list (INC-15, ROLE-02, TRF-08): the list shows exactly the records the acting org may
see -- recorded in its subtree, or of a member now in its subtree -- newest first, whichever way
it is computed (on PostgreSQL a union of the ways, each newest-first and bounded, issue 17)."""

import re
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incentives.choices import Kind
from incentives.models import IncentiveRecord
from tests import factories as f


def _listed(client):
    page = client.get("/incentives/joining/").content.decode()
    return [int(pk) for pk in re.findall(r'data-record="(\d+)"', page)] or page


def test_the_list_is_the_visible_records_newest_first(inc, login, client):
    moved = inc.members[0]
    moved.branch = inc.tree.branch_b  # a transfer: the record follows the member (TRF-08)
    moved.save()
    records = IncentiveRecord.objects.filter(kind=Kind.JOINING)
    newest = list(records.order_by("-created_at", "-pk").values_list("pk", flat=True))
    mine = records.get(person=moved).pk
    login(inc.uni_admin, inc.tree.uni)
    assert _listed(client) == newest
    login(inc.col_admin, inc.tree.col_a)  # recorded in its subtree: all ten
    assert _listed(client) == newest
    login(inc.col_b_admin, inc.tree.col_b)  # only the member who moved into it
    assert _listed(client) == [mine]


def test_the_central_list_reads_every_record_only_while_it_holds_every_org(inc, login, client):
    """ROLE-02 (issue 17.3): 团中央, whose subtree holds every org, lists every record newest first
    without checking each; a second root's records stay out of its list, and it sees its own only."""
    records = IncentiveRecord.objects.filter(kind=Kind.JOINING)
    central_admin = f.admin_of(inc.tree.central, "团中央管理员")
    login(central_admin, inc.tree.central)
    assert _listed(client) == list(records.order_by("-created_at", "-pk").values_list("pk", flat=True))
    other = f.leadership("另一个根组织")
    stranger = f.person("根外团员", branch=f.branch(other, "根外团支部"), joined_month=date(2018, 5, 1))
    theirs = records.get(person=stranger).pk
    assert theirs not in _listed(client) and len(_listed(client)) == 10
    login(f.admin_of(other, "根外管理员"), other)
    assert _listed(client) == [theirs]


def test_an_empty_list_runs_the_same_queries(inc, login, client):
    """Issue 17: a page's SQL is the same at every size -- 学院B团委's empty 入团激励 list costs what
    学院A团委's list of ten does (the page's rows are still read, by an id no record has)."""

    def queries(admin, org):
        login(admin, org)
        with CaptureQueriesContext(connection) as captured:
            client.get("/incentives/joining/")
        return len(captured.captured_queries)

    assert queries(inc.col_b_admin, inc.tree.col_b) == queries(inc.col_admin, inc.tree.col_a)
