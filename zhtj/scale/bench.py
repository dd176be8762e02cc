"""The benchmark beside its floors (issue 10).

Every operation runs our real code path several times (pages through Django's test client with the
whole middleware stack and a logged-in admin; jobs through `zhtj.core.jobs.run`; the import through
parse → validate → store) and its floor (zhtj/scale/floors.py) as many times, interleaved, and
reports both medians, their ratio, our SQL query count and whether the two answers agree. Jobs and
the import run in transactions that are rolled back, so the data stays as generated and every run
does the same work.
"""

import json
import logging
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import cadres as cadre_rules
from members import importing, stats
from members.models import Person
from members.views_people import filtered_members
from orgs.choices import LeadershipLevel, OrgCategory
from orgs.completeness import level_rows, level_summary
from orgs.models import Organization
from transfers.calendar import closing_start, period_of
from transfers.choices import OPEN_STATES
from transfers.jobs import days_before
from transfers.models import Transfer
from zhtj.core import idnumber, inbox, jobs
from zhtj.core.models import JobRun

from . import floors
from .logins import BenchError, client_for, request_for

PAGE_TARGET_MS = 300
JOB_TARGET_RATIO = 2
IMPORT_TARGET_RATIO = 3
THROUGHPUT_TARGET = 0.3


class Rollback(Exception):
    pass


def rolled_back(fn):
    """Run `fn` in a transaction that is undone afterwards; return what it returned."""
    box = {}
    try:
        with transaction.atomic():
            box["value"] = fn()
            raise Rollback
    except Rollback:
        pass
    return box["value"]


def ms(seconds):
    return seconds * 1000


@dataclass
class Result:
    key: str  # stable across data sizes: the query counts of two runs are compared by it
    name: str
    group: str  # page / job / import
    ours: list = field(default_factory=list)  # seconds
    floor: list = field(default_factory=list)
    queries: int = 0
    same: bool = False
    note: str = ""

    @property
    def ours_ms(self):
        return ms(statistics.median(self.ours))

    @property
    def floor_ms(self):
        return ms(statistics.median(self.floor))

    @property
    def ratio(self):
        return self.ours_ms / self.floor_ms if self.floor_ms else float("inf")

    @property
    def target(self):
        if self.group == "page":
            return f"< {PAGE_TARGET_MS} ms"
        return f"≤ {JOB_TARGET_RATIO if self.group == 'job' else IMPORT_TARGET_RATIO}× 底线"

    @property
    def met(self):
        if not self.same:
            return False
        if self.group == "page":
            return self.ours_ms < PAGE_TARGET_MS
        return self.ratio <= (JOB_TARGET_RATIO if self.group == "job" else IMPORT_TARGET_RATIO)


@dataclass
class Op:
    key: str
    name: str
    group: str
    ours: object  # () -> anything (a response for pages)
    floor: object  # () -> the floor's answer
    answer: object  # () -> our answer, comparable with the floor's (not timed)
    note: str = ""


class Landmarks:
    """The orgs the benchmark acts as, found in the data (any data: generated or the demo)."""

    def __init__(self):
        o = Organization.objects
        self.central = o.get(parent__isnull=True, tree_id=o.order_by("tree_id").values("tree_id")[:1])
        provinces = o.filter(parent=self.central, leadership_level=LeadershipLevel.PROVINCE)
        self.province = self._largest(provinces)
        universities = o.subtree_of(self.province).filter(cadre_rules.UNIVERSITY_Q)
        self.university = self._largest(universities) or self._largest(o.filter(cadre_rules.UNIVERSITY_Q))
        # the largest branch whose list is one page (most are): its query count is the same at any size
        self.branch = (
            o.subtree_of(self.university or self.province)
            .filter(category=OrgCategory.BRANCH)
            .annotate(n=Count("members"))
            .filter(n__lte=settings.ZHTJ["LIST_PAGE_SIZE"])
            .order_by("-n", "pk")
            .first()
        )
        hot = (
            Transfer.objects.filter(state__in=OPEN_STATES, target__is_branch_kind=False)
            .values("target")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        self.hot = o.get(pk=hot["target"]) if hot else self.province
        self.search = self._common_name(self.university or self.province)
        generated = JobRun.objects.filter(name="generate_scale_data").order_by("-started_at").first()
        self.data_date = generated.run_date if generated else date.today()
        self.generated = generated.summary if generated else {}
        self.generated_in = (
            (generated.finished_at - generated.started_at).total_seconds()
            if generated and generated.finished_at
            else None
        )
        # the next June 1: the earliest graduation month still ahead of the data's date
        soonest = (
            o.filter(category=OrgCategory.BRANCH, graduation_month__gte=self.data_date)
            .order_by("graduation_month")
            .values_list("graduation_month", flat=True)
            .first()
        )
        self.conversion_year = soonest.year if soonest else self.data_date.year

    @staticmethod
    def _largest(orgs):
        """The org of `orgs` with the most members in its subtree (setup, not measured)."""
        best, size = None, -1
        for org in orgs.only("pk", "tree_id", "tree_last", "lft", "rght", "level", "name"):
            n = Person.objects.in_branches_of(org).count()
            if n > size:
                best, size = org, n
        return best

    @staticmethod
    def _common_name(org):
        row = Person.objects.in_branches_of(org).values("name").annotate(n=Count("pk")).order_by("-n", "name").first()
        return row["name"] if row else "张"


def page(client, url):
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"{url} 返回 {response.status_code}（{response.get('Location', '')}）")
        return response

    return get


