"""Figures of every org's subtree, kept by triggers in the transaction of the change (STAT-03, BEY-08).

团内大数据 at 团中央 grouped two million members on every request (0.6 s a chart on an idle
machine, seconds under load), and 截止事项 counted 320,000 unverified members the same way. So
PostgreSQL keeps, for every org, how many members of its subtree there are per value of each
dimension (`members/figures.py` lists them: birth date, 民族, 学历, join year, archive due day):
one `SubtreeFigure` row per (org, dimension, value). A chart of any subtree reads its org's rows
-- a few thousand at most, whatever the size of the country.

**How the rows stay exact without a national lock (migration 0015).** Statement triggers on
people and e-archives write the statement's changes, summed per (ancestor, dimension, value), as
`FigureDelta` rows of the transaction (inserts only: nothing is locked). At COMMIT a deferred
trigger adds them to `SubtreeFigure` in one INSERT … ON CONFLICT in key order and deletes them, so
the shared rows are locked only for that statement, always in the same order (no deadlock between
two imports), and a reader of the committed rows never sees half of a transaction. A reader
inside the changing transaction sees its own deltas too: the figures read `SubtreeFigure` plus
the visible `FigureDelta` rows (only the reader's own transaction's are visible), so a page
rendered after a change in the same transaction -- and every test -- sees the new figure.

SQLite (development, the fast test run) has no such triggers: there the figures are grouped live
from the people table, as before.
"""

from django.db import models


class SubtreeFigure(models.Model):
    """How many members of `org_id`'s subtree have `key` as their value of `dim`."""

    # not a foreign key: a deleted org leaves its (zero) rows behind, and a delete never waits on them
    org_id = models.BigIntegerField("组织")
    dim = models.CharField("维度", max_length=8)
    key = models.CharField("取值", max_length=40, blank=True)
    n = models.BigIntegerField("人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "下级团员统计"
        constraints = [models.UniqueConstraint(fields=["org_id", "dim", "key"], name="members_figure_key")]

    def __str__(self):
        return f"{self.org_id} {self.dim} {self.key}: {self.n}"


class FigureDelta(models.Model):
    """A transaction's changes to `SubtreeFigure`, until its COMMIT adds them (see above)."""

    txid = models.BigIntegerField()
    org_id = models.BigIntegerField()
    dim = models.CharField(max_length=8)
    key = models.CharField(max_length=40, blank=True)
    n = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["org_id", "dim"], name="members_figuredelta_org"),
            models.Index(fields=["txid"], name="members_figuredelta_txid"),
        ]

    def __str__(self):
        return f"{self.txid}: {self.org_id} {self.dim} {self.key} {self.n:+d}"


class FigureTransaction(models.Model):
    """One row per transaction with deltas: its deferred trigger applies them at COMMIT."""

    txid = models.BigIntegerField(primary_key=True)

    def __str__(self):
        return str(self.txid)
