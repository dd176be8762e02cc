"""The floors of the benchmark: for each operation, the least work that gives the same answer,
written by hand as ONE SQL statement (or, for the import, openpyxl merely reading the file).

Each floor returns the figures it produced, so the benchmark can check that our code path and the
floor agree: a floor that "wins" by answering something else would show up as a mismatch.
Table and column names come from the models, so the floors follow migrations.
"""

import json

from django.db import connection
from openpyxl import load_workbook

from incentives.models import IncentiveRecord
from members.models import AdminChangeRequest, ArchiveChangeRequest, CadrePost, MemberArchive, Person
from members.models_cadres import GraduateMark
from members.models_people import DeletionRequest
from orgs.choices import OrgCategory
from orgs.models import AnnualRegistration, GraduationCorrectionRequest, Organization
from rectification.models import CampaignRecord, GradingRecord, SelfCheckCorrectionRequest
from transfers.models import Transfer
from zhtj.core import tree
from zhtj.core.models import AuditLog, Notification

ORGS = Organization._meta.db_table
PEOPLE = Person._meta.db_table
POSTS = CadrePost._meta.db_table
TRANSFERS = Transfer._meta.db_table
ARCHIVES = MemberArchive._meta.db_table


def fetch(sql, params):
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.fetchall()


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


# --- 组织录入情况 (ORG-11) ----------------------------------------------------------------------

STAFFING = "admin_staff_quota IS NOT NULL AND admin_staff_actual IS NOT NULL AND career_staff_quota IS NOT NULL AND career_staff_actual IS NOT NULL"
SECRETARY = "secretary_name <> '' AND secretary_id_number <> '' AND secretary_mobile <> ''"
FILLED = f"""name <> '' AND full_name <> '' AND (
    (category = 'leadership' AND phone <> '' AND email <> '' AND {STAFFING} AND {SECRETARY})
 OR (category IN ('committee', 'working_committee', 'general_branch') AND industry <> '' AND {STAFFING} AND {SECRETARY})
 OR (is_branch_kind AND industry <> '' AND {SECRETARY}))"""


def entry_progress(org, level, page_size):
    """The summary figures of one level below `org`, the deepest level, and the first page."""
    rows = fetch(
        f"""
        WITH lvl AS (
            SELECT id, name, first_admin_login_at, tree_id, lft, rght, ({FILLED}) AND secretary_ready AS complete,
                   rght > lft + 1 OR (tree_last > tree_id AND EXISTS (SELECT 1 FROM {ORGS} c WHERE c.parent_id = o.id))
                     AS with_children
            FROM {ORGS} o WHERE {SUBTREE} AND level = %(lv)s AND id <> %(o)s
        )
        SELECT (SELECT level FROM {ORGS} o WHERE {SUBTREE} AND id <> %(o)s ORDER BY level DESC LIMIT 1),
               (SELECT json_build_object('total', count(*), 'logged_in', count(first_admin_login_at),
                                         'complete', count(*) FILTER (WHERE complete),
                                         'with_children', count(*) FILTER (WHERE with_children)) FROM lvl),
               (SELECT json_agg(x) FROM (
                    SELECT lvl.id, lvl.name, lvl.complete,
                           (SELECT p.name FROM {POSTS} c JOIN {PEOPLE} p ON p.id = c.person_id
                            WHERE c.org_id = lvl.id AND c.admin_slot = 1 AND c.ended_on IS NULL) AS admin_1
                    FROM lvl ORDER BY tree_id, lft LIMIT %(n)s) x)
        """,
        {**tree.bounds(org), "o": org.pk, "lv": level - 1, "n": page_size},
    )[0]
    figures = _json(rows[1])
    figures["deepest"] = (rows[0] if rows[0] is not None else org.level) + 1
    return figures, [r["id"] for r in _json(rows[2]) or []]


# --- 团内大数据 (STAT-01, STAT-02) ----------------------------------------------------------------

