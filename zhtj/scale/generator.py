"""`generate_scale_data`: a national-shaped tree with people and workflow rows, on PostgreSQL.

Deterministic for a seed and a date: the same options give the same rows. The tree is built in
memory (zhtj/scale/tree.py) and its orgs written with COPY (zhtj/scale/copy.py); the people and
every row that hangs off them (posts, e-archives, 入团激励, evaluations, 整理整顿, 对标定级) are made
inside PostgreSQL, INSERT … SELECT over generate_series from a per-org plan (zhtj/scale/people.py,
zhtj/scale/branch_records.py): in Python they were 80% of the run. Proportions follow the real
system: branches of 10–60 people (fewer, down to 3, when the people asked for don't fill the
branches), cadres and admins in every org, e-archives for members who joined in 2020 or later, a
backlog of 学社衔接 transfers, incentive and rectification records; one 街道团工委 gets a busy 操作中心
for the benchmark.
"""

import gc
import math
import multiprocessing
import os
import random
import time
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from incentives.models import Evaluation, IncentiveRecord, Joining
from members.choices import (
    PostTitle,
)
from members.models import CadrePost, MemberArchive, Person
from orgs.choices import Industry, OrgCategory
from orgs.models import LectureStudy, LectureStudyCount, Organization
from rectification.models import CampaignRecord, GradingRecord, SelfCheck
from transfers.choices import Destination, Kind, Reason, State
from transfers.models import Transfer
from zhtj.core.models import JobRun

from . import people
from .branch_records import write_branch_records
from .copy import Table
from .lectures import write_lectures
from .people import PeopleWriter
from .tree import BRANCH_SIZES, OWN_CADRES, Shape

# the fewest members a branch has (团章: three members form a branch); see plan_sizes
MIN_BRANCH = 3

# Everything the generator writes, parents first: deleted in reverse by --flush.
MODELS = [
    Organization,
    Person,
    CadrePost,
    MemberArchive,
    IncentiveRecord,
    Joining,
    Evaluation,
    Transfer,
    CampaignRecord,
    SelfCheck,
    GradingRecord,
]


class GeneratorError(Exception):
    pass


def _month(d):
    return d.replace(day=1)


def _add_years(d, years):
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


# the definitions of the indexes a run dropped, until it has rebuilt them (`_drop_indexes`)
DROPPED = "scale_dropped_indexes"


