"""zhtj.core.sqlcache: compiled (and, on PostgreSQL, prepared) SQL gives what the ORM gives, live."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Organization
from tests import factories as f
from zhtj.core import sqlcache


def count_below(org):
    return sqlcache.fetch(("test_count_below", org.pk), lambda: Organization.objects.filter(parent=org).values("pk"))


def test_answers_stay_live_and_compile_once(tree, settings):
    """BEY-01: only the SQL is kept; a new sub-org shows at once. The statement is compiled once per
    key and, on PostgreSQL, prepared once per connection (one round trip either way)."""
    first = count_below(tree.uni)
    assert sorted(pk for (pk,) in first) == sorted([tree.col_a.pk, tree.col_b.pk])
    f.OrgFactory(name="学院C团委", parent=tree.uni)
    with CaptureQueriesContext(connection) as queries:
        again = count_below(tree.uni)
    assert len(again) == 3 and len(queries) == 1
    if connection.vendor == "postgresql" and settings.ZHTJ["PREPARED_STATEMENTS"]:  # off behind a pooler
        assert queries[0]["sql"].startswith("EXECUTE zhtj_")
    settings.ZHTJ = settings.ZHTJ | {"PREPARED_STATEMENTS": False}
    with CaptureQueriesContext(connection) as queries:
        assert len(count_below(tree.uni)) == 3
    assert not queries[0]["sql"].startswith(("EXECUTE", "PREPARE"))


def test_org_state_key_changes_with_the_org(tree):
    before = sqlcache.org_state(tree.col_a)
    tree.col_a.category = "general_branch"
    assert sqlcache.org_state(tree.col_a) != before and sqlcache.org_state(None) is None
