"""Org creation at any size (issue 18): one org through the real path (`orgs.suborgs.create_suborg`,
its transaction, its lock and its audit row) under the three kinds of parent the country creates
under, and the same creations in two provinces at once against one -- each concurrent path a
process of its own, with its own connection.

Each creation commits, as an admin's would; every org created is deleted again at the end
(`delete_suborg`), so the data is left as it was found."""

import multiprocessing
import os
import statistics
import time

from django.db import connection, connections

from orgs.choices import LeadershipLevel, OrgCategory
from orgs.models import Organization
from orgs.suborgs import create_suborg, delete_suborg
from zhtj.core import tree

# (label, what the parent is, the category created, the short name's suffix)
KINDS = (
    ("县级团委下新建乡镇团委（新的一棵树）", "county", OrgCategory.COMMITTEE, "团委"),
    ("高校团委下新建学院团委（高校的树内）", "university", OrgCategory.COMMITTEE, "团委"),
    ("年级团总支下新建团支部（学校的树内）", "grade", OrgCategory.BRANCH, "团支部"),
)


def parents(kind, within=None, count=20):
    """`count` parents of a kind (spread over the data by their ids), inside `within`'s subtree."""
    orgs = Organization.objects.all() if within is None else Organization.objects.subtree_of(within)
    if kind == "county":
        orgs = orgs.filter(leadership_level=LeadershipLevel.COUNTY)
    elif kind == "university":
        orgs = orgs.filter(category=OrgCategory.COMMITTEE, tree_level=0).exclude(school_code="")
    else:
        orgs = orgs.filter(category=OrgCategory.GENERAL_BRANCH)
    pks = list(orgs.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(pks) // count)
    return list(Organization.objects.filter(pk__in=pks[::step][:count]))


class CreationBenchmark:
    def __init__(self, per_kind=20, concurrent=100, log=print):
        self.per_kind, self.concurrent, self.log = per_kind, concurrent, log
        self.created = []
        self.rows = []  # (label, median ms, max ms, n, tree size median)
        self.concurrency = {}
        self.pids = set()  # the processes the concurrent paths ran in
        self.locking = {}  # run -> seconds its paths spent in the statements that lock (SELECT … FOR UPDATE)

    def _create(self, parent, suffix, category, n):
        name = f"基准{n}{suffix}"
        started = time.perf_counter()
        org = create_suborg(parent, name, category, f"基准测试{name}")
        elapsed = time.perf_counter() - started
        self.created.append(org.pk)
        return elapsed

    def run(self):
        try:
            self._single()
            self._concurrent()
        finally:
            self.cleanup()

    def _single(self):
        n = 0
        for label, kind, category, suffix in KINDS:
            found = parents(kind, count=self.per_kind)
            if not found:
                continue
            times, sizes, trips = [], [], []
            for parent in found:
                root = Organization.objects.get(tree.tree_root_q(parent))
                sizes.append(tree.size(root) or 1)
                n += 1
                times.append(self._create(parent, suffix, category, n))
                trips.append(self._round_trip())
            ms = sorted(1000 * t for t in times)
            trip = statistics.median(1000 * t for t in trips)
            self.rows.append((label, statistics.median(ms), ms[-1], len(ms), statistics.median(sizes), trip))
            self.log(f"  {label}: 中位数 {statistics.median(ms):.1f} ms（{len(ms)} 次；一次往返 {trip:.1f} ms）")

    @staticmethod
    def _round_trip():
        """One `SELECT 1`: what a query costs on this machine right now, beside each creation (the
        creation is eleven queries; on a loaded machine most of its time is waiting for the CPU)."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return time.perf_counter() - started

    def _province_parents(self):
        """Grade 团总支 of the two largest provinces (by their number of orgs), `concurrent` each."""
        provinces = Organization.objects.filter(leadership_level=LeadershipLevel.PROVINCE)
        by_size = sorted(provinces, key=lambda p: -Organization.objects.subtree_of(p).count())[:2]
        return [parents("grade", within=p, count=self.concurrent) for p in by_size]

    def _concurrent(self):
        """`concurrent` creations in province A alone, then in A and B at once, then two paths of
        `concurrent` at once in one tree (under A's first parent: every creation of either path locks
        the same root, so they queue -- two paths over the same list of trees would only trail each
        other by one tree, and overlap). Each path runs
        in a process of its own with its own connection: a creation is mostly Python, so two threads
        of one process take turns under the GIL whatever the database does, and "two provinces"
        could not be told from "the same trees"."""
        a, b = self._province_parents()
        if not a or not b:
            return
        self.concurrency = {
            "one": self._processes(1, a),
            "two_provinces": self._processes(2, a, b),
            "same_trees": self._processes(3, [a[0]] * len(a), [a[0]] * len(a)),
            "n": len(a),
        }
        # Waiting is what tells queueing from sharing a busy CPU: the seconds in the locking statements
        self.concurrency["locking"] = [self.locking.get(run, 0) for run in (1, 2, 3)]
        self.log(
            f"  {len(a)} 次创建（每路一个进程）：一个省 {self.concurrency['one']:.2f} 秒；"
            f"两个省同时 {self.concurrency['two_provinces']:.2f} 秒；同一棵树两路同时 {self.concurrency['same_trees']:.2f} 秒"
            "（其中加锁语句 " + " / ".join(f"{t:.2f}" for t in self.concurrency["locking"]) + " 秒）"
        )

    def _processes(self, run, *paths):
        """Each list of parents in its own forked process, all released at once: the seconds from
        the first start to the last finish (process start-up and connecting are not counted)."""
        ctx = multiprocessing.get_context("fork")
        barrier, results = ctx.Barrier(len(paths)), ctx.Queue()
        connections.close_all()  # a forked child must not share the parent's socket
        workers = [
            ctx.Process(target=_path, args=([p.pk for p in parents], 10**6 * run + 10**5 * i, barrier, results))
            for i, parents in enumerate(paths)
        ]
        for w in workers:
            w.start()
        done = [results.get() for _ in workers]  # before join: a child exits once its result is taken
        for w in workers:
            w.join()
        for _, _, created, _, pid, locking in done:
            self.created += created
            self.pids.add(pid)
            self.locking[run] = self.locking.get(run, 0) + locking
        failed = [error for _, _, _, error, _, _ in done if error]
        if failed:
            raise RuntimeError(f"并发创建失败：{failed[0]}")
        return max(end for _, end, *_ in done) - min(start for start, *_ in done)

    def cleanup(self):
        for pk in reversed(self.created):
            org = Organization.objects.filter(pk=pk).first()
            if org is not None:
                delete_suborg(org)
        self.created = []

    def table(self):
        lines = [
            "| 操作 | 中位数 | 最大 | 次数 | 所在树的组织数（中位数） | 同时一次 SELECT 1 往返（中位数） |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for label, median, worst, n, size, trip in self.rows:
            lines.append(f"| {label} | {median:.1f} ms | {worst:.1f} ms | {n} | {size:.0f} | {trip:.1f} ms |")
        c = self.concurrency
        if c:
            lines += [
                "",
                f"并发：{c['n']} 次创建（年级团总支下新建团支部，各自提交，每路一个进程）——一个省单独 {c['one']:.2f} 秒；"
                f"两个省同时各 {c['n']} 次 {c['two_provinces']:.2f} 秒；同一棵树两路同时各 {c['n']} 次 {c['same_trees']:.2f} 秒（排队）。"
                "各路在加锁语句（SELECT … FOR UPDATE）里共用 " + " / ".join(f"{t:.2f}" for t in c["locking"]) + " 秒。",
            ]
        return "\n".join(lines)


def _path(parent_pks, first, barrier, results):
    """One concurrent path, in a forked process: connect and load the parents, wait for the others,
    create one branch under each parent in turn (each its own transaction), and report (start,
    finish, created pks, error, pid, seconds in locking statements). `time.monotonic` is the system's clock, the same in every process."""
    created, error, started, locking = [], "", None, [0.0]

    def timed_locks(execute, sql, params, many, context):
        began = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            if "FOR UPDATE" in sql:
                locking[0] += time.monotonic() - began

    try:
        parents = Organization.objects.in_bulk(parent_pks)
        barrier.wait(timeout=600)
        started = time.monotonic()
        with connection.execute_wrapper(timed_locks):
            for n, pk in enumerate(parent_pks, first):
                name = f"基准{n}团支部"
                created.append(create_suborg(parents[pk], name, OrgCategory.BRANCH, f"基准测试{name}").pk)
    except Exception as exc:  # reported to the parent, which deletes what was created and raises
        error = repr(exc)
    finally:
        finished = time.monotonic()
        results.put((started or finished, finished, created, error, os.getpid(), locking[0]))
        connections.close_all()
