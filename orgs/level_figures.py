"""Reading 组织录入情况's trigger-kept figures (orgs/models_levels.py, migration orgs/0013).

`kept(org)` says whether the database keeps the org's figures (PostgreSQL, the top levels of the
country); `by_level(org)` reads them in ONE query: the committed rows plus the reader's own
transaction's deltas (other transactions' are invisible), so a page rendered after a change in the
same transaction -- and every test -- sees the new figure.
"""

from django.db import connection

# 团中央 0, provincial 1, city organs 2 (members.figures.DEEPEST, for the same reason): below, a
# subtree holds at most thousands of orgs, counted live from the index on (level, tree_id, lft).
DEEPEST = 2

FIGURES = ("total", "logged_in", "complete", "with_children")

_SQL = """
SELECT level, SUM(total), SUM(logged_in), SUM(complete), SUM(with_children) FROM (
  SELECT level, total, logged_in, complete, with_children FROM orgs_levelfigure WHERE org_id = %(org)s
  UNION ALL
  SELECT level, total, logged_in, complete, with_children FROM orgs_leveldelta WHERE org_id = %(org)s
) f GROUP BY level HAVING SUM(total) <> 0"""


def kept(org):
    """Does the database keep `org`'s figures (PostgreSQL, an org at level ≤ DEEPEST)?"""
    return connection.vendor == "postgresql" and org.level <= DEEPEST


def by_level(org):
    """{level (团中央 0): {total, logged_in, complete, with_children}} of the orgs below `org`,
    levels without an org left out."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL, {"org": org.pk})
        return {row[0]: dict(zip(FIGURES, map(int, row[1:]), strict=True)) for row in cursor.fetchall()}
