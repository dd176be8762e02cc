"""组织录入情况's summary figures, kept by triggers in the transaction of the change (ORG-11, STAT-03).

The summary sentence counts, for one level below an org, its orgs, those logged in, those whose
info is complete and those with direct sub-orgs. At 团中央 that level is up to two million orgs of
the country, aggregated on every request (0.3 s at 100,000 orgs, 1–8 s nationally). So PostgreSQL
keeps, for every org at the top of the country (level ≤ `orgs.level_figures.DEEPEST`), one row per
level of its subtree with the four counts: the page reads a handful of rows. Below those levels a
subtree holds at most thousands of orgs, counted live from the index on (level, tree_id, lft).

The rows stay exact without a national lock the way members/models_figures.py does it (migration
orgs/0013): a statement trigger on the orgs writes the statement's changes as `LevelDelta` rows of
the transaction (inserts only), and at COMMIT a deferred trigger adds them to `LevelFigure` in one
statement in key order. A reader adds its own transaction's deltas, so the figures are exact inside
the changing transaction too. SQLite counts live.
"""

from django.db import models


class LevelFigure(models.Model):
    """The orgs at `level` (the country's depth, 团中央 0) of `org_id`'s subtree, the org itself not counted."""

    # not a foreign key: a deleted org leaves its (zero) rows behind, and a delete never waits on them
    org_id = models.BigIntegerField("组织")
    level = models.PositiveSmallIntegerField("层级")
    total = models.BigIntegerField("组织数", default=0)
    logged_in = models.BigIntegerField("已登录", default=0)
    complete = models.BigIntegerField("信息完整", default=0)
    with_children = models.BigIntegerField("已建下级", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "组织录入情况统计"
        constraints = [models.UniqueConstraint(fields=["org_id", "level"], name="orgs_level_figure_key")]

    def __str__(self):
        return f"{self.org_id} L{self.level}: {self.total}"


class LevelDelta(models.Model):
    """A transaction's changes to `LevelFigure`, until its COMMIT adds them."""

    txid = models.BigIntegerField()
    org_id = models.BigIntegerField()
    level = models.PositiveSmallIntegerField()
    total = models.BigIntegerField()
    logged_in = models.BigIntegerField()
    complete = models.BigIntegerField()
    with_children = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["org_id"], name="orgs_leveldelta_org"),
            models.Index(fields=["txid"], name="orgs_leveldelta_txid"),
        ]

    def __str__(self):
        return f"{self.txid}: {self.org_id} L{self.level} {self.total:+d}"


class LevelTransaction(models.Model):
    """One row per transaction with deltas: its deferred trigger applies them at COMMIT."""

    txid = models.BigIntegerField(primary_key=True)

    def __str__(self):
        return str(self.txid)