# an org's subtree in hand-written SQL (`core.tree.bounds`), the orgs' alias `o` or `b`
SUBTREE = "o.tree_id BETWEEN %(t0)s AND %(t1)s AND o.lft BETWEEN %(l)s AND %(r)s"
BRANCHES_IN = SUBTREE.replace("o.", "b.")
MEMBERS_OF = f"FROM {PEOPLE} p JOIN {ORGS} b ON b.id = p.branch_id WHERE {BRANCHES_IN}"


def statistics(org, chart, cutoffs, year):
    """One chart's grouped counts and the year's 已认证 new members, in one statement."""
    if chart == "age":
        cases = " ".join(f"WHEN p.birth_date > %(c{i})s THEN {i}" for i in range(len(cutoffs)))
        key = f"CASE {cases} ELSE {len(cutoffs)} END"
    else:
        key = f"p.{chart}"
    params = {**tree.bounds(org), "y0": f"{year}-01-01", "y1": f"{year + 1}-01-01"}
    params.update({f"c{i}": c for i, c in enumerate(cutoffs)})
    rows = fetch(
        f"""SELECT (SELECT json_object_agg(k, n) FROM (SELECT {key} AS k, count(*) AS n {MEMBERS_OF} GROUP BY 1) g),
                   (SELECT count(*) {MEMBERS_OF} AND p.joined_month >= %(y0)s AND p.joined_month < %(y1)s
                    AND EXISTS (SELECT 1 FROM {ARCHIVES} a WHERE a.person_id = p.id AND a.state = 'verified'))""",
        params,
    )[0]
    return {str(k): v for k, v in (_json(rows[0]) or {}).items()}, rows[1]


# --- 重点领域基层团干部配备 (CAD-04) -----------------------------------------------------------------


def staffing(org, page_size):
    """高校本级 in the subtree, the first page with distinct cadres per nature, and the count."""
    rows = fetch(
        f"""
        WITH u AS (
            SELECT id, tree_id, lft, rght FROM {ORGS} o
            WHERE {SUBTREE} AND industry IN ('university', 'vocational_college') AND school_code <> ''
        ), first AS (SELECT * FROM u ORDER BY tree_id, lft LIMIT %(n)s)
        SELECT (SELECT count(*) FROM u),
               (SELECT json_agg(x ORDER BY x.tree_id, x.lft) FROM (
                    SELECT f.id, f.tree_id, f.lft,
                      count(DISTINCT c.person_id) FILTER (WHERE c.nature = 'full_time' AND p.occupation <> 'student') AS full_time,
                      count(DISTINCT c.person_id) FILTER (WHERE c.nature = 'seconded' AND p.occupation <> 'student') AS seconded,
                      count(DISTINCT c.person_id) FILTER (WHERE c.nature = 'part_time' OR p.occupation = 'student') AS part_time,
                      count(DISTINCT c.person_id) AS total
                    FROM first f
                    LEFT JOIN {ORGS} s ON s.tree_id = f.tree_id AND s.lft BETWEEN f.lft AND f.rght
                    LEFT JOIN {POSTS} c ON c.org_id = s.id AND c.ended_on IS NULL
                    LEFT JOIN {PEOPLE} p ON p.id = c.person_id
                    GROUP BY f.id, f.tree_id, f.lft) x)
        """,
        {**tree.bounds(org), "n": page_size},
    )[0]
    return rows[0], [(r["id"], r["full_time"], r["seconded"], r["part_time"], r["total"]) for r in _json(rows[1]) or []]


# --- 操作中心 (OPC-01) ----------------------------------------------------------------------------


