"""标记团支部毕业时间 (ORG-15), the 毕业生团组织 conversion (ORG-16, JOB-01) and 毕业时间更正 (BEY-02).

A mark is a month or a reason it can't be known, never both (the model's check
constraint says so too); a batch gets one mark for all; a mark is final for the
school. The conversion is set-based: a couple of UPDATE statements whatever the
number of branches and members. The June 1 job (members/jobs.py) calls `convert`
for the marks of its year; marking late and approving a correction call the same
function, so "what converting means" is written once.
"""

import json
import re
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from zhtj.core import audit, change_review
from zhtj.core.audit import current_actor
from zhtj.core.workflow import WorkflowError

from .choices import SCHOOL_INDUSTRIES, Industry, LeadershipLevel, OrgCategory
from .models import GraduationCorrectionRequest, Organization

# --- the mark ---------------------------------------------------------------------------------

# Reasons a branch's graduation time can't be known (ORG-15, decision: the seed gives no list).
OTHER = "other"
UNKNOWN_REASONS = (
    ("staff", "教职工团支部，成员不是在校学生"),
    ("mixed", "成员来自不同年级，毕业时间不一致"),
    ("flexible", "学制不固定（如继续教育、非学历教育）"),
    (OTHER, "其他"),
)
OTHER_MAX_LENGTH = 100

# A branch counts as marked once any part of a mark is there (ops may have loaded months
# without a marking time): such a branch is never offered for marking again.
MARKED = Q(graduation_marked_at__isnull=False) | Q(graduation_month__isnull=False) | ~Q(graduation_unknown_reason="")
CORRECTABLE_CATEGORIES = (OrgCategory.BRANCH, OrgCategory.GRADUATE)

NOT_ALLOWED = (
    "只有学校领域的校团委、二级团委、年级团总支有权限标记团支部毕业时间；团的领导机关和团支部没有此权限。"
    "如本组织属于学校领域却看不到“标记团支部毕业时间”按钮，请检查组织信息页面中“单位所属行业类别”"
    "是否属于学校领域（{}）。"
).format("、".join(label for value, label in Industry.choices if value in SCHOOL_INDUSTRIES))


class GraduationError(Exception):
    """Refused input or a refused action; the message is for the user. 400: bad input; 409: the
    state of the data refuses it (already marked, a request already pending …)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def conversion_date(year):
    month, day = settings.ZHTJ["GRADUATION_CONVERSION_DATE"]
    return date(year, month, day)


def conversion_label():
    month, day = settings.ZHTJ["GRADUATION_CONVERSION_DATE"]
    return f"{month}月{day}日"


def is_due(month, today=None):
    """Is a branch graduating in `month` a 毕业生团组织 by `today`? True once its year's
    conversion date has come: what the June 1 runs would have made of it by now."""
    today = today or timezone.localdate()
    return month is not None and today >= conversion_date(month.year)


def run_day(moment):
    """The day a job runs for: `jobs.moment_for` gives an instant of that day (JOB-08)."""
    return timezone.localdate(moment)


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(raw, *, years_back=0, today=None):
    """'2027-07' → date(2027, 7, 1). Refused: anything not a year-month, a year before
    `years_back` years ago, or more than GRADUATION_MONTH_YEARS_AHEAD years ahead."""
    today = today or timezone.localdate()
    match = _MONTH.match((raw or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise GraduationError(f"预计毕业时间“{raw}”格式不正确，应为“年-月”，如 {today.year + 1}-07。")
    year, month = int(match[1]), int(match[2])
    earliest, latest = today.year - years_back, today.year + settings.ZHTJ["GRADUATION_MONTH_YEARS_AHEAD"]
    if not earliest <= year <= latest:
        raise GraduationError(f"预计毕业时间须在 {earliest} 年至 {latest} 年之间。")
    return date(year, month, 1)


def parse_reason(code, other):
    code, other = (code or "").strip(), (other or "").strip()
    labels = dict(UNKNOWN_REASONS)
    if code not in labels:
        raise GraduationError("请从列表中选择无法确定毕业时间的理由。")
    if code == OTHER:
        if not other:
            raise GraduationError("选择“其他”理由时，请填写具体原因。")
        if len(other) > OTHER_MAX_LENGTH:
            raise GraduationError(f"具体原因不能超过 {OTHER_MAX_LENGTH} 个字。")
        return f"其他：{other}"
    return labels[code]


def parse_mark(data, *, years_back=0, today=None):
    """The mark of a form: (month, "") or (None, reason), exactly one of the two (ORG-15)."""
    raw_month = (data.get("month") or "").strip()
    raw_reason = (data.get("reason") or "").strip()
    if raw_month and raw_reason:
        raise GraduationError("预计毕业时间和无法确定的理由只能选填其一，不可同时选择。")
    if not raw_month and not raw_reason:
        raise GraduationError("请选择预计毕业时间；无法确定毕业时间的，请选择理由（两者选填其一）。")
    if raw_month:
        return parse_month(raw_month, years_back=years_back, today=today), ""
    return None, parse_reason(raw_reason, data.get("reason_other"))


def mark_label(month, reason):
    return GraduationCorrectionRequest.mark_label(month, reason)


# --- marking (ORG-15) -------------------------------------------------------------------------


def markable(acting):
    """The unmarked 团支部 of `acting`'s subtree (only category 团支部: not the special kinds)."""
    return Organization.objects.subtree_of(acting).filter(category=OrgCategory.BRANCH).exclude(MARKED)