class Generator:
    def __init__(self, *, orgs, people, seed, today, log=print, workers=4):
        self.orgs_target = orgs
        self.seed = seed
        self.workers = max(1, workers)
        self.worker = None  # the worker number inside a forked worker
        self.people_target = people
        self.rng = random.Random(seed)
        self.today = today
        self.now = timezone.make_aware(datetime.combine(today, datetime.min.time()).replace(hour=9))
        self.log = log
        scale = people / 2_000_000
        self.transfers_target = round(100_000 * scale)
        self.hot_items = max(20, round(10_000 * scale))
        self.counts = {}
        self._id_seq = {}
        self._dev_seq = {}
        self.person_id = 0
        self.record_id = 0

    # --- the run ---------------------------------------------------------------------------------
    def run(self):
        # Millions of long-lived nodes and plan rows, no garbage cycles to speak of: the cyclic
        # collector would only walk them again and again (two thirds of the tree's build at
        # 400,000 orgs, more the bigger the tree). Reference counting still frees the rest.
        gc.disable()
        try:
            return self._run()
        finally:
            gc.enable()

    def _run(self):
        if connection.vendor != "postgresql":
            raise GeneratorError("generate_scale_data 只支持 PostgreSQL：请设置 DATABASE_URL=postgres://…")
        if Organization.objects.exists() or Person.objects.exists():
            raise GeneratorError("数据库中已有组织或人员数据。请使用空数据库（migrate 之后），或加 --flush 先清空。")
        started = time.monotonic()
        self.started_at = timezone.now()
        hot_members = max(3, math.ceil(self.hot_items * 0.2 / 45))
        self.shape = Shape(self.orgs_target, self.rng, self.today, hot_branches=hot_members)
        self.step("组织树", started)
        # Secondary indexes are dropped for the load and built once at the end (as pg_restore
        # does), far cheaper than keeping them up to date row by row. The rows are written by
        # forked workers, each in its own transaction (a failed run is cleaned up with --flush).
        with transaction.atomic():
            indexes = self._drop_indexes()
            self._autovacuum(False)
        self.plan_people()
        self.in_workers(self.write_orgs)
        self.step("组织", started)
        self.in_workers(self.write_people)
        self.step("人员、职务、电子档案、激励", started)
        self.in_workers(self.write_rectification)
        self.step("整理整顿、对标定级", started)
        with transaction.atomic():
            self._bulk_mode()
            people.drop_plan()
            self.write_transfers()
            self.step("组织关系转接", started)
            self.fill_org_secretaries()
            self.step("书记信息", started)
        self.indexes = indexes
        self.in_workers(self.build_indexes)
        with transaction.atomic():
            self._attach_constraints(indexes)
            self.step("索引", started)
            self.reset_sequences()
        self.analyze()
        self.step("统计信息", started)
        # 公开团课 and their studies, once the people's indexes serve the join; the kept study
        # counts (orgs/migrations/0014) from the rows, like the figures below
        with transaction.atomic():
            self._bulk_mode()
            self.counts["lectures"], self.counts["lecture_studies"] = write_lectures(self.now)
            import_module("orgs.migrations.0014_lecture_study_counts").rebuild_all(connection)
        with connection.cursor() as c:
            for model in (LectureStudy, LectureStudyCount):
                c.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        self.step("公开团课", started)
        # the triggers that keep the subtree figures (团内大数据, 截止事项) and 组织录入情况's per-level
        # figures were off too: rebuilt from the people and the orgs once the planner has their statistics
        with transaction.atomic():
            import_module("members.migrations.0015_subtree_figures").rebuild_all(connection)
            import_module("orgs.migrations.0013_level_figures").rebuild_all(connection)
        self.step("下级团员统计", started)
        # the run is recorded like a job: the benchmark reads the data's date from it
        JobRun.objects.create(
            name="generate_scale_data",
            run_date=self.today,
            started_at=self.started_at,
            changed=sum(self.counts.values()),
            summary=self.counts,
            finished_at=timezone.now(),
        )
        return self.counts

    def in_workers(self, *steps):
        """Run `steps` in `self.workers` forked processes, worker w taking the w-th share of every
        step (`self.share`), each in one transaction of its own connection, with its own random
        source (seeded from the seed and w: the same options still give the same rows). The
        shape and the plan are inherited by the fork, never pickled; the counts come back."""
        ctx = multiprocessing.get_context("fork")
        connection.close()  # the children open their own; this one must not be shared
        gc.freeze()  # the children's collector leaves the inherited shape alone: its pages stay shared
        pipes, processes = [], []
        for w in range(self.workers):
            receive, send = ctx.Pipe(duplex=False)
            pipes.append(receive)
            processes.append(ctx.Process(target=self._worker, args=(w, steps, send)))
        for p in processes:
            p.start()
        outcomes = []
        for receive in pipes:
            try:
                outcomes.append(receive.recv())
            except EOFError:
                outcomes.append("工作进程意外退出")
        for p in processes:
            p.join()
        failed = [o for o in outcomes if isinstance(o, str)]
        if failed:
            raise GeneratorError("生成失败（请加 --flush 重新运行）：" + failed[0])
        for counts in outcomes:
            for key, value in counts.items():
                self.counts[key] = self.counts.get(key, 0) + value

    def _worker(self, w, steps, results):
        try:
            self.worker = w
            self.rng = random.Random(f"{self.seed}-{steps[0].__name__}-{w}")
            self.counts = {}
            with transaction.atomic():
                self._bulk_mode()
                for step in steps:
                    step()
            results.send(self.counts)
        except Exception as exc:  # noqa: BLE001 -- reported to the parent, which raises
            results.send(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()
            os._exit(0)

    def share(self, items):
        """This worker's contiguous share of `items` (the whole list outside a worker)."""
        if self.worker is None:
            return items
        size = math.ceil(len(items) / self.workers)
        return items[self.worker * size : (self.worker + 1) * size]

    def step(self, label, started):
        self.log(f"  {label}：完成（累计 {time.monotonic() - started:.0f} 秒）")

    def _bulk_mode(self):
        """Skip per-row triggers and FK checks while loading (the rows are consistent by
        construction), for this transaction only. A role that may not (not a superuser) loads
        with them on: the tables are flushed parents first, so the checks pass."""
        try:
            with transaction.atomic(), connection.cursor() as c:
                c.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass
        with connection.cursor() as c:
            c.execute("SET LOCAL maintenance_work_mem = '512MB'")

    def _drop_indexes(self):
        """The secondary indexes and unique constraints of the tables we load: (table, name,
        definition, is_constraint), after dropping them. The definitions are kept in a table of
        their own in the same transaction, so a run that dies after the drop (the workers commit
        on their own) doesn't lose them: the next run (with --flush) finds and rebuilds them."""
        tables = [m._meta.db_table for m in MODELS]
        with connection.cursor() as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {DROPPED} (tbl text, name text, def text, con text, condef text)")
            c.execute(
                """SELECT t.relname, ic.relname, pg_get_indexdef(i.indexrelid), con.conname,
                          pg_get_constraintdef(con.oid)
                   FROM pg_index i
                   JOIN pg_class t ON t.oid = i.indrelid
                   JOIN pg_class ic ON ic.oid = i.indexrelid
                   LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype = 'u'
                   WHERE t.relname = ANY(%s) AND NOT i.indisprimary""",
                [tables],
            )
            found = c.fetchall()
            if found:
                c.executemany(f"INSERT INTO {DROPPED} VALUES (%s, %s, %s, %s, %s)", found)
            for table, index, _, constraint, _ in found:
                if constraint:
                    c.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
                else:
                    c.execute(f'DROP INDEX "{index}"')
            # an index a dead run rebuilt was dropped again above: once, as its constraint if it is one
            c.execute(f"SELECT DISTINCT ON (name) tbl, name, def, con, condef FROM {DROPPED} ORDER BY name, con")
            return c.fetchall()

    def build_indexes(self):
        """This worker's share of the dropped indexes, the biggest tables' spread over the workers
        (indexes of one table build side by side: CREATE INDEX only takes a share lock). A unique
        constraint's index is built here too, and attached in the last transaction."""
        with connection.cursor() as c:
            c.execute(
                "SELECT t, pg_relation_size(t::regclass) FROM unnest(%s::text[]) AS t", [[i[0] for i in self.indexes]]
            )
            size = dict(c.fetchall())
            ordered = sorted(self.indexes, key=lambda i: (-size[i[0]], i[1]))
            for _, _, index_def, _, _ in ordered[self.worker or 0 :: self.workers]:
                c.execute(index_def)

    def _attach_constraints(self, found):
        with connection.cursor() as c:
            for table, index, _, constraint, _ in found:
                if constraint:
                    c.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" UNIQUE USING INDEX "{index}"')
            c.execute(f"DROP TABLE {DROPPED}")

    def reset_sequences(self):
        with connection.cursor() as c:
            for sql in connection.ops.sequence_reset_sql(no_style(), MODELS):
                c.execute(sql)

    def analyze(self):
        """Statistics for the planner, and the visibility map that lets covering indexes answer
        without reading rows (what autovacuum would do some minutes later)."""
        with connection.cursor() as c:
            for model in MODELS:
                c.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        self._autovacuum(True)

    def _autovacuum(self, on):
        """Off for the loaded tables while they load: it would vacuum and analyze each table
        again and again as the rows come in (analyze() does it once at the end). A run that dies
        leaves it off until the next run ends."""
        with connection.cursor() as c:
            for model in MODELS:
                table = model._meta.db_table
                c.execute(
                    f"ALTER TABLE {table} RESET (autovacuum_enabled)"
                    if on
                    else f"ALTER TABLE {table} SET (autovacuum_enabled = false)"
                )

    # --- orgs ----------------------------------------------------------------------------------
    def write_orgs(self):
        rng = self.rng
        table = Table(
            Organization,
            [
                "id",
                "parent_id",
                "name",
                "full_name",
                "category",
                "is_branch_kind",
                "leadership_level",
                "industry",
                "sort_order",
                "phone",
                "email",
                "admin_staff_quota",
                "admin_staff_actual",
                "career_staff_quota",
                "career_staff_actual",
                "school_code",
                "student_count",
                "enterprise_level",
                "enterprise_location",
                "graduation_month",
                "graduation_marked_at",
                "first_admin_login_at",
                "info_submitted_at",
                "key_domain_submitted_at",
                "created_at",
                "lft",
                "rght",
                "tree_id",
                "tree_last",
                "tree_level",
                "tree_parent_id",
                "level",
            ],
        )
        for n in self.share(self.shape.nodes):
            leadership = n.category == OrgCategory.LEADERSHIP
            staffed = not n.is_branch_kind
            complete = rng.random() < 0.88
            logged_in = self.now - timedelta(days=rng.randint(1, 900)) if rng.random() < 0.85 else None
            created = self.now - timedelta(days=rng.randint(200, 2500))
            key_answered = bool(n.school_code or n.enterprise_level)
            table.add(
                n.id,
                n.parent.id if n.parent else None,
                n.name,
                n.full_name,
                n.category,
                n.is_branch_kind,
                n.leadership_level,
                n.industry,
                len(n.parent.children) if n.parent else 0,
                f"0{rng.randint(10, 999)}-{rng.randint(1000000, 9999999)}" if leadership or complete else "",
                f"org{n.id}@example.cn" if leadership else "",
                *(
                    (rng.randint(0, 9), rng.randint(0, 6), rng.randint(0, 9), rng.randint(0, 6))
                    if staffed and complete
                    else (None,) * 4
                ),
                n.school_code,
                n.student_count,
                n.enterprise_level,
                n.enterprise_location,
                n.graduation_month,
                created if n.graduation_month else None,
                logged_in,
                logged_in if complete and logged_in else None,
                logged_in if key_answered and logged_in else None,
                created,
                n.lft,
                n.rght,
                n.tree_id,
                n.tree_last,
                n.tree_level,
                n.tree_parent.id if n.tree_parent else None,
                n.depth,
            )
        table.flush()
        self.counts["orgs"] = table.count

    def fill_org_secretaries(self):
        """书记姓名/身份证号码/手机号码 of complete orgs from their 书记's own row, and every org's
        secretary_ready (ORG-10: an active 书记 post whose person has a mobile number; the flag
        members/migrations/0009 keeps by triggers, off for the load): one UPDATE over a grouped
        join, before the indexes are built, so nothing is looked up org by org."""
        o, p, c = Organization._meta.db_table, Person._meta.db_table, CadrePost._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"""UPDATE {o} SET secretary_ready = s.ready,
                        secretary_name = CASE WHEN {o}.info_submitted_at IS NULL THEN {o}.secretary_name ELSE s.name END,
                        secretary_id_number = CASE WHEN {o}.info_submitted_at IS NULL
                            THEN {o}.secretary_id_number ELSE s.id_number END,
                        secretary_mobile = CASE WHEN {o}.info_submitted_at IS NULL THEN {o}.secretary_mobile ELSE s.mobile END
                    FROM (SELECT c.org_id, bool_or(c.ended_on IS NULL AND p.mobile <> '') AS ready,
                                 max(p.name) FILTER (WHERE c.admin_slot = 1) AS name,
                                 max(p.id_number) FILTER (WHERE c.admin_slot = 1) AS id_number,
                                 max(p.mobile) FILTER (WHERE c.admin_slot = 1) AS mobile
                          FROM {c} c JOIN {p} p ON p.id = c.person_id WHERE c.title = %s GROUP BY c.org_id) s
                    WHERE s.org_id = {o}.id""",
                [PostTitle.SECRETARY],
            )

    # --- people ----------------------------------------------------------------------------------
    def plan_sizes(self):
        """People per branch: each sort's range, scaled so members + cadres hit the target, 10–60
        a branch. A target too small for 10 a branch (the national org count with 10 million
        people: 3 million branches) gets smaller branches, down to the three members a branch needs
        (团章); below that the target is raised."""
        rng = self.rng
        branches = self.shape.branches()
        own = {n.id: rng.randint(*OWN_CADRES[n.category]) for n in self.shape.nodes if n.category in OWN_CADRES}
        members = self.people_target - sum(own.values())
        low = max(MIN_BRANCH, min(10, members // len(branches)))
        members = max(members, low * len(branches))
        raw = [rng.randint(*BRANCH_SIZES[b.sort]) for b in branches]
        factor = members / sum(raw)
        sizes = [min(60, max(low, round(r * factor))) for r in raw]
        gap = members - sum(sizes)
        # spread the rounding difference inside low..60, up to 20 passes; a pass that changes
        # nothing ends it (nationally every branch is at the floor of 3 and none can give: that
        # used to be 20 idle passes over 3 million branches)
        for _ in range(20):
            before = gap
            for k in range(len(sizes)):
                if not gap:
                    break
                if gap > 0 and sizes[k] < 60:
                    sizes[k] += 1
                    gap -= 1
                elif gap < 0 and sizes[k] > low:
                    sizes[k] -= 1
                    gap += 1
            if gap in (0, before):
                break
        return own, list(zip(branches, sizes, strict=True))

    def plan_people(self):
        """Who is who before anyone is written, so workers can write their shares independently:
        people per branch and the cadres of each org, numbered cadres first (in org order), then
        the branches' members; each org's 书记 (its first person), the members of 毕业生团组织 (for
        transfers) and the hot committee's pending archives follow from the numbers. The plan
        goes to the database (zhtj/scale/people.py), a row per org, each marked with its worker."""
        rng = self.rng
        self.own, self.plan = self.plan_sizes()
        self.cadre_nodes = [n for n in self.shape.nodes if self.own.get(n.id)]
        self.secretary_of, self.graduates, self.hot_archives = {}, [], 0
        rows = []
        pid = 1
        per_worker = math.ceil(len(self.cadre_nodes) / self.workers)
        for i, node in enumerate(self.cadre_nodes):
            self.secretary_of[node.id] = pid
            full_time = node.category == OrgCategory.LEADERSHIP or bool(
                node.industry in (Industry.UNIVERSITY, Industry.VOCATIONAL_COLLEGE) and node.school_code
            )
            rows.append(self._plan_row(i // per_worker, node, pid, self.own[node.id], True, full_time, False, False))
            pid += self.own[node.id]
        per_worker = math.ceil(len(self.plan) / self.workers)
        for i, (branch, size) in enumerate(self.plan):
            self.secretary_of[branch.id] = pid
            in_hot = branch.parent is self.shape.hot
            if branch.category == OrgCategory.GRADUATE:
                self.graduates.extend((pid + i, branch.id) for i in range(size))
            if in_hot:
                self.hot_archives += size  # every member there joined after ARCHIVE_REQUIRED_FROM_YEAR
            # the hot committee's 操作中心 holds its two kinds (transfers, archives) only, at any
            # size, so the benchmark compares like with like
            evaluated = not in_hot and branch.category == OrgCategory.BRANCH and rng.random() < 0.5
            pending = evaluated and rng.random() < 0.1
            rows.append(self._plan_row(i // per_worker, branch, pid, size, False, False, evaluated, pending))
            pid += size
        people.write_plan(rows)

    def _plan_row(self, worker, node, first_pid, size, cadre, full_time, evaluated, eval_pending):
        return (
            worker,
            node.id,
            node.parent.id if node.parent else None,
            _top(node),
            first_pid,
            size,
            cadre,
            full_time,
            node.region,
            people.region_sum(node.region),
            node.sort,
            node.cohort,
            node.category == OrgCategory.GRADUATE,
            node.industry == Industry.VOCATIONAL_COLLEGE,
            node.parent is not None and node.parent is self.shape.hot,
            node.category,
            evaluated,
            eval_pending,
        )

    def write_people(self):
        """This worker's share of the plan, made inside PostgreSQL (zhtj/scale/people.py)."""
        self.counts.update(PeopleWriter(self, self.worker or 0, self.workers).run())

    # --- transfers -------------------------------------------------------------------------------
    def write_transfers(self):
        """A 学社衔接 backlog in 收尾期 (TRF-10): graduates' open transfers whose step has waited
        more than 10 days, part of them into the hot committee; the benchmark's return sweep."""
        rng, shape = self.rng, self.shape
        table = Table(
            Transfer,
            [
                "kind",
                "person_id",
                "from_branch_id",
                "target_id",
                "initiator_org_id",
                "requested_by_id",
                "reason",
                "is_graduate",
                "destination",
                "state",
                "step_started_at",
                "created_at",
            ],
        )
        targets = [n for n in shape.nodes if n.category in (OrgCategory.FLOATING, OrgCategory.WORKING_COMMITTEE)]
        chosen = rng.sample(self.graduates, min(self.transfers_target, len(self.graduates)))
        hot_transfers = max(self.hot_items - self.hot_archives, self.hot_items // 2) if shape.hot else 0
        latest = self.now - timedelta(days=settings.ZHTJ["TRF_RETURN_DAYS"] + 1)
        earliest = latest - timedelta(days=60)
        span = int((latest - earliest).total_seconds())
        for i, (pid, branch_id) in enumerate(chosen):
            hot = i < hot_transfers
            target = shape.hot if hot else rng.choice(targets)
            if hot:
                state = State.RECEIVING
            else:
                state = rng.choice((State.SENDING, State.SENDING, State.RECEIVING, State.RECEIVING, State.ALLOCATING))
                if state == State.ALLOCATING and target.is_branch_kind:
                    state = State.RECEIVING
            member = rng.random() < 0.5
            started = earliest + timedelta(seconds=rng.randint(0, span))
            table.add(
                Kind.MEMBER if member else Kind.OUTBOUND,
                pid,
                branch_id,
                target.id,
                None if member else branch_id,
                pid if member else self.secretary_of[branch_id],
                Reason.GRADUATION,
                True,
                Destination.UNEMPLOYED if target.category == OrgCategory.FLOATING else Destination.EMPLOYED,
                state,
                started,
                started - timedelta(days=rng.randint(0, 20)),
            )
        table.flush()
        self.counts["hot_archives"] = self.hot_archives
        self.counts["open_transfers"] = table.count
        self.counts["hot_transfers"] = min(hot_transfers, table.count)

    # --- rectification -----------------------------------------------------------------------------
    def write_rectification(self):
        """This worker's share of the 整理整顿 and 对标定级 rows, made inside PostgreSQL."""
        self.counts.update(write_branch_records(self, self.worker or 0))


def _top(node):
    """The id of `node`'s province: its ancestor at level 1 (itself at level 1; None for 团中央)."""
    while node is not None and node.depth > 1:
        node = node.parent
    return node.id if node is not None and node.depth == 1 else None


def flush_all():
    """--flush: empty every table the generator writes (and what hangs off them), in one statement."""
    from django.apps import apps

    tables = [
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.app_label in {"orgs", "members", "transfers", "incentives", "rectification", "core"}
    ]
    with connection.cursor() as c:
        c.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
