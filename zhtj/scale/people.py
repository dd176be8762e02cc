"""The people of `generate_scale_data`, made inside PostgreSQL: one INSERT … SELECT over
generate_series per table and worker, no row passing through Python.

Python plans (`Generator.plan_people`): which org gets how many people, numbered in advance, and a
few per-branch choices; the plan goes to a table of its own (`PLAN`, one row per org with people)
and each worker turns its share of it into people, cadre posts, e-archives, 入团激励 and evaluation
rows. Every random choice is a hash of the person's number and the seed (`Draw`), so the rows don't
depend on the order PostgreSQL makes them in and the same options give the same data. The
proportions are those the generator always had (issue 10): see the expressions below.
"""

import io
from functools import cache

from django.conf import settings
from django.db import connection

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

from .copy import insert_select

GIVEN_CHARS = "子涵欣怡浩然梓萱宇轩诗俊杰雨桐墨一诺佳明思远晨曦文博嘉皓若汐天佑梦琪志强伟芳娜敏静丽磊洋艳勇军杰娟涛超秀霞平刚桂英华玉兰飞鹏辉"
MINORITIES = [e for e in ETHNICITIES if e != "汉族"][:20]
HAN_SHARE = 0.91
UNUSABLE_PASSWORD = "!scale-data"  # Django treats a leading "!" as "no password": log in via force_login

PLAN = "scale_people_plan"
PLAN_COLUMNS = {
    "worker": "int",
    "org_id": "int",
    "parent_id": "int",
    "top_id": "int",  # its province (the org at level 1 above it): incentive records carry it
    "first_pid": "bigint",
    "size": "int",
    "cadre": "boolean",  # the org's own cadres (older staff), not members of a branch
    "full_time": "boolean",
    "region": "text",
    "region_sum": "int",  # the region's share of the ID number's checksum
    "sort": "text",
    "cohort": "int",
    "is_graduate": "boolean",
    "vocational": "boolean",
    "in_hot": "boolean",
    "category": "text",
    "evaluated": "boolean",
    "eval_pending": "boolean",
}
# ID number check digit (GB 11643): weights of the 17 digits, and the digit for each remainder
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# a person's joining and evaluation records get ids 2·pid and 2·pid + 1 (ids needn't be dense)


@cache
def region_sum(region):
    return sum(int(d) * w for d, w in zip(region, ID_WEIGHTS[:6], strict=True))


def write_plan(rows):
    """The plan rows (tuples in PLAN_COLUMNS order) into a fresh unlogged table, with COPY."""
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {PLAN}")
        c.execute(f"CREATE UNLOGGED TABLE {PLAN} ({', '.join(f'{k} {t}' for k, t in PLAN_COLUMNS.items())})")
        buffer = io.StringIO()
        for row in rows:
            buffer.write(
                "\t".join("\\N" if v is None else ("t" if v is True else "f" if v is False else str(v)) for v in row)
            )
            buffer.write("\n")
        buffer.seek(0)
        c.cursor.copy_expert(f"COPY {PLAN} FROM STDIN", buffer)
        c.execute(f"ANALYZE {PLAN}")


def drop_plan():
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {PLAN}")


class Draw:
    """Deterministic random numbers in SQL: draw k of the row keyed by `key` (a bigint column)."""

    def __init__(self, seed, key="g.pid"):
        self.base = (seed % 10**9) * 1000
        self.key = key

    def u(self, k):
        """uniform in [0, 1)"""
        return f"((hashint8extended({self.key}, {self.base + k}) & 2147483647)::float8 / 2147483648.0)"

    def int(self, k, low, high):
        """uniform integer in low..high, as random.randint"""
        return f"({low} + floor({self.u(k)} * {high - low + 1})::int)"

    def pick(self, k, array_param, n):
        """one element of the SQL array parameter `array_param` (n elements), as random.choice"""
        return f"(%({array_param})s::text[])[1 + floor({self.u(k)} * {n})::int]"