def marked(acting):
    return Organization.objects.subtree_of(acting).filter(category__in=CORRECTABLE_CATEGORIES).filter(MARKED)


def check_may_mark(org):
    if org is None or not org.may_mark_graduation:
        raise GraduationError(NOT_ALLOWED, status=403)


def check_selection(branches):
    """Every selected org must be an unmarked 团支部: the special kinds aren't marked (400), and
    a mark is final (409: a tampered or stale form re-marking a marked branch changes nothing)."""
    wrong = [b.name for b in branches if b.category != OrgCategory.BRANCH]
    if wrong:
        raise GraduationError(f"只能标记组织类别为“团支部”的团组织：{'、'.join(wrong)}。")
    done = [b.name for b in branches if b.graduation_marked_at or b.graduation_month or b.graduation_unknown_reason]
    if done:
        raise GraduationError(
            f"以下团支部已标记毕业时间，不能重复标记：{'、'.join(done)}。"
            "标记后无法自行取消或更改，如标记有误，请提交毕业时间更正申请。",
            status=409,
        )


def mark_branches(acting, branch_ids, *, month, reason, by):
    """Give every branch of `branch_ids` (already checked to lie in `acting`'s subtree) the same
    mark. All or nothing: one branch that can't be marked refuses the batch. Returns
    (marked count, converted count, member count)."""
    check_may_mark(acting)
    if not branch_ids:
        raise GraduationError("请勾选需要标记的团支部。")
    now = timezone.now()
    with transaction.atomic():
        branches = list(
            Organization.objects.subtree_of(acting)
            .filter(pk__in=branch_ids)
            .select_for_update()
            .order_by("tree_id", "lft")
        )
        if len(branches) != len(set(branch_ids)):
            raise GraduationError("所选团支部不存在或不在本组织管辖范围内。", status=404)
        check_selection(branches)
        ids = [b.pk for b in branches]
        count = (
            Organization.objects.filter(pk__in=ids, category=OrgCategory.BRANCH)
            .exclude(MARKED)
            .update(graduation_month=month, graduation_unknown_reason=reason, graduation_marked_at=now)
        )
        if count != len(ids):  # changed under us despite the lock (SQLite has none): nothing half-done
            raise GraduationError("所选团支部的状态已变化，请刷新后重试。", status=409)
        changes = (
            {"graduation_month": [None, month.isoformat()]} if month else {"graduation_unknown_reason": ["", reason]}
        )
        _record_many(ids, "graduation_mark", changes, actor=by, acting_org_id=acting.pk)
        converted = members = 0
        if is_due(month):
            # Marked after this year's conversion date: the June 1 run is over, so convert now.
            converted, members = convert(
                Organization.objects.filter(pk__in=ids),
                actor=by,
                acting_org_id=acting.pk,
                note="标记时本年度转换日期已过",
            )
    return count, converted, members


# --- the conversion (ORG-16, JOB-01) ------------------------------------------------------------


def graduating_members(scope):
    """The members who graduate with the 毕业生团组织 of `scope`: everyone in them except those a
    school admin marked 延迟毕业生 or 教师 (GRAD-01; the mark is members.GraduateMark, reached
    through its reverse relation). The one definition of "graduates this year"."""
    person = get_user_model()
    # NOT EXISTS rather than the reverse relation's IS NULL: Django turns a join into an UPDATE
    # of "id IN (a self-join of all people)", four times the work of the June 1 job's UPDATE.
    marks = person._meta.get_field("graduate_mark").related_model.objects.filter(person=OuterRef("pk"))
    return person.objects.filter(branch__in=scope.filter(category=OrgCategory.GRADUATE)).filter(~Exists(marks))


