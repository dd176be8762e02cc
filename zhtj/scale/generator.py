"""`generate_scale_data`: a national-shaped tree with people and workflow rows, on PostgreSQL.

Deterministic for a seed and a date: the same options give the same rows. Everything is written
with COPY (zhtj/scale/copy.py), a table's rows in large chunks, parents before children, and the
people in one streaming pass over the branches (a person's e-archive, 入团激励 and evaluation rows
are written beside it, so nothing big is held in memory). Proportions follow the real system:
branches of 10–60 people, cadres and admins in every org, e-archives for members who joined in 2020
or later, a backlog of 学社衔接 transfers, incentive and rectification records; one 街道团工委 gets
a busy 操作中心 for the benchmark.
"""

import gc
import math
import multiprocessing
import os
import random
import time
from datetime import date, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from stdnum.cn import ric

from incentives.choices import Grade
from incentives.choices import Kind as IncKind
from incentives.choices import State as IncState
from incentives.models import Evaluation, IncentiveRecord, Joining
from members.choices import (
    ETHNICITIES,
    AppointmentMethod,
    DutyStatus,
    Education,
    Occupation,
    PoliticalStatus,
    PostNature,
    PostTitle,
    StudyStatus,
    VerificationStatus,
)
from members.management.commands.seed_demo import SURNAMES
from members.models import CadrePost, MemberArchive, Person
from orgs.choices import Industry, OrgCategory
from orgs.models import Organization
from rectification.choices import CHECK_ITEMS, GrdState, Level, Rating, RecState
from rectification.models import CampaignRecord, GradingRecord, SelfCheck
from transfers.choices import Destination, Kind, Reason, State
from transfers.models import Transfer
from zhtj.core.models import JobRun

from .copy import Table
from .tree import BRANCH_SIZES, OWN_CADRES, Shape

GIVEN_CHARS = "子涵欣怡浩然梓萱宇轩诗俊杰雨桐墨一诺佳明思远晨曦文博嘉皓若汐天佑梦琪志强伟芳娜敏静丽磊洋艳勇军杰娟涛超秀霞平刚桂英华玉兰飞鹏辉"
MINORITIES = [e for e in ETHNICITIES if e != "汉族"][:20]
HAN_SHARE = 0.91
UNUSABLE_PASSWORD = "!scale-data"  # Django treats a leading "!" as "no password": log in via force_login

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