class PeopleWriter:
    """One worker's people: its rows of the plan (`worker = w`), `workers` in all."""

    def __init__(self, generator, worker, workers):
        self.g = generator
        self.w = worker
        self.workers = workers
        self.today = generator.today
        self.draw = Draw(generator.seed)
        self.counts = {}

    def run(self):
        with connection.cursor() as c:
            c.execute("SET LOCAL work_mem = '256MB'")  # the sort that numbers the ID numbers
        self.write_people()
        self.write_posts()
        self.write_joined_rows()
        self.write_evaluations()
        return self.counts

    # --- people --------------------------------------------------------------------------------
    def write_people(self):
        # draws 1–4 make the birth date inside (g: the plan row's people), the rest outside (b)
        d, today = Draw(self.g.seed, key="g.pid"), self.today
        Y = today.year
        cap = today.replace(year=Y - 14, day=1)
        birth_year = f"""CASE
            WHEN p.cadre THEN {Y} - {d.int(1, 26, 42)}
            WHEN p.in_hot THEN {Y} - {d.int(1, 18, 21)}
            WHEN p.sort IN ('university', 'graduate') THEN p.cohort - 18 + (ARRAY[-1, 0, 0, 0, 1])[1 + floor({d.u(2)} * 5)::int]
            WHEN p.sort = 'high' THEN p.cohort - 15 + (ARRAY[0, 0, 1])[1 + floor({d.u(2)} * 3)::int]
            WHEN p.sort = 'middle' THEN {Y} - {d.int(1, 14, 15)}
            WHEN p.sort IN ('abroad', 'delayed') THEN {Y} - {d.int(1, 22, 25)}
            ELSE {Y} - {d.int(1, 18, 28)} END"""
        birth = f"make_date({birth_year}, {d.int(3, 1, 12)}, {d.int(4, 1, 28)})"
        # members are at least 14 by today (the hot committee's are 18–21 anyway): one born too
        # late is a year older (not all on the last day allowed, which would exhaust that day's
        # ID numbers in a region)
        raw = f"""SELECT p.*, g.pid, {birth} AS raw_birth, {d.u(6)} < 0.5 AS male
            FROM {PLAN} p CROSS JOIN LATERAL generate_series(p.first_pid, p.first_pid + p.size - 1) AS g(pid)
            WHERE p.worker = {self.w}"""
        planned = f"""SELECT r.*, CASE WHEN r.cadre OR r.in_hot OR r.raw_birth <= DATE '{cap}' THEN r.raw_birth
            ELSE (r.raw_birth - interval '1 year')::date END AS birth FROM ({raw}) r"""
        d = Draw(self.g.seed, key="b.pid")
        # k numbers the people of one region, birth date and gender (this worker's; unique across
        # workers as k·workers + w): the ID number's sequence digits, 500 a gender (GB 11643)
        numbered = f"""SELECT b.*, (row_number() OVER (PARTITION BY b.region, b.birth, b.male ORDER BY b.pid) - 1)
                * {self.workers} + {self.w} AS k FROM ({planned}) b"""
        # joined between 14 and 17, and not after today (MEM-03); the hot committee's members
        # joined after ARCHIVE_REQUIRED_FROM_YEAR (their archives are all waiting)
        earliest, latest = (
            "(b.birth + interval '14 years')::date",
            f"LEAST((b.birth + interval '17 years')::date, DATE '{today}')",
        )
        joined = (
            f"date_trunc('month', {earliest} + floor({d.u(5)} * (GREATEST(0, {latest} - {earliest}) + 1))::int)::date"
        )
        hot_from = f"DATE '{settings.ZHTJ['ARCHIVE_REQUIRED_FROM_YEAR'] + 1}-01-01'"
        joined = f"CASE WHEN b.cadre THEN NULL WHEN b.in_hot THEN GREATEST({joined}, {hot_from}) ELSE {joined} END"
        male = "b.male"
        seq = f"(mod(2 * b.k + CASE WHEN {male} THEN 1 ELSE 0 END, 1000))"
        y, m, dd = (
            "extract(year FROM b.birth)::int",
            "extract(month FROM b.birth)::int",
            "extract(day FROM b.birth)::int",
        )
        # the check digit (GB 11643) from the digits of the birth date and the sequence
        digits = [f"{y} / 1000", f"mod({y} / 100, 10)", f"mod({y} / 10, 10)", f"mod({y}, 10)"]
        digits += [f"{m} / 10", f"mod({m}, 10)", f"{dd} / 10", f"mod({dd}, 10)"]
        digits += [f"{seq} / 100", f"mod({seq} / 10, 10)", f"mod({seq}, 10)"]
        checksum = " + ".join(["b.region_sum"] + [f"{x} * {w}" for x, w in zip(digits, ID_WEIGHTS[6:], strict=True)])
        body = f"b.region || to_char(b.birth, 'YYYYMMDD') || lpad({seq}::text, 3, '0')"
        rows = f"FROM (SELECT b.*, {joined} AS joined FROM ({numbered}) b) b"
        r = d.u(7)  # one draw for 民族 and 认证状态, as before
        student = "(NOT b.cadre AND b.sort IN ('university', 'graduate', 'high', 'middle'))"
        party = f"(b.cadre OR ({Y} - {y} >= 20 AND {d.u(8)} < 0.03))"
        params = {
            "surnames": list(SURNAMES),
            "given": list(GIVEN_CHARS),
            "minorities": MINORITIES,
            "occupations": [
                Occupation.PRIVATE_ENTERPRISE,
                Occupation.STATE_ENTERPRISE,
                Occupation.FARMER,
                Occupation.PUBLIC_INSTITUTION,
                Occupation.PARTY_GOVERNMENT,
                Occupation.MIGRANT_WORKER,
            ],
            "educations": [
                Education.BACHELOR,
                Education.BACHELOR,
                Education.JUNIOR_COLLEGE,
                Education.HIGH_SCHOOL,
                Education.MASTER,
                Education.SECONDARY_SPECIALIZED,
            ],
            "now": self.g.now,
        }
        n_min = len(MINORITIES)
        self.counts["people"] = insert_select(
            Person,
            {
                "id": "b.pid",
                "password": f"'{UNUSABLE_PASSWORD}'",
                "id_number": f"{body} || substr('{CHECK_CHARS}', (mod({checksum}, 11) + 1)::int, 1)",
                "name": f"{d.pick(9, 'surnames', len(SURNAMES))} || {d.pick(10, 'given', len(GIVEN_CHARS))}"
                f" || CASE WHEN {d.u(11)} < 0.75 THEN {d.pick(12, 'given', len(GIVEN_CHARS))} ELSE '' END",
                "gender": f"CASE WHEN {male} THEN 'M' ELSE 'F' END",
                "birth_date": "b.birth",
                "mobile": f"CASE WHEN b.cadre OR {d.u(13)} < 0.92 THEN '1' || {d.int(14, 3, 9)}::text"
                f" || lpad(floor({d.u(15)} * 1000000000)::bigint::text, 9, '0') ELSE '' END",
                "branch_id": "CASE WHEN b.cadre THEN NULL ELSE b.org_id END",
                "verification_status": f"CASE WHEN {r} < 0.9 OR b.cadre THEN '{VerificationStatus.PASSED}'"
                f" WHEN {r} < 0.98 THEN '{VerificationStatus.UNVERIFIED}' ELSE '{VerificationStatus.FAILED}' END",
                "ethnicity": f"CASE WHEN {r} < {HAN_SHARE} THEN '汉族' ELSE (%(minorities)s::text[])"
                f"[1 + LEAST({n_min - 1}, floor(({r} - {HAN_SHARE}) / (1 - {HAN_SHARE}) * {n_min})::int)] END",
                "education": f"""CASE WHEN NOT {student} THEN {d.pick(16, "educations", 6)}
                    WHEN b.sort = 'middle' THEN '{Education.PRIMARY}'
                    WHEN b.sort = 'high' THEN '{Education.JUNIOR_HIGH}'
                    ELSE '{Education.HIGH_SCHOOL}' END""",
                "occupation": f"CASE WHEN {student} THEN '{Occupation.STUDENT}' ELSE {d.pick(17, 'occupations', 6)} END",
                "occupation_detail": f"""CASE WHEN b.cadre THEN '团务工作人员' WHEN NOT {student} THEN '职员'
                    WHEN b.sort = 'middle' THEN '{StudyStatus.JUNIOR_HIGH}'
                    WHEN b.sort = 'high' THEN '{StudyStatus.HIGH_SCHOOL}'
                    WHEN b.vocational THEN '{StudyStatus.VOCATIONAL_COLLEGE}'
                    ELSE '{StudyStatus.UNDERGRADUATE}' END""",
                "political_status": f"CASE WHEN {party} THEN '{PoliticalStatus.PARTY_MEMBER}'"
                f" ELSE '{PoliticalStatus.LEAGUE_MEMBER}' END",
                "joined_month": "b.joined",
                # 12 digits, the first 4 the join year, unique (MEM-04): the year and the person's number
                "development_number": "CASE WHEN b.joined >= DATE '2017-01-01'"
                " THEN extract(year FROM b.joined)::int::text || lpad(b.pid::text, 8, '0') ELSE '' END",
                "party_joined_month": f"CASE WHEN {party} THEN make_date(LEAST({y} + 22, {Y - 1}), 7, 1) END",
                "is_volunteer": f"({d.u(18)} < 0.6)",
                "volunteer_since": f"CASE WHEN {d.u(18)} < 0.6 THEN date_trunc('month',"
                " GREATEST((b.birth + interval '16 years')::date, DATE '2015-01-01'))::date END",
                "is_graduate": "b.is_graduate",
                "date_joined": f"%(now)s::timestamptz - {d.int(19, 30, 2000)} * interval '1 day'",
            },
            rows,
            params,
        )

    # --- cadre posts ---------------------------------------------------------------------------
    def write_posts(self):
        """Every cadre of a leadership organ or committee holds a post there (书记, 副书记, 委员);
        a branch's first member is its 书记 (admin slot 1), its second a 组织委员."""
        d, Y = self.draw, self.today.year
        i = "(g.pid - p.first_pid)"
        self.counts["cadre_posts"] = insert_select(
            CadrePost,
            {
                "person_id": "g.pid",
                "org_id": "p.org_id",
                "title": f"""CASE WHEN {i} = 0 THEN '{PostTitle.SECRETARY}'
                    WHEN NOT p.cadre THEN '{PostTitle.ORGANIZATION_MEMBER}'
                    WHEN {i} = 1 THEN '{PostTitle.DEPUTY_SECRETARY}' ELSE '{PostTitle.COMMITTEE_MEMBER}' END""",
                "nature": f"""CASE WHEN NOT p.cadre THEN '{PostNature.PART_TIME}'
                    WHEN p.full_time AND {i} < 2 THEN '{PostNature.FULL_TIME}'
                    WHEN {d.u(30)} < 2.0 / 3 THEN '{PostNature.PART_TIME}' ELSE '{PostNature.SECONDED}' END""",
                "started_on": f"make_date({Y} - CASE WHEN p.cadre THEN {d.int(31, 0, 5)} ELSE {d.int(31, 0, 3)} END, 9, 1)",
                "admin_slot": f"""CASE WHEN {i} = 0 THEN 1
                    WHEN {i} = 1 AND {d.u(32)} < CASE WHEN p.cadre THEN 0.4 ELSE 0.3 END THEN 2 END""",
                "appointment_method": f"'{AppointmentMethod.ELECTED}'",
                "is_party_committee_member": f"(p.cadre AND {d.u(33)} < 0.5)",
                "duty_status": f"'{DutyStatus.ON_DUTY}'",
            },
            f"""FROM {PLAN} p CROSS JOIN LATERAL generate_series(p.first_pid,
                p.first_pid + CASE WHEN p.cadre THEN p.size ELSE LEAST(p.size, 2) END - 1) AS g(pid)
                WHERE p.worker = {self.w}""",
        )

    # --- e-archives and 入团激励 ---------------------------------------------------------------
    def write_joined_rows(self):
        """Members who joined in ARCHIVE_REQUIRED_FROM_YEAR or later: an e-archive (ARC-01/02: a
        branch's uploads wait for the parent committee; most are 已认证 already, some not uploaded
        yet) and a 入团激励 record with its Joining."""
        d = Draw(self.g.seed, key="m.id")
        archive_from = f"DATE '{settings.ZHTJ['ARCHIVE_REQUIRED_FROM_YEAR']}-01-01'"
        members = f"""FROM {Person._meta.db_table} m JOIN {PLAN} p ON p.org_id = m.branch_id
            WHERE p.worker = {self.w} AND NOT p.cadre AND m.joined_month >= {archive_from}"""
        r = d.u(40)
        state = f"""CASE WHEN p.in_hot THEN '{MemberArchive.State.PENDING}'
            WHEN {r} < 0.78 THEN '{MemberArchive.State.VERIFIED}'
            WHEN {r} < 0.86 THEN '{MemberArchive.State.PENDING}' ELSE '{MemberArchive.State.REJECTED}' END"""
        uploaded = f"(%(now)s::timestamptz - {d.int(41, 1, 700)} * interval '1 day')"
        params = {"now": self.g.now}
        self.counts["archives"] = insert_select(
            MemberArchive,
            {
                "person_id": "m.id",
                "file": f"'archives/' || to_char({uploaded}, 'YYYY/MM') || '/' || md5(m.id::text || '-{self.g.seed}') || '.pdf'",
                "original_name": "'入团志愿书.pdf'",
                "size": d.int(42, 200_000, 4_000_000),
                "pages": d.int(43, 2, 6),
                "state": state,
                "uploaded_by_id": "p.first_pid",
                "uploaded_by_org_id": "p.org_id",
                "approver_org_id": "p.parent_id",
                "uploaded_at": uploaded,
                "decided_by_id": "NULL",
                "decided_at": f"CASE WHEN {state} <> '{MemberArchive.State.PENDING}' THEN {uploaded} + interval '3 days' END",
                "reason": f"CASE WHEN {state} = '{MemberArchive.State.REJECTED}' THEN '扫描件不清晰，请重新上传' ELSE '' END",
                "created_at": uploaded,
            },
            f"{members} AND (p.in_hot OR {r} < 0.89)",  # the rest: 尚未认证, nothing uploaded yet
            params,
        )
        created = f"(%(now)s::timestamptz - {d.int(44, 1, 600)} * interval '1 day')"
        self.counts["incentive_records"] = insert_select(
            IncentiveRecord,
            {
                "id": "2 * m.id",
                "kind": f"'{IncKind.JOINING}'",
                "recorder_id": "p.org_id",
                "recorder_top_id": "p.top_id",
                "person_top_id": "p.top_id",  # the member's branch is the recording one
                "recorded_by_id": "p.first_pid",
                "person_id": "m.id",
                "state": f"'{IncState.APPROVED}'",
                "summary": """'入团激励：' || to_char(m.joined_month, 'YYYY"年"MM"月"') || '入团'""",
                "first_approved_at": f"{created} + interval '2 days'",
                "superior_decision": f"'{IncState.APPROVED}'",
                "created_at": created,
            },
            members,
            params,
        )
        self.counts["joinings"] = insert_select(
            Joining, {"record_id": "2 * m.id", "joined_on": "m.joined_month", "ceremony": "''"}, members
        )

    # --- 团员教育评议 --------------------------------------------------------------------------
    def write_evaluations(self):
        """Last year's evaluation in half the 团支部 (none in the hot committee: see
        Generator.plan_people): at most 30% 优秀 in a branch, about 1.5% absent."""
        d = self.draw
        eval_year = self.today.year - 1
        r = d.u(50)
        i = "(g.pid - p.first_pid)"
        grade = f"""CASE WHEN {r} < 0.25 AND {i} < floor(p.size * 0.3) THEN '{Grade.EXCELLENT}'
            WHEN {r} > 0.985 THEN '{Grade.ABSENT}' ELSE '{Grade.QUALIFIED}' END"""
        rows = f"""FROM {PLAN} p CROSS JOIN LATERAL generate_series(p.first_pid, p.first_pid + p.size - 1) AS g(pid)
            WHERE p.worker = {self.w} AND p.evaluated"""
        created = f"(%(now)s::timestamptz - {d.int(51, 1, 600)} * interval '1 day')"
        records = insert_select(
            IncentiveRecord,
            {
                "id": "2 * g.pid + 1",
                "kind": f"'{IncKind.EVALUATION}'",
                "recorder_id": "p.org_id",
                "recorder_top_id": "p.top_id",
                "person_top_id": "p.top_id",  # the member's branch is the recording one
                "recorded_by_id": "p.first_pid",
                "person_id": "g.pid",
                "state": f"CASE WHEN p.eval_pending THEN '{IncState.PENDING}' ELSE '{IncState.APPROVED}' END",
                "summary": f"'{eval_year}年度团员教育评议'",
                "first_approved_at": f"CASE WHEN p.eval_pending THEN NULL ELSE {created} + interval '2 days' END",
                "superior_decision": f"CASE WHEN p.eval_pending THEN '' ELSE '{IncState.APPROVED}' END",
                "created_at": created,
            },
            rows,
            {"now": self.g.now},
        )
        self.counts["incentive_records"] = self.counts.get("incentive_records", 0) + records
        self.counts["evaluations"] = insert_select(
            Evaluation,
            {
                "record_id": "2 * g.pid + 1",
                "person_id": "g.pid",
                "branch_id": "p.org_id",
                "year": str(eval_year),
                "grade": grade,
                "absence_reason": f"CASE WHEN {grade} = '{Grade.ABSENT}' THEN '外出务工未参加' ELSE '' END",
                "decision_file": "''",
            },
            rows,
        )