def convert(scope, *, actor=None, acting_org_id=None, note="", record=True):
    """The 团支部 among the orgs of `scope` become 毕业生团组织 and the members of every
    毕业生团组织 in `scope` are flagged 毕业生. Two statements whatever the number of orgs and
    members (on PostgreSQL the orgs' UPDATE writes their audit rows too): no loop over members,
    nothing left to do on a second run. Returns (orgs converted, members flagged)."""
    with transaction.atomic():
        due = scope.filter(category=OrgCategory.BRANCH)
        changes = {"category": [OrgCategory.BRANCH.value, OrgCategory.GRADUATE.value]}
        if not record:
            orgs = due.update(category=OrgCategory.GRADUATE)
        elif connection.vendor == "postgresql":
            orgs = _convert_recorded(due, changes, actor=actor, acting_org_id=acting_org_id, note=note)
        else:  # SQLite has no UPDATE inside a WITH: the ids go through Python
            ids = list(due.select_for_update().values_list("pk", flat=True))
            orgs = Organization.objects.filter(pk__in=ids).update(category=OrgCategory.GRADUATE) if ids else 0
            _record_many(ids, "graduate_conversion", changes, actor=actor, acting_org_id=acting_org_id, note=note)
        members = graduating_members(scope).filter(is_graduate=False).update(is_graduate=True)
    return orgs, members


def _convert_recorded(due, changes, *, actor=None, acting_org_id=None, note=""):
    """`due` → 毕业生团组织 with one audit row each (BEY-05), in one statement: the UPDATE's
    RETURNING feeds an INSERT … SELECT of the audit rows. A share's SQL is the same however many
    orgs it converts (500 a statement grew with the country: 742 INSERTs nationally), and the
    audit rows are exactly the rows the UPDATE changed -- one snapshot, no ids through Python.
    The rows are those `_record_many` writes, column for column."""
    from zhtj.core.models import AuditLog

    ctx_actor, ctx_org = current_actor()
    actor = actor or ctx_actor
    select, params = due.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH converted AS (UPDATE {Organization._meta.db_table} SET category = %s WHERE id IN ({select})"
            f" RETURNING id) INSERT INTO {AuditLog._meta.db_table} (at, actor_id, acting_org_id, content_type_id,"
            " object_id, action, from_state, to_state, changes, note)"
            " SELECT %s, %s, %s, %s, id, 'graduate_conversion', '', '', %s, %s FROM converted ORDER BY id",
            [
                OrgCategory.GRADUATE.value,
                *params,
                timezone.now(),
                actor.pk if actor else None,
                acting_org_id or ctx_org,
                ContentType.objects.get_for_model(Organization).pk,
                json.dumps(changes),
                note,
            ],
        )
        return cursor.rowcount


def convert_year(year, part=None):
    """The June 1 run: the 团支部 marked for a month of `year` become 毕业生团组织 (ORG-16) -- of
    one share of the country (`core.tree.Part`) when the job runs per province.
    Marks of other years and reasons instead of a month are left alone."""
    scope = Organization.objects.filter(
        graduation_month__gte=date(year, 1, 1), graduation_month__lt=date(year + 1, 1, 1)
    )
    if part is not None:
        scope = scope.filter(part.q())
    orgs, members = convert(scope, note=f"{year}年毕业生团组织转换")
    return {"changed": orgs + members, "year": year, "orgs": orgs, "members": members}


def revert(branch_pk):
    """A 毕业生团组织 corrected to a later year or to a reason goes back to 团支部, and the
    members still in it are no longer flagged 毕业生 (BEY-02, decision)."""
    orgs = Organization.objects.filter(pk=branch_pk, category=OrgCategory.GRADUATE).update(category=OrgCategory.BRANCH)
    members = get_user_model().objects.filter(branch_id=branch_pk, is_graduate=True).update(is_graduate=False)
    return orgs, members


def _record_many(ids, action, changes, *, actor=None, acting_org_id=None, note=""):
    """One audit row per org (BEY-05), inserted in batches rather than one query each: a marked
    selection (a page's), and the conversion where `_convert_recorded` can't run (SQLite)."""
    from zhtj.core.models import AuditLog

    ctx_actor, ctx_org = current_actor()
    content_type = ContentType.objects.get_for_model(Organization)
    now = timezone.now()
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                at=now,
                actor=actor or ctx_actor,
                acting_org_id=acting_org_id or ctx_org,
                content_type=content_type,
                object_id=pk,
                action=action,
                changes=changes,
                note=note,
            )
            for pk in ids
        ],
        batch_size=500,
    )