# Incentive and campaign record ids of worker w start at w * this (ids needn't be dense)
RECORD_IDS_PER_WORKER = 10**9


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
        self.plan_people()
        self.in_workers(self.write_orgs)
        self.step("组织", started)
        self.in_workers(self.write_people, self.write_rectification)
        self.step("人员、职务、电子档案、激励、整理整顿、对标定级", started)
        with transaction.atomic():
            self._bulk_mode()
            self.write_transfers()
            self.step("组织关系转接", started)
            self._create_indexes(indexes)
            self.step("索引", started)
            self.fill_org_secretaries()
            # the triggers that keep Organization.secretary_ready were off for the load
            import_module("members.migrations.0009_secretary_ready_triggers").refresh_all(connection)
            # and so were those that keep the subtree figures (团内大数据, 截止事项)
            import_module("members.migrations.0015_subtree_figures").rebuild_all(connection)
            self.reset_sequences()
        self.analyze()
        self.step("统计信息", started)
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
            c.execute(f"SELECT DISTINCT tbl, name, def, con, condef FROM {DROPPED}")
            return c.fetchall()

    def _create_indexes(self, found):
        with connection.cursor() as c:
            for table, _, index_def, constraint, constraint_def in found:
                if constraint:
                    c.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}')
                else:
                    c.execute(index_def)
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
        """书记姓名/身份证号码/手机号码 of complete orgs from their 书记's own row: one UPDATE."""
        o, p, c = Organization._meta.db_table, Person._meta.db_table, CadrePost._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {o} SET secretary_name = p.name, secretary_id_number = p.id_number,"
                f" secretary_mobile = p.mobile FROM {c} c JOIN {p} p ON p.id = c.person_id"
                f" WHERE c.org_id = {o}.id AND c.title = %s AND c.admin_slot = 1 AND {o}.info_submitted_at IS NOT NULL",
                [PostTitle.SECRETARY],
            )

    # --- people ----------------------------------------------------------------------------------
    def plan_sizes(self):
        """People per branch: each sort's range, scaled so members + cadres hit the target."""
        rng = self.rng
        branches = self.shape.branches()
        own = {n.id: rng.randint(*OWN_CADRES[n.category]) for n in self.shape.nodes if n.category in OWN_CADRES}
        members = max(self.people_target - sum(own.values()), 10 * len(branches))
        raw = [rng.randint(*BRANCH_SIZES[b.sort]) for b in branches]
        factor = members / sum(raw)
        sizes = [min(60, max(10, round(r * factor))) for r in raw]
        gap = members - sum(sizes)
        i = 0
        while gap and i < 20 * len(sizes):  # spread the rounding difference inside 10..60
            k = i % len(sizes)
            if gap > 0 and sizes[k] < 60:
                sizes[k] += 1
                gap -= 1
            elif gap < 0 and sizes[k] > 10:
                sizes[k] -= 1
                gap += 1
            i += 1
        return own, list(zip(branches, sizes, strict=True))

    def plan_people(self):
        """Who is who before anyone is written, so workers can write their shares independently:
        people per branch and the cadres of each org, numbered cadres first (in org order), then
        the branches' members; each org's 书记 (its first person), the members of 毕业生团组织 (for
        transfers) and the hot committee's pending archives follow from the numbers."""
        self.own, self.plan = self.plan_sizes()
        self.cadre_nodes = [n for n in self.shape.nodes if self.own.get(n.id)]
        self.secretary_of, self.graduates, self.hot_archives = {}, [], 0
        pid = 1
        for node in self.cadre_nodes:
            self.secretary_of[node.id] = pid
            pid += self.own[node.id]
        for branch, size in self.plan:
            self.secretary_of[branch.id] = pid
            if branch.category == OrgCategory.GRADUATE:
                self.graduates.extend((pid + i, branch.id) for i in range(size))
            if branch.parent is self.shape.hot:
                self.hot_archives += size  # every member there joined after ARCHIVE_REQUIRED_FROM_YEAR
            pid += size

    def _unique(self, k):
        """Worker-unique numbering of a per-worker counter (ID and development numbers)."""
        return k * self.workers + (self.worker or 0)

    def id_number(self, region, birth):
        """A valid, unique 身份证号码 (MEM-02) and the gender it encodes."""
        key = (region, birth)
        k = self._id_seq.get(key, 0)
        self._id_seq[key] = k + 1
        male = self.rng.random() < 0.5
        body = f"{region}{birth:%Y%m%d}{(2 * self._unique(k) + (1 if male else 0)) % 1000:03d}"
        return body + ric.calc_check_digit(body + "0"), "M" if male else "F"

    def name(self):
        rng = self.rng
        given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.75 else "")
        return rng.choice(SURNAMES) + given

    def birth_for(self, node, cadre=False):
        rng, today = self.rng, self.today
        if cadre:
            return date(today.year - rng.randint(26, 42), rng.randint(1, 12), rng.randint(1, 28))
        sort = node.sort
        if sort in ("university", "graduate"):
            year = node.cohort - 18 + rng.choice((-1, 0, 0, 0, 1))
        elif sort == "high":
            year = node.cohort - 15 + rng.choice((0, 0, 1))
        elif sort == "middle":
            year = today.year - rng.randint(14, 15)
        elif sort in ("abroad", "delayed"):
            year = today.year - rng.randint(22, 25)
        else:
            year = today.year - rng.randint(18, 28)
        birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
        # members are at least 14 by today
        return min(birth, _add_years(today, -14).replace(day=1))

    def write_people(self):
        """This worker's share of the cadres and of the branches (`plan_people` numbered them)."""
        rng, today = self.rng, self.today
        own = self.own
        cadre_nodes, plan = self.share(self.cadre_nodes), self.share(self.plan)
        self.record_id = (self.worker or 0) * RECORD_IDS_PER_WORKER
        people = Table(
            Person,
            [
                "id",
                "password",
                "id_number",
                "name",
                "gender",
                "birth_date",
                "mobile",
                "branch_id",
                "verification_status",
                "ethnicity",
                "education",
                "occupation",
                "occupation_detail",
                "political_status",
                "joined_month",
                "development_number",
                "party_joined_month",
                "is_volunteer",
                "volunteer_since",
                "is_graduate",
                "date_joined",
            ],
        )
        posts = Table(
            CadrePost,
            [
                "person_id",
                "org_id",
                "title",
                "nature",
                "started_on",
                "admin_slot",
                "appointment_method",
                "is_party_committee_member",
                "duty_status",
            ],
        )
        archives = Table(
            MemberArchive,
            [
                "person_id",
                "file",
                "original_name",
                "size",
                "pages",
                "state",
                "uploaded_by_id",
                "uploaded_by_org_id",
                "approver_org_id",
                "uploaded_at",
                "decided_by_id",
                "decided_at",
                "reason",
                "created_at",
            ],
        )
        records = Table(
            IncentiveRecord,
            [
                "id",
                "kind",
                "recorder_id",
                "recorded_by_id",
                "person_id",
                "state",
                "summary",
                "first_approved_at",
                "superior_decision",
                "created_at",
            ],
        )
        joinings = Table(Joining, ["record_id", "joined_on", "ceremony"])
        evaluations = Table(
            Evaluation, ["record_id", "person_id", "branch_id", "year", "grade", "absence_reason", "decision_file"]
        )
        self.tables = [people, posts, archives, records, joinings, evaluations]
        archive_from = date(settings.ZHTJ["ARCHIVE_REQUIRED_FROM_YEAR"], 1, 1)
        hot = self.shape.hot
        eval_year = today.year - 1

        def cadre_person(node, title, nature, slot):
            birth = self.birth_for(node, cadre=True)
            pid = self.add_person(people, node, birth, branch_id=None, joined_month=None, cadre=True)
            posts.add(
                pid,
                node.id,
                title,
                nature,
                date(today.year - rng.randint(0, 5), 9, 1),
                slot,
                AppointmentMethod.ELECTED,
                rng.random() < 0.5,
                DutyStatus.ON_DUTY,
            )
            return pid

        # cadres of the leadership organs and committees: older staff, not members of a branch
        if cadre_nodes:
            self.person_id = self.secretary_of[cadre_nodes[0].id] - 1
        for node in cadre_nodes:
            k = own[node.id]
            full_time = node.category == OrgCategory.LEADERSHIP or (
                node.industry in (Industry.UNIVERSITY, Industry.VOCATIONAL_COLLEGE) and node.school_code
            )
            for i in range(k):
                nature = (
                    PostNature.FULL_TIME
                    if full_time and i < 2
                    else rng.choice((PostNature.PART_TIME, PostNature.PART_TIME, PostNature.SECONDED))
                )
                title = (
                    PostTitle.SECRETARY
                    if i == 0
                    else (PostTitle.DEPUTY_SECRETARY if i == 1 else PostTitle.COMMITTEE_MEMBER)
                )
                cadre_person(node, title, nature, 1 if i == 0 else (2 if i == 1 and rng.random() < 0.4 else None))
            self._maybe_flush()

        if plan:
            self.person_id = self.secretary_of[plan[0][0].id] - 1
        for branch, size in plan:
            parent = branch.parent
            in_hot = parent is hot
            # the hot committee's 操作中心 holds its two kinds (transfers, archives) only, at any
            # size, so the benchmark compares like with like
            evaluated = not in_hot and branch.category == OrgCategory.BRANCH and rng.random() < 0.5
            eval_pending = evaluated and rng.random() < 0.1
            excellent_left = math.floor(size * 0.3)
            first = self.person_id + 1
            for i in range(size):
                birth = self.birth_for(branch)
                if in_hot:
                    birth = date(today.year - rng.randint(18, 21), rng.randint(1, 12), rng.randint(1, 28))
                # joined between 14 and 17, and not after today (MEM-03)
                earliest, latest = _add_years(birth, 14), min(_add_years(birth, 17), today)
                joined = _month(earliest + timedelta(days=rng.randint(0, max(0, (latest - earliest).days))))
                if in_hot:
                    joined = max(joined, archive_from.replace(year=archive_from.year + 1))
                pid = self.add_person(people, branch, birth, branch_id=branch.id, joined_month=joined)
                if i == 0:
                    posts.add(
                        pid,
                        branch.id,
                        PostTitle.SECRETARY,
                        PostNature.PART_TIME,
                        date(today.year - rng.randint(0, 3), 9, 1),
                        1,
                        AppointmentMethod.ELECTED,
                        False,
                        DutyStatus.ON_DUTY,
                    )
                elif i == 1:
                    posts.add(
                        pid,
                        branch.id,
                        PostTitle.ORGANIZATION_MEMBER,
                        PostNature.PART_TIME,
                        date(today.year - rng.randint(0, 3), 9, 1),
                        2 if rng.random() < 0.3 else None,
                        AppointmentMethod.ELECTED,
                        False,
                        DutyStatus.ON_DUTY,
                    )
                if joined >= archive_from:
                    self.add_archive(archives, pid, first, branch, parent, hot_pending=in_hot)
                    self.add_record(
                        records,
                        IncKind.JOINING,
                        branch,
                        first,
                        pid,
                        IncState.APPROVED,
                        f"入团激励：{joined:%Y年%m月}入团",
                    )
                    joinings.add(self.record_id, joined, "")
                if evaluated:
                    grade = Grade.QUALIFIED
                    r = rng.random()
                    if r < 0.25 and excellent_left:
                        grade, excellent_left = Grade.EXCELLENT, excellent_left - 1
                    elif r > 0.985:
                        grade = Grade.ABSENT
                    state = IncState.PENDING if eval_pending else IncState.APPROVED
                    self.add_record(
                        records, IncKind.EVALUATION, branch, first, pid, state, f"{eval_year}年度团员教育评议"
                    )
                    evaluations.add(
                        self.record_id,
                        pid,
                        branch.id,
                        eval_year,
                        grade,
                        "外出务工未参加" if grade == Grade.ABSENT else "",
                        "",
                    )
            self._maybe_flush()
        for t in self.tables:
            t.flush()
        for t, key in zip(
            self.tables,
            ["people", "cadre_posts", "archives", "incentive_records", "joinings", "evaluations"],
            strict=True,
        ):
            self.counts[key] = t.count

    def _maybe_flush(self):
        """Flush every table, parents first, once any buffer is full (FK order without replica mode)."""
        if any(len(t._buffer) >= Table.CHUNK for t in self.tables):
            for t in self.tables:
                t.flush()

    def add_person(self, table, node, birth, *, branch_id, joined_month, cadre=False):
        rng, today = self.rng, self.today
        self.person_id += 1
        pid = self.person_id
        id_number, gender = self.id_number(node.region, birth)
        sort = node.sort
        student = not cadre and sort in ("university", "graduate", "high", "middle")
        if student:
            occupation = Occupation.STUDENT
            if sort == "middle":
                education, detail = Education.PRIMARY, StudyStatus.JUNIOR_HIGH
            elif sort == "high":
                education, detail = Education.JUNIOR_HIGH, StudyStatus.HIGH_SCHOOL
            elif node.industry == Industry.VOCATIONAL_COLLEGE:
                education, detail = Education.HIGH_SCHOOL, StudyStatus.VOCATIONAL_COLLEGE
            else:
                education, detail = Education.HIGH_SCHOOL, StudyStatus.UNDERGRADUATE
        else:
            occupation = rng.choice(
                (
                    Occupation.PRIVATE_ENTERPRISE,
                    Occupation.STATE_ENTERPRISE,
                    Occupation.FARMER,
                    Occupation.PUBLIC_INSTITUTION,
                    Occupation.PARTY_GOVERNMENT,
                    Occupation.MIGRANT_WORKER,
                )
            )
            education = rng.choice(
                (
                    Education.BACHELOR,
                    Education.BACHELOR,
                    Education.JUNIOR_COLLEGE,
                    Education.HIGH_SCHOOL,
                    Education.MASTER,
                    Education.SECONDARY_SPECIALIZED,
                )
            )
            detail = "团务工作人员" if cadre else "职员"
        r = rng.random()
        ethnicity = "汉族" if r < HAN_SHARE else MINORITIES[int((r - HAN_SHARE) / (1 - HAN_SHARE) * len(MINORITIES))]
        party = None
        political = PoliticalStatus.LEAGUE_MEMBER
        age = today.year - birth.year
        # cadres are party members; about 3% of members over 20 are
        if cadre or (age >= 20 and rng.random() < 0.03):
            political = PoliticalStatus.PARTY_MEMBER
            party = date(min(birth.year + 22, today.year - 1), 7, 1)
        dev = ""
        if joined_month and joined_month.year >= 2017:
            y = joined_month.year
            n = self._dev_seq.get(y, 0) + 1
            self._dev_seq[y] = n
            dev = f"{y}{self._unique(n):08d}"
        volunteer = rng.random() < 0.6
        table.add(
            pid,
            UNUSABLE_PASSWORD,
            id_number,
            self.name(),
            gender,
            birth,
            f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}" if rng.random() < 0.92 or cadre else "",
            branch_id,
            VerificationStatus.PASSED
            if r < 0.9 or cadre
            else (VerificationStatus.UNVERIFIED if r < 0.98 else VerificationStatus.FAILED),
            ethnicity,
            education,
            occupation,
            detail,
            political,
            joined_month,
            dev,
            party,
            volunteer,
            _month(max(birth.replace(year=birth.year + 16), date(2015, 1, 1))) if volunteer else None,
            node.category == OrgCategory.GRADUATE,
            self.now - timedelta(days=rng.randint(30, 2000)),
        )
        return pid

    def add_archive(self, table, pid, secretary, branch, parent, hot_pending=False):
        """ARC-01/02: 团支部 uploads wait for the parent committee; most are 已认证 already."""
        rng = self.rng
        r = rng.random()
        if hot_pending:
            state = MemberArchive.State.PENDING
            self.hot_archives += 1
        elif r < 0.78:
            state = MemberArchive.State.VERIFIED
        elif r < 0.86:
            state = MemberArchive.State.PENDING
        elif r < 0.89:
            state = MemberArchive.State.REJECTED
        else:
            return  # 尚未认证: nothing uploaded yet
        uploaded = self.now - timedelta(days=rng.randint(1, 700))
        decided = state != MemberArchive.State.PENDING
        table.add(
            pid,
            f"archives/{uploaded:%Y/%m}/{rng.getrandbits(128):032x}.pdf",
            "入团志愿书.pdf",
            rng.randint(200_000, 4_000_000),
            rng.randint(2, 6),
            state,
            secretary,
            branch.id,
            parent.id,
            uploaded,
            None,
            uploaded + timedelta(days=3) if decided else None,
            "扫描件不清晰，请重新上传" if state == MemberArchive.State.REJECTED else "",
            uploaded,
        )

    def add_record(self, table, kind, branch, recorded_by, pid, state, summary):
        self.record_id += 1
        approved = state == IncState.APPROVED
        created = self.now - timedelta(days=self.rng.randint(1, 600))
        table.add(
            self.record_id,
            kind,
            branch.id,
            recorded_by,
            pid,
            state,
            summary,
            created + timedelta(days=2) if approved else None,
            IncState.APPROVED if approved else "",
            created,
        )

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
        rng, today = self.rng, self.today
        start, end = settings.ZHTJ["REC_CAMPAIGN_MONTHS"]
        year = today.year if today.month >= start else today.year - 1
        months = [date(year, m, 1) for m in range(start, min(end, today.month if year == today.year else end) + 1)]
        campaign = Table(CampaignRecord, ["id", "branch_id", "year", "state", "poor_count", "key_since", "created_at"])
        checks = Table(
            SelfCheck,
            [
                "record_id",
                "month",
                "answers",
                "poor_count",
                "filled_by_id",
                "filler_name",
                "filled_by_org_id",
                "submitted_at",
                "review_result",
            ],
        )
        grading = Table(
            GradingRecord,
            ["org_id", "year", "state", "self_level", "self_by_id", "self_at", "review_level", "created_at"],
        )
        codes = [code for code, _, _ in CHECK_ITEMS]
        record_id = (self.worker or 0) * RECORD_IDS_PER_WORKER
        outcomes = [
            (RecState.QUALIFIED, 0),
            (RecState.QUALIFIED, 0),
            (RecState.BASIC, 3),
            (RecState.PENDING, 2),
            (RecState.KEY, 11),
            (RecState.REJECTED, 4),
        ]
        for node in self.share(self.shape.nodes):
            if node.parent is not None and node.parent is self.shape.hot:
                continue  # see write_people: nothing else waits for the hot committee
            if node.category == OrgCategory.BRANCH and rng.random() < 0.7:
                record_id += 1
                state, poor = rng.choice(outcomes)
                submitted = timezone.make_aware(
                    datetime.combine(months[0] + timedelta(days=rng.randint(0, 25)), datetime.min.time())
                )
                campaign.add(
                    record_id, node.id, year, state, poor, submitted if state == RecState.KEY else None, submitted
                )
                bad = set(rng.sample(codes, poor))
                answers = {
                    c: (Rating.POOR if c in bad else rng.choice((Rating.GOOD, Rating.GOOD, Rating.FAIR))) for c in codes
                }
                checks.add(
                    record_id,
                    _month(submitted.date()),
                    answers,
                    poor,
                    self.secretary_of[node.id],
                    "书记",
                    node.id,
                    submitted,
                    "",
                )
            if node.category in (OrgCategory.BRANCH, OrgCategory.GENERAL_BRANCH) and rng.random() < 0.4:
                level = rng.choice([Level.FIVE, Level.FOUR, Level.FOUR, Level.THREE, Level.THREE, Level.TWO])
                reviewed = rng.random() < 0.5
                grading.add(
                    node.id,
                    today.year,
                    GrdState.REVIEWED if reviewed else GrdState.PENDING,
                    level,
                    self.secretary_of[node.id],
                    self.now - timedelta(days=rng.randint(1, 60)),
                    level if reviewed else "",
                    self.now - timedelta(days=60),
                )
        for t in (campaign, checks, grading):
            t.flush()
        self.counts.update(campaign_records=campaign.count, self_checks=checks.count, grading_records=grading.count)


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