class Benchmark:
    def __init__(self, repeat=5, log=print, import_rows=10_000):
        self.repeat = repeat
        self.log = log
        self.import_rows = import_rows
        self.results = []
        self.throughput = None

    # --- the operations ------------------------------------------------------------------------
    def operations(self):
        lm = self.lm = Landmarks()
        size = settings.ZHTJ["PROGRESS_PAGE_SIZE"]
        list_size = settings.ZHTJ["LIST_PAGE_SIZE"]
        ops = []

        central, province = client_for(lm.central), client_for(lm.province)
        deepest = level_summary(lm.central, 2)["deepest"]
        for level in range(2, deepest + 1):
            ops.append(self._progress(f"progress:central:{level}", central, lm.central, level, size))
        ops.append(self._progress("progress:province", province, lm.province, lm.province.level + 2, size))

        year = date.today().year
        for chart, label in (("age", "团员年龄分布"), ("ethnicity", "团员民族分布"), ("education", "团员学历层次")):
            ops.append(
                Op(
                    f"stats:{chart}",
                    f"团内大数据 {label}（{lm.province.name}）",
                    "page",
                    page(province, reverse(f"members:stats_{chart}")),
                    lambda chart=chart: self._stats_floor(lm.province, chart, year),
                    lambda chart=chart: self._stats_ours(lm.province, chart, year),
                )
            )
        ops.append(
            Op(
                "staffing",
                f"重点领域基层团干部配备（{lm.province.name}）",
                "page",
                page(province, reverse("members:staffing")),
                lambda: floors.staffing(lm.province, list_size),
                lambda: self._staffing_ours(lm.province, list_size),
            )
        )
        hot = client_for(lm.hot)
        ops.append(
            Op(
                "inbox",
                f"操作中心（{lm.hot.name}）",
                "page",
                page(hot, reverse("inbox")),
                lambda: floors.inbox(lm.hot, settings.ZHTJ["INBOX_PAGE_SIZE"]),
                lambda: self._inbox_ours(lm.hot),
            )
        )
        if lm.branch is not None:
            ops.append(
                Op(
                    "list:branch",
                    f"团员列表（{lm.branch.name}，{Person.objects.filter(branch=lm.branch).count()}人）",
                    "page",
                    page(client_for(lm.branch), reverse("members:list")),
                    lambda: floors.member_list(lm.branch, list_size),
                    lambda: self._list_ours(lm.branch, list_size),
                )
            )
        scope = lm.university or lm.province
        ops.append(
            Op(
                "list:search",
                f"团员列表 姓名搜索“{lm.search}”（{scope.name}）",
                "page",
                page(client_for(scope), reverse("members:list") + f"?q={lm.search}"),
                lambda: floors.member_list(scope, list_size, name=lm.search),
                lambda: self._list_ours(scope, list_size, q=lm.search),
            )
        )
        ops.append(self._conversion())
        ops.append(self._sweep())
        ops.append(self._import())
        return ops

    def _progress(self, key, client, org, level, size):
        return Op(
            key,
            f"组织录入情况（{org.name}，{level}级）",
            "page",
            page(client, reverse("orgs:progress") + f"?level={level}"),
            lambda: floors.entry_progress(org, level, size),
            lambda: self._progress_ours(org, level, size),
        )

    @staticmethod
    def _progress_ours(org, level, size):
        figures = level_summary(org, level)
        return figures, list(level_rows(org, level).values_list("pk", flat=True)[:size])

    @staticmethod
    def _stats_ours(org, chart, year):
        dist = stats.CHARTS[chart](org)
        return [n for _, n in dist.rows], stats.new_member_count(org, year)

    @staticmethod
    def _stats_floor(org, chart, year):
        """The floor's grouped counts, labelled and ordered the way the chart shows them."""
        today = date.today()
        cutoffs = [stats._years_before(today, u + 1) for u in settings.ZHTJ["STAT_AGE_BANDS"]]
        counts, new = floors.statistics(org, chart, cutoffs, year)
        if chart == "age":
            return [counts.get(str(i), 0) for i in range(len(cutoffs) + 1)], new
        if chart == "education":
            from members.choices import Education

            rows = [counts.get(value, 0) for value, _ in Education.choices]
            return rows + ([counts[""]] if counts.get("") else []), new
        han = counts.get(stats.HAN, 0)
        others = sorted(((e, n) for e, n in counts.items() if e not in (stats.HAN, "")), key=lambda r: (-r[1], r[0]))
        top = settings.ZHTJ["STAT_TOP_ETHNICITIES"]
        rows = [han] + [n for _, n in others[:top]]
        if len(others) > top:
            rows.append(sum(n for _, n in others[top:]))
        if counts.get(""):
            rows.append(counts[""])
        return rows, new

    @staticmethod
    def _staffing_ours(org, size):
        rows = cadre_rules.staffing_orgs(org, cadre_rules.UNIVERSITY)
        page = cadre_rules.with_figures(rows[:size])
        return rows.count(), [(r.pk, r.full_time, r.seconded, r.part_time, r.total) for r in page]

    @staticmethod
    def _inbox_ours(org):
        request = request_for(org)
        return {k: v for k, v in inbox.counts(request).items() if v}, len(inbox.items(request))

    @staticmethod
    def _list_ours(org, size, q=""):
        people, _ = filtered_members(request_for(org, **({"q": q} if q else {})))
        people = people.order_by("branch__tree_id", "branch__lft", "name", "pk")
        return people.count(), list(people.values_list("pk", flat=True)[:size])

    def _conversion(self):
        year = self.lm.conversion_year
        run_date = date(year, *settings.ZHTJ["GRADUATION_CONVERSION_DATE"])
        ct = ContentType.objects.get_for_model(Organization).pk

        def ours():
            return rolled_back(lambda: jobs.run("graduate_conversion", run_date).summary)

        return Op(
            "job:conversion",
            f"6月1日毕业生转换（{year}年）",
            "job",
            ours,
            lambda: rolled_back(lambda: floors.graduate_conversion(year, ct)),
            lambda: {k: v for k, v in ours().items() if k in ("orgs", "members")},
        )

    def _sweep(self):
        day = self.lm.data_date
        moment = jobs.moment_for(day, "transfer_deadlines")
        days = settings.ZHTJ["TRF_RETURN_DAYS"]
        due = days_before(day, days)
        note = ""
        if period_of(day) != "closing" or closing_start(day) > day - timedelta(days=days):
            note = f"{day} 不在收尾期（或收尾期未满{days}天）：本次不退回任何申请"
        text = f"组织关系转接申请超过{days}天未审核，已被系统退回，请重新发起转接。"
        ct = ContentType.objects.get_for_model(Transfer).pk
        pending = Transfer.objects.filter(state__in=OPEN_STATES).count()

        def ours():
            return rolled_back(lambda: jobs.run("transfer_deadlines", day).summary)

        return Op(
            "job:return",
            f"收尾期10天退回（{pending}条待审核转接）",
            "job",
            ours,
            lambda: rolled_back(lambda: floors.transfer_return(moment, due, ct, text, text)),
            lambda: {"returned": ours()["returned"]},
            note=note,
        )

    def _import(self):
        from members.management.commands.benchmark_import import build_file

        rows = self.import_rows
        # a city-level region code (the generator uses county codes only) and a number range it never
        # reaches: every row is a new person
        data = build_file(rows, region="370100", number_base=90_000_000)
        # into an existing branch: creating one would time an MPTT insert, not the import
        branch = self.lm.branch

        def run():
            # cold: nothing of an earlier run's ID-number checks reused (zhtj/core/idnumber.py)
            idnumber._checked.cache_clear()
            idnumber._known_region.cache_clear()
            parsed = importing.parse(SimpleUploadedFile("bench.xlsx", data), importing.MEMBERS)
            results = importing.validate(parsed, importing.MEMBERS, branch)
            return importing.store(results, importing.MEMBERS, branch)

        def ours():
            limit = settings.ZHTJ["MEMBER_IMPORT_MAX_ROWS"]
            if rows > limit:
                raise BenchError(f"导入行数 {rows} 超过 MEMBER_IMPORT_MAX_ROWS（{limit}）")
            return rolled_back(run)

        return Op(
            "import",
            f"Excel导入{rows}名团员",
            "import",
            ours,
            lambda: floors.read_workbook(data) - 1,  # the header row
            ours,
            note=f"文件 {len(data) // 1024} KB",
        )

    # --- running ---------------------------------------------------------------------------------
    def settle(self):
        """VACUUM ANALYZE the tables the operations read, as autovacuum leaves them in time: a
        rolled-back run of the June 1 job (250,000 updated rows) clears the visibility map the
        covering indexes rely on, and a later benchmark would measure that litter (as pgbench
        vacuums before it measures)."""
        from .generator import MODELS

        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            for model in MODELS:
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")

    def run(self, only=None):
        logging.getLogger("zhtj.jobs").setLevel(logging.WARNING)  # the jobs run many times here
        self.settle()
        ops = self.operations()
        if only:
            ops = [op for op in ops if any(word in op.name for word in only)]
        for op in ops:
            self.log(f"· {op.name}")
            result = Result(op.key, op.name, op.group, note=op.note)
            op.ours()  # warm-up: caches (content types, templates) filled, as in a running server
            with CaptureQueriesContext(connection) as queries:
                op.ours()
            result.queries = len(queries)
            floor_answer = op.floor()
            ours_answer = op.answer()
            result.same = ours_answer == floor_answer
            if not result.same:
                result.note = (
                    result.note + "；" if result.note else ""
                ) + f"结果不一致：{_short(ours_answer)} ≠ {_short(floor_answer)}"
            for _ in range(self.repeat):
                t = time.perf_counter()
                op.ours()
                result.ours.append(time.perf_counter() - t)
                t = time.perf_counter()
                op.floor()
                result.floor.append(time.perf_counter() - t)
            self.results.append(result)
            self.log(
                f"  {result.ours_ms:.1f} ms / 底线 {result.floor_ms:.1f} ms，{result.queries} 次查询，{'一致' if result.same else '不一致'}"
            )
        return self.results

    def run_throughput(self, seconds=10, concurrency=8, workers=None):
        from .load import throughput

        self.throughput = throughput(
            self.lm.branch or self.lm.university,
            seconds=seconds,
            concurrency=concurrency,
            workers=workers,
            log=self.log,
        )
        return self.throughput

    # --- the report ------------------------------------------------------------------------------
    def table(self):
        lines = [
            "| 操作 | 我们（中位数） | 底线（中位数） | 比值 | SQL 次数 | 结果一致 | 目标 | 达标 |",
            "| --- | ---: | ---: | ---: | ---: | :---: | --- | :---: |",
        ]
        for r in self.results:
            lines.append(
                f"| {r.name} | {r.ours_ms:.1f} ms | {r.floor_ms:.1f} ms | {r.ratio:.2f} | {r.queries} | "
                f"{'是' if r.same else '否'} | {r.target} | {'✅' if r.met else '❌'} |"
            )
        t = self.throughput
        if t:
            lines.append(
                f"| 团员列表 吞吐（gunicorn {t['workers']} 进程，{t['concurrency']} 并发） | {t['ours_rps']:.0f} 次/秒 | "
                f"{t['floor_rps']:.0f} 次/秒（空视图） | {t['ratio']:.2f} | — | — | ≥ {THROUGHPUT_TARGET} | {'✅' if t['ratio'] >= THROUGHPUT_TARGET else '❌'} |"
            )
        notes = [f"- {r.name}：{r.note}" for r in self.results if r.note]
        return "\n".join(lines + ([""] + notes if notes else []))

    def all_met(self):
        ok = all(r.met for r in self.results)
        if self.throughput:
            ok = ok and self.throughput["ratio"] >= THROUGHPUT_TARGET
        return ok


def _short(value):
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) < 200 else text[:200] + "…"


def measured_at():
    """When, for the docs: in UTC and saying so (the process runs in TIME_ZONE, Beijing time)."""
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def machine():
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/meminfo") as f:
            mem = int(next(line.split()[1] for line in f if line.startswith("MemTotal"))) // 1024 // 1024
    except (OSError, StopIteration, ValueError):
        mem = "?"
    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
        c.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = c.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem,
        "python": platform.python_version(),
        "postgresql": pg,
        "database_size": size,
        "django": __import__("django").get_version(),
        "commit": _git_commit(),
    }


def _git_commit():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def data_summary():
    o = Organization.objects
    return {
        "orgs": o.count(),
        "branches": o.filter(is_branch_kind=True).count(),
        "people": Person.objects.count(),
        "members": Person.objects.filter(branch__isnull=False).count(),
        "open_transfers": Transfer.objects.filter(state__in=OPEN_STATES).count(),
        "depth": (o.aggregate(d=Max("level"))["d"] or 0) + 1,
    }