# --- 毕业时间更正 (BEY-02) -----------------------------------------------------------------------


def province_of(org):
    """The nearest ancestor 省级团委: it decides corrections of marks below it."""
    return (
        org.get_ancestors()
        .filter(category=OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.PROVINCE)
        .order_by("-level")
        .first()
    )


def pending_correction(branch):
    return GraduationCorrectionRequest.objects.filter(branch=branch, state=GraduationCorrectionRequest.State.PENDING)


ONE_OPEN = "该团支部已有一条待审批的毕业时间更正申请，请等待省级团委处理。"


def file_correction(acting, branch, *, month, reason, explanation, by):
    """A school-domain admin in scope asks the provincial committee to correct `branch`'s mark."""
    check_may_mark(acting)
    explanation = (explanation or "").strip()
    if not explanation:
        raise GraduationError("请填写更正说明（为何标记有误、正确的毕业时间依据）。")
    if len(explanation) > 500:
        raise GraduationError("更正说明不能超过 500 个字。")
    with transaction.atomic():
        branch = Organization.objects.select_for_update().get(pk=branch.pk)
        if branch.category not in CORRECTABLE_CATEGORIES:
            raise GraduationError("只有团支部和毕业生团组织的毕业时间可以更正。")
        if not Organization.objects.filter(pk=branch.pk).filter(MARKED).exists():
            raise GraduationError("该团支部尚未标记毕业时间，请直接在“标记团支部毕业时间”中标记。", status=409)
        if (month, reason) == (branch.graduation_month, branch.graduation_unknown_reason):
            raise GraduationError("更正后的毕业时间与当前标记相同，无需更正。")
        approver = province_of(branch)
        if approver is None:
            raise GraduationError("未找到该团支部所属的省级团委，无法提交更正申请，请联系系统运维人员。", status=409)
        if pending_correction(branch).exists():
            raise GraduationError(ONE_OPEN, status=409)
        try:
            req = change_review.file(
                GraduationCorrectionRequest,
                one_open=ONE_OPEN,
                by=by,
                branch=branch,
                filed_by_org=acting,
                approver=approver,
                old_month=branch.graduation_month,
                old_reason=branch.graduation_unknown_reason,
                new_month=month,
                new_reason=reason,
                explanation=explanation,
            )
        except WorkflowError as exc:  # a second request won the race for the pending slot
            raise GraduationError(str(exc), status=409) from None
    return req


def apply_correction(req, *, by=None):
    """同意: the branch gets the corrected mark; its category follows the new mark (decision):
    a month whose conversion date has come → 毕业生团组织 (converted now if it wasn't);
    a later month or a reason → back to 团支部, members unflagged. One audit row, before/after."""
    branch = Organization.objects.select_for_update().get(pk=req.branch_id)
    if branch.category not in CORRECTABLE_CATEGORIES:
        raise WorkflowError(f"该组织当前类别为“{branch.get_category_display()}”，不能更正毕业时间。", status=409)
    before = {
        "graduation_month": branch.graduation_month.isoformat() if branch.graduation_month else None,
        "graduation_unknown_reason": branch.graduation_unknown_reason,
        "category": branch.category,
    }
    Organization.objects.filter(pk=branch.pk).update(
        graduation_month=req.new_month,
        graduation_unknown_reason=req.new_reason,
        graduation_marked_at=branch.graduation_marked_at or timezone.now(),
    )
    flagged = unflagged = 0
    if is_due(req.new_month):
        _, flagged = convert(Organization.objects.filter(pk=branch.pk), record=False)
    else:
        _, unflagged = revert(branch.pk)
    category = Organization.objects.filter(pk=branch.pk).values_list("category", flat=True).get()
    after = {
        "graduation_month": req.new_month.isoformat() if req.new_month else None,
        "graduation_unknown_reason": req.new_reason,
        "category": category,
    }
    note = f"毕业时间更正申请#{req.pk}：{req.explanation}"
    if flagged or unflagged:
        note += f"（{flagged}名成员标识为毕业生）" if flagged else f"（{unflagged}名成员取消毕业生标识）"
    audit.record(
        branch,
        "graduation_correction",
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        note=note,
        actor=by,
    )


def decide_correction(req, decision, *, by, acting, note="", seen=None):
    """The provincial admin's 同意 / 不同意 (`change_review.decide`: 不同意 needs a reason, the filing
    org is told); 同意 applies the corrected mark in the same transaction. `seen`: the state the page
    showed."""
    return change_review.decide(req, decision, by=by, acting=acting, note=note, seen=seen, apply=apply_correction)