def inbox(org, page_size):
    """Counts per kind of what waits for `org`, and the newest `page_size` items across kinds."""
    kinds = {
        "transfer": (
            f"SELECT t.id, t.created_at FROM {TRANSFERS} t JOIN {ORGS} f ON f.id = t.from_branch_id JOIN {ORGS} g ON g.id = t.target_id"
            " WHERE (t.state = 'sending' AND (t.from_branch_id = %(o)s OR f.parent_id = %(o)s))"
            " OR (t.state = 'receiving' AND t.target_id = %(o)s AND g.category <> 'special_unit_pool')"
            " OR (t.state = 'receiving' AND g.parent_id = %(o)s AND g.is_branch_kind)"
            " OR (t.state = 'allocating' AND t.target_id = %(o)s)"
        ),
        "archive_review": f"SELECT id, created_at FROM {ARCHIVES} WHERE state = 'pending' AND approver_org_id = %(o)s",
        "archive_change": f"SELECT id, created_at FROM {ArchiveChangeRequest._meta.db_table} WHERE state = 'pending' AND approver_id = %(o)s",
        "incentive": (
            f"SELECT r.id, r.created_at FROM {IncentiveRecord._meta.db_table} r JOIN {ORGS} o ON o.id = r.recorder_id"
            " WHERE (r.state = 'pending' AND o.parent_id = %(o)s) OR (r.state = 'grantor' AND (r.grantor_id = %(o)s OR r.delegate_id = %(o)s))"
        ),
        "self_check_review": (
            f"SELECT r.id, r.updated_at FROM {CampaignRecord._meta.db_table} r JOIN {ORGS} o ON o.id = r.branch_id"
            " WHERE o.parent_id = %(o)s AND r.state IN ('pending', 'key_pending')"
        ),
        "grading_review": (
            f"SELECT r.id, r.self_at FROM {GradingRecord._meta.db_table} r JOIN {ORGS} o ON o.id = r.org_id"
            " WHERE o.parent_id = %(o)s AND r.state = 'pending'"
        ),
        "admin_change": f"SELECT id, created_at FROM {AdminChangeRequest._meta.db_table} WHERE state = 'pending' AND approver_id = %(o)s",
        "person_deletion": f"SELECT id, created_at FROM {DeletionRequest._meta.db_table} WHERE state = 'pending' AND approver_id = %(o)s",
        "graduation_correction": f"SELECT id, created_at FROM {GraduationCorrectionRequest._meta.db_table} WHERE state = 'pending' AND approver_id = %(o)s",
        "self_check_correction": f"SELECT id, created_at FROM {SelfCheckCorrectionRequest._meta.db_table} WHERE state = 'pending' AND approver_id = %(o)s",
        "annual_registration": f"SELECT id, created_at FROM {AnnualRegistration._meta.db_table} WHERE state = 'pending' AND branch_id = %(o)s",
    }
    parts = [f"SELECT '{k}' AS kind, x.* FROM ({sql}) x" for k, sql in kinds.items()]
    rows = fetch(
        f"""WITH pending (kind, id, at) AS ({" UNION ALL ".join(parts)})
            SELECT (SELECT json_object_agg(kind, n) FROM (SELECT kind, count(*) n FROM pending GROUP BY kind) k),
                   (SELECT json_agg(x) FROM (SELECT kind, id FROM pending ORDER BY at DESC LIMIT %(n)s) x)""",
        {"o": org.pk, "n": page_size},
    )[0]
    counts = {k: v for k, v in (_json(rows[0]) or {}).items() if v}
    return counts, len(_json(rows[1]) or [])


# --- 团员列表 (MEM-12) ----------------------------------------------------------------------------


def member_list(org, page_size, name=None, branch=None):
    """The first page of 团员列表 (a branch, or a name search in a subtree) and the total."""
    where = f"{BRANCHES_IN} AND p.is_active"
    if branch is not None:
        where += " AND p.branch_id = %(b)s"
    if name:
        where += " AND (p.name LIKE %(like)s OR p.id_number LIKE %(prefix)s)"
    rows = fetch(
        f"""SELECT count(*) OVER (), p.id FROM {PEOPLE} p JOIN {ORGS} b ON b.id = p.branch_id WHERE {where}
            ORDER BY b.tree_id, b.lft, p.name, p.id LIMIT %(n)s""",
        {
            **tree.bounds(org),
            "b": getattr(branch, "pk", None),
            "like": f"%{name}%",
            "prefix": f"{(name or '').upper()}%",
            "n": page_size,
        },
    )
    return (rows[0][0] if rows else 0), [r[1] for r in rows]


# --- jobs -------------------------------------------------------------------------------------


def graduate_conversion(year, content_type_id):
    """JOB-01 by hand: the year's marked 团支部 → 毕业生团组织 with an audit row each, and their
    members (but those marked 延迟毕业/教师) flagged 毕业生 -- one statement."""
    marks = GraduateMark._meta.db_table
    rows = fetch(
        f"""
        WITH b AS (
            UPDATE {ORGS} SET category = 'graduate'
            WHERE category = 'branch' AND graduation_month >= %(y0)s AND graduation_month < %(y1)s RETURNING id
        ), a AS (
            INSERT INTO {AuditLog._meta.db_table} (at, actor_id, acting_org_id, content_type_id, object_id, action,
                                                   from_state, to_state, changes, note)
            SELECT now(), NULL, NULL, %(ct)s, id, 'graduate_conversion', '', '', %(changes)s, %(note)s FROM b
        ), p AS (
            UPDATE {PEOPLE} SET is_graduate = true
            WHERE NOT is_graduate AND branch_id IN (
                SELECT id FROM b UNION ALL
                SELECT id FROM {ORGS} WHERE category = 'graduate' AND graduation_month >= %(y0)s AND graduation_month < %(y1)s)
              AND NOT EXISTS (SELECT 1 FROM {marks} m WHERE m.person_id = {PEOPLE}.id)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM p)""",
        {
            "y0": f"{year}-01-01",
            "y1": f"{year + 1}-01-01",
            "ct": content_type_id,
            "changes": json.dumps({"category": [OrgCategory.BRANCH, OrgCategory.GRADUATE]}),
            "note": f"{year}年毕业生团组织转换",
        },
    )[0]
    return {"orgs": rows[0], "members": rows[1]}


def transfer_return(moment, started_before, content_type_id, person_text, org_text):
    """TRF-10 by hand: every open 学社衔接 step older than 10 days returned, with an audit row and
    notices to the member and the initiating org -- one statement."""
    n = Notification._meta.db_table
    rows = fetch(
        f"""
        WITH due AS (
            SELECT id, state FROM {TRANSFERS}
            WHERE is_graduate AND state IN ('sending', 'receiving', 'allocating') AND step_started_at < %(due)s
            FOR UPDATE
        ), r AS (
            UPDATE {TRANSFERS} t SET state = 'returned', step_started_at = %(m)s, sweep_from = due.state
            FROM due WHERE t.id = due.id RETURNING t.id, t.person_id, t.initiator_org_id, due.state
        ), a AS (
            INSERT INTO {AuditLog._meta.db_table} (at, actor_id, acting_org_id, content_type_id, object_id, action,
                                                   from_state, to_state, changes, note)
            SELECT %(m)s, NULL, NULL, %(ct)s, id, 'return', state, 'returned', '{{}}', '系统：收尾期10天未审核退回' FROM r
        ), np AS (
            INSERT INTO {n} (recipient_org_id, recipient_person_id, kind, text, link, created_at, read_at)
            SELECT NULL, person_id, 'transfer', %(pt)s, '/transfers/my/', %(m)s, NULL FROM r
        ), no AS (
            INSERT INTO {n} (recipient_org_id, recipient_person_id, kind, text, link, created_at, read_at)
            SELECT initiator_org_id, NULL, 'transfer', %(ot)s, '', %(m)s, NULL FROM r WHERE initiator_org_id IS NOT NULL
        )
        SELECT count(*) FROM r""",
        {"due": started_before, "m": moment, "ct": content_type_id, "pt": person_text, "ot": org_text},
    )[0]
    return {"returned": rows[0]}


def read_workbook(data):
    """The import's floor: openpyxl reading every cell of the file, nothing else."""
    from io import BytesIO

    wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    n = 0
    for _ in wb.worksheets[0].iter_rows(values_only=True):
        n += 1
    wb.close()
    return n
