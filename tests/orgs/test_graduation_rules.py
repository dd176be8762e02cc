"""orgs/graduation.py's rules called directly (ORG-15, ORG-16, BEY-02; issue 22): every limit at
its edge, every refusal word for word with its status, what each action writes.

The pages' tests (tests/orgs/test_graduation.py) go through the views; these are the module's own
tests for mutation testing (tools/mutation.py), fast enough to run for each of its mutants.
Runs on the `tree` fixture (团山东省委 → 团青岛市委 → 测试大学团委 → {学院A团委 → A1团支部,
学院B团委 → B1团支部}, the school in the school domain); the clock stands at 2027-03-01 10:00.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import Person
from orgs import graduation as g
from orgs.choices import Industry, OrgCategory
from orgs.models import GraduationCorrectionRequest, Organization
from tests import factories as f
from zhtj.core.models import AuditLog
from zhtj.core.workflow import AlreadyHandled, WorkflowError

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=TZ)
MARKED_AT = datetime(2027, 2, 1, tzinfo=TZ)
STAFF = "教职工团支部，成员不是在校学生"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _mark(org, month=date(2027, 7, 1), reason="", at=MARKED_AT):
    Organization.objects.filter(pk=org.pk).update(
        graduation_month=month, graduation_unknown_reason=reason, graduation_marked_at=at
    )
    org.refresh_from_db()
    return org


def marks(*orgs):
    return [
        Organization.objects.values_list("graduation_month", "graduation_unknown_reason", "graduation_marked_at").get(
            pk=o.pk
        )
        for o in orgs
    ]


def refused(call, *args, **kwargs):
    """The (message, status) of the GraduationError `call` raises."""
    with pytest.raises(g.GraduationError) as error:
        call(*args, **kwargs)
    return str(error.value), error.value.status


# --- the mark ---------------------------------------------------------------------------------


def test_month_limits_at_their_edges(settings):
    """ORG-15: a year-month from this year (2027) to GRADUATION_MONTH_YEARS_AHEAD (10) years ahead;
    BEY-02: a correction also back to `years_back` years ago; months 1 to 12, one or two digits."""
    assert g.parse_month("2027-01") == date(2027, 1, 1)
    assert g.parse_month(" 2037-12 ") == date(2037, 12, 1)
    assert g.parse_month("2030-7") == date(2030, 7, 1)
    assert g.parse_month("2027-12") == date(2027, 12, 1)
    for raw in ("2026-12", "2038-01"):
        assert refused(g.parse_month, raw) == ("预计毕业时间须在 2027 年至 2037 年之间。", 400)
    assert g.parse_month("2022-01", years_back=5) == date(2022, 1, 1)
    assert refused(g.parse_month, "2021-12", years_back=5) == ("预计毕业时间须在 2022 年至 2037 年之间。", 400)
    for raw in ("2027-00", "2027-13", "2027-123", "27-07", "2027/07", "2027-07x", "x2027-07", ""):
        message = f"预计毕业时间“{raw}”格式不正确，应为“年-月”，如 2028-07。"
        assert refused(g.parse_month, raw) == (message, 400)
    # the day given, not the clock's; the setting, not a literal
    assert g.parse_month("2040-01", today=date(2030, 5, 1)) == date(2040, 1, 1)
    assert refused(g.parse_month, "2029-01", today=date(2030, 5, 1))[0] == "预计毕业时间须在 2030 年至 2040 年之间。"
    assert refused(g.parse_month, "2030-13", today=date(2030, 5, 1))[0].endswith("如 2031-07。")
    settings.ZHTJ = {**settings.ZHTJ, "GRADUATION_MONTH_YEARS_AHEAD": 1}
    assert g.parse_month("2028-12") == date(2028, 12, 1)
    assert refused(g.parse_month, "2029-01")[0] == "预计毕业时间须在 2027 年至 2028 年之间。"


def test_reason_refusals_word_for_word_and_the_length_edge():
    """ORG-15: a reason from the list (its label stored); 其他 needs its own words, at most
    OTHER_MAX_LENGTH (100) characters, stored after “其他：”."""
    assert g.OTHER_MAX_LENGTH == 100
    for code, label in g.UNKNOWN_REASONS[:-1]:
        assert g.parse_reason(f" {code} ", "ignored") == label
    assert g.parse_reason("other", " 夜校 ") == "其他：夜校"
    assert g.parse_reason(" other ", "字" * 100) == "其他：" + "字" * 100
    cases = [
        ("other", "字" * 101, "具体原因不能超过 100 个字。"),
        ("other", "  ", "选择“其他”理由时，请填写具体原因。"),
        ("other", None, "选择“其他”理由时，请填写具体原因。"),
        ("", "夜校", "请从列表中选择无法确定毕业时间的理由。"),
        (None, None, "请从列表中选择无法确定毕业时间的理由。"),
        ("其他", "夜校", "请从列表中选择无法确定毕业时间的理由。"),
    ]
    for code, other, message in cases:
        assert refused(g.parse_reason, code, other) == (message, 400)


def test_a_mark_is_a_month_or_a_reason():
    """ORG-15: exactly one of the two; blanks count as nothing; `years_back` and `today` reach the month."""
    assert g.parse_mark({"month": " 2027-07 ", "reason": " "}) == (date(2027, 7, 1), "")
    assert g.parse_mark({"month": "", "reason": "other", "reason_other": "夜校"}) == (None, "其他：夜校")
    assert g.parse_mark({"month": None, "reason": " staff "}) == (None, STAFF)
    assert g.parse_mark({"month": "2022-01"}, years_back=5) == (date(2022, 1, 1), "")
    assert g.parse_mark({"month": "2040-01"}, today=date(2030, 1, 1)) == (date(2040, 1, 1), "")
    both = "预计毕业时间和无法确定的理由只能选填其一，不可同时选择。"
    neither = "请选择预计毕业时间；无法确定毕业时间的，请选择理由（两者选填其一）。"
    assert refused(g.parse_mark, {"month": "2027-07", "reason": "staff"}) == (both, 400)
    assert refused(g.parse_mark, {"month": " ", "reason": ""}) == (neither, 400)
    assert refused(g.parse_mark, {"reason": None}) == (neither, 400)
    assert refused(g.parse_mark, {"month": "2026-12"}) == ("预计毕业时间须在 2027 年至 2037 年之间。", 400)


def test_conversion_date_edges_and_setting(settings):
    """ORG-16: a month is due from its year's conversion date (June 1 by default): May 31 not yet,
    June 1 yes; no month never; the date and its label follow the setting."""
    july = date(2027, 7, 1)
    assert (g.conversion_date(2027), g.conversion_label()) == (date(2027, 6, 1), "6月1日")
    assert not g.is_due(july, today=date(2027, 5, 31))
    assert g.is_due(july, today=date(2027, 6, 1))
    assert g.is_due(date(2027, 12, 1), today=date(2027, 6, 2))
    assert not g.is_due(date(2028, 1, 1), today=date(2027, 12, 31))
    assert not g.is_due(None, today=date(2030, 1, 1))
    assert not g.is_due(date(2027, 1, 1))  # the clock: 2027-03-01
    assert g.is_due(date(2026, 12, 1))
    settings.ZHTJ = {**settings.ZHTJ, "GRADUATION_CONVERSION_DATE": (9, 15)}
    assert (g.conversion_date(2027), g.conversion_label()) == (date(2027, 9, 15), "9月15日")
    assert not g.is_due(july, today=date(2027, 9, 14)) and g.is_due(july, today=date(2027, 9, 15))
    # JOB-08: the run's day is the local day of its moment (00:30 in 上海 is 16:30 UTC the day before)
    assert g.run_day(datetime(2027, 6, 1, 0, 30, tzinfo=TZ)) == date(2027, 6, 1)


def test_mark_labels():
    """ORG-15 / BEY-02: a mark reads as its month, or 无法确定 with the reason, or 未标记."""
    assert g.mark_label(date(2027, 7, 1), "") == "2027-07"
    assert g.mark_label(None, STAFF) == f"无法确定（{STAFF}）"
    assert g.mark_label(None, "") == "未标记"


# --- who marks what (ORG-15) --------------------------------------------------------------------


def test_only_school_domain_committees_may_mark(school):
    """ORG-15: 校团委 / 二级团委 of the school domain may mark; a leadership organ, a branch, a committee
    outside the school domain or no org at all are refused (403) with the FAQ's explanation."""
    g.check_may_mark(school.tree.uni)
    g.check_may_mark(school.tree.col_a)
    hospital = f.OrgFactory(name="某医院团委", parent=school.tree.city, industry=Industry.PUBLIC_INSTITUTION)
    for org in (None, school.tree.city, school.tree.branch_a, hospital):
        assert refused(g.check_may_mark, org) == (g.NOT_ALLOWED, 403)
        assert refused(g.mark_branches, org, [school.a2.pk], month=date(2027, 7, 1), reason="", by=None)[1] == 403
    assert g.NOT_ALLOWED.startswith("只有学校领域的校团委、二级团委、年级团总支有权限标记团支部毕业时间")
    assert marks(school.a2) == [(None, "", None)]


def test_markable_and_marked_lists(school):
    """ORG-15: the unmarked list holds the 团支部 of the subtree with no part of a mark (a month, a
    reason or only a marking time); the marked list the 团支部 and 毕业生团组织 with any part of one."""
    by_month = _mark(school.a2, at=None)
    by_time = _mark(school.a3, month=None)
    by_reason = _mark(f.branch(school.tree.col_a, "教工团支部"), month=None, reason=STAFF, at=None)
    graduate = _mark(f.OrgFactory(name="毕业班", parent=school.tree.col_a, category=OrgCategory.GRADUATE))
    f.OrgFactory(name="延毕班", parent=school.tree.col_a, category=OrgCategory.DELAYED_GRADUATION)
    _mark(f.OrgFactory(name="延毕班2", parent=school.tree.col_a, category=OrgCategory.DELAYED_GRADUATION))
    _mark(school.tree.branch_b)  # another college's
    assert set(g.markable(school.tree.col_a)) == {school.tree.branch_a}
    assert set(g.marked(school.tree.col_a)) == {by_month, by_time, by_reason, graduate}
    assert set(g.markable(school.tree.uni)) == {school.tree.branch_a}
    assert school.tree.branch_b in set(g.marked(school.tree.uni))


def test_selection_refusals_name_the_orgs(school):
    """ORG-15: only 团支部 are marked (400, naming every other org); a branch with any part of a mark
    is refused (409, naming each, a mark is final)."""
    committee = f.OrgFactory(name="某团委", parent=school.tree.col_a)
    graduate = f.OrgFactory(name="毕业班", parent=school.tree.col_a, category=OrgCategory.GRADUATE)
    g.check_selection([school.a2, school.a3])
    assert refused(g.check_selection, [school.a2, committee, graduate]) == (
        "只能标记组织类别为“团支部”的团组织：某团委、毕业班。",
        400,
    )
    final = "标记后无法自行取消或更改，如标记有误，请提交毕业时间更正申请。"
    by_month = _mark(school.a2, at=None)
    by_reason = _mark(school.a3, month=None, reason=STAFF, at=None)
    by_time = _mark(school.tree.branch_a, month=None)
    assert refused(g.check_selection, [by_month, f.branch(school.tree.col_a, "新班"), by_reason, by_time]) == (
        f"以下团支部已标记毕业时间，不能重复标记：2023级2班团支部、2024级1班团支部、A1团支部。{final}",
        409,
    )


def test_mark_branches_marks_each_once_and_records_it(school):
    """ORG-15 / BEY-05: every selected branch gets the same mark and the marking time, a repeated id
    counts once; one audit row per branch by the marking admin and org, all at one moment; before
    the conversion date nothing converts."""
    with time_machine.travel(NOW, tick=True):
        result = g.mark_branches(
            school.tree.col_a,
            [school.a3.pk, school.a2.pk, school.a2.pk],
            month=date(2027, 7, 1),
            reason="",
            by=school.col_a,
        )
    assert result == (2, 0, 0)
    got = marks(school.a2, school.a3)
    assert [m[:2] for m in got] == [(date(2027, 7, 1), "")] * 2 and NOW <= got[0][2] == got[1][2]
    assert marks(school.tree.branch_a) == [(None, "", None)]
    logs = list(AuditLog.objects.filter(action="graduation_mark"))
    assert sorted(log.object_id for log in logs) == [school.a2.pk, school.a3.pk]
    assert {(log.actor, log.acting_org_id, log.note, str(log.changes)) for log in logs} == {
        (school.col_a, school.tree.col_a.pk, "", str({"graduation_month": [None, "2027-07-01"]}))
    }
    assert logs[0].at == logs[1].at
    assert Organization.objects.get(pk=school.a2.pk).category == OrgCategory.BRANCH

    assert g.mark_branches(school.tree.uni, [school.tree.branch_a.pk], month=None, reason=STAFF, by=None) == (1, 0, 0)
    assert marks(school.tree.branch_a) == [(None, STAFF, NOW)]
    log = AuditLog.objects.get(action="graduation_mark", object_id=school.tree.branch_a.pk)
    assert (log.changes, log.actor, log.acting_org_id) == (
        {"graduation_unknown_reason": ["", STAFF]},
        None,
        school.tree.uni.pk,
    )


def test_mark_branches_refusals(school):
    """ORG-15: nothing ticked (400), a branch outside the subtree or gone (404), a marked one (409):
    each refuses the whole batch, nothing marked."""
    col_a, july = school.tree.col_a, date(2027, 7, 1)
    mark = g.mark_branches
    assert refused(mark, col_a, [], month=july, reason="", by=school.col_a) == ("请勾选需要标记的团支部。", 400)
    outside = "所选团支部不存在或不在本组织管辖范围内。"
    for other in (school.tree.branch_b.pk, 10**9):
        assert refused(mark, col_a, [school.a2.pk, other], month=july, reason="", by=school.col_a) == (outside, 404)
    _mark(school.a3)
    assert refused(mark, col_a, [school.a2.pk, school.a3.pk], month=july, reason="", by=school.col_a)[1] == 409
    assert marks(school.a2) == [(None, "", None)]
    assert not AuditLog.objects.filter(action="graduation_mark").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes no row locks")
def test_mark_branches_locks_the_branches_in_tree_order(school):
    """ORG-15: the selected branches are locked (two admins marking at once: one mark), and read in
    tree order: a refusal names them in the order of the tree, not of their rows."""
    first = f.branch(school.tree.col_b, "乙班团支部", sort_order=2)
    second = f.branch(school.tree.col_b, "甲班团支部", sort_order=1)  # before `first` in the tree
    Organization.objects.filter(pk=second.pk).update(phone="1")  # its row now lies after `first`'s
    _mark(first), _mark(second)
    with connection.cursor() as cursor:  # rows as they lie (to the test's end): the order is the ORDER BY's
        cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")
    with CaptureQueriesContext(connection) as queries:
        message, _ = refused(
            g.mark_branches, school.tree.col_b, [first.pk, second.pk], month=None, reason=STAFF, by=None
        )
    assert "不能重复标记：甲班团支部、乙班团支部。" in message
    assert any("FOR UPDATE" in q["sql"] and "graduation_month" in q["sql"] for q in queries.captured_queries)


def test_a_late_mark_converts_at_once_and_says_why(school):
    """ORG-15 / ORG-16 (decision): a month of this year marked on or after the conversion date is
    converted at once, members flagged, its conversion recorded by the marking admin with why."""
    members = [f.person(f"团员{i}", branch=school.a2) for i in range(2)]
    with time_machine.travel(datetime(2027, 6, 1, 9, 0, tzinfo=TZ), tick=False):
        result = g.mark_branches(school.tree.col_a, [school.a2.pk], month=date(2027, 7, 1), reason="", by=school.col_a)
    assert result == (1, 1, 2)
    assert Organization.objects.get(pk=school.a2.pk).category == OrgCategory.GRADUATE
    assert all(Person.objects.get(pk=p.pk).is_graduate for p in members)
    log = AuditLog.objects.get(action="graduate_conversion", object_id=school.a2.pk)
    assert (log.actor, log.acting_org_id, log.note) == (school.col_a, school.tree.col_a.pk, "标记时本年度转换日期已过")
    with time_machine.travel(datetime(2027, 5, 31, 23, 0, tzinfo=TZ), tick=False):
        assert g.mark_branches(school.tree.col_a, [school.a3.pk], month=date(2027, 7, 1), reason="", by=None) == (
            1,
            0,
            0,
        )


# --- 毕业时间更正 (BEY-02) -----------------------------------------------------------------------


def _file(school, org=None, *, month=None, reason="", explanation="标记有误", acting=None, by=None):
    return g.file_correction(
        acting or school.tree.col_a,
        org or school.a2,
        month=month,
        reason=reason,
        explanation=explanation,
        by=by or school.col_a,
    )


def test_a_correction_is_filed_with_the_old_and_new_mark(school):
    """BEY-02: the request carries the branch, the filing org and admin, the 省级团委 that decides, the
    old and new marks and the explanation (trimmed, up to 500 characters); a branch marked by a
    reason or by its marking time alone can be corrected too."""
    _mark(school.a2)
    req = _file(school, month=date(2028, 7, 1), explanation=" " + "因" * 500 + " ")
    assert (req.branch, req.filed_by_org, req.requested_by, req.approver, req.state) == (
        school.a2,
        school.tree.col_a,
        school.col_a,
        school.tree.province,
        "pending",
    )
    assert (req.old_month, req.old_reason, req.new_month, req.new_reason, req.explanation) == (
        date(2027, 7, 1),
        "",
        date(2028, 7, 1),
        "",
        "因" * 500,
    )
    assert g.pending_correction(school.a2).get() == req
    _mark(school.a3, month=None, reason=STAFF, at=None)
    assert _file(school, school.a3, month=date(2028, 7, 1)).old_reason == STAFF
    only_time = _mark(school.tree.branch_a, month=None)
    assert _file(school, only_time, reason=STAFF).new_reason == STAFF


def test_correction_refusals_word_for_word(school):
    """BEY-02: each refusal with its words and status; nothing is filed."""
    _mark(school.a2)
    hospital = f.OrgFactory(name="某医院团委", parent=school.tree.city, industry=Industry.PUBLIC_INSTITUTION)
    july = date(2028, 7, 1)
    assert refused(_file, school, month=july, acting=hospital) == (g.NOT_ALLOWED, 403)
    assert refused(_file, school, month=july, explanation="  ") == (
        "请填写更正说明（为何标记有误、正确的毕业时间依据）。",
        400,
    )
    assert refused(_file, school, month=july, explanation="因" * 501) == ("更正说明不能超过 500 个字。", 400)
    assert (
        refused(_file, school, month=july, explanation=None)[0]
        == "请填写更正说明（为何标记有误、正确的毕业时间依据）。"
    )
    assert refused(_file, school, school.tree.col_a, month=july) == (
        "只有团支部和毕业生团组织的毕业时间可以更正。",
        400,
    )
    assert refused(_file, school, school.a3, month=july) == (
        "该团支部尚未标记毕业时间，请直接在“标记团支部毕业时间”中标记。",
        409,
    )
    assert refused(_file, school, month=date(2027, 7, 1)) == ("更正后的毕业时间与当前标记相同，无需更正。", 400)
    _mark(school.a3, month=None, reason=STAFF)
    assert refused(_file, school, school.a3, reason=STAFF) == ("更正后的毕业时间与当前标记相同，无需更正。", 400)
    assert not GraduationCorrectionRequest.objects.exists()
    _file(school, month=july)
    assert refused(_file, school, reason=STAFF) == (g.ONE_OPEN, 409)
    assert GraduationCorrectionRequest.objects.count() == 1


def test_a_second_request_winning_the_race_is_a_409(school, monkeypatch):
    """BEY-02: two admins filing at once both pass the look-up; the partial unique index refuses the
    second, which is told so (409), not a 500."""
    _mark(school.a2)
    _file(school, month=date(2028, 7, 1))
    monkeypatch.setattr(g, "pending_correction", lambda branch: GraduationCorrectionRequest.objects.none())
    assert refused(_file, school, reason=STAFF) == (g.ONE_OPEN, 409)


def test_the_nearest_province_decides(school, db):
    """BEY-02: the branch's 省级团委 decides (none for the province itself); a school with none above
    is refused (409)."""
    assert g.province_of(school.a2) == school.tree.province
    assert g.province_of(school.tree.province) is None
    lone = f.OrgFactory(name="直属高校团委", parent=f.leadership("另一团中央"), industry=Industry.UNIVERSITY)
    orphan = _mark(f.branch(lone, "直属1班团支部"))
    assert refused(_file, school, orphan, month=date(2028, 7, 1), acting=lone) == (
        "未找到该团支部所属的省级团委，无法提交更正申请，请联系系统运维人员。",
        409,
    )


def test_pending_correction_is_the_open_one_only(school):
    """BEY-02: once decided, a request no longer holds the branch: another can be filed."""
    _mark(school.a2)
    req = _file(school, month=date(2028, 7, 1))
    g.decide_correction(req, "reject", by=school.province, acting=school.tree.province, note="依据不足")
    assert not g.pending_correction(school.a2).exists()
    assert _file(school, month=date(2028, 7, 1)).state == "pending"


def test_a_decision_passes_on_its_note_and_the_state_seen(school):
    """BEY-02 / SEC-04: 不同意 keeps its reason and the mark; a decision on a page showing another
    state is already handled (409)."""
    _mark(school.a2)
    req = _file(school, month=date(2028, 7, 1))
    with pytest.raises(AlreadyHandled):
        g.decide_correction(req, "approve", by=school.province, acting=school.tree.province, seen="rejected")
    req = g.decide_correction(
        req, "reject", by=school.province, acting=school.tree.province, note="依据不足", seen="pending"
    )
    assert (req.state, req.reason, req.decided_by) == ("rejected", "依据不足", school.province)
    assert marks(school.a2)[0][0] == date(2027, 7, 1)


def _approve(school, req):
    return g.decide_correction(req, "approve", by=school.province, acting=school.tree.province)


def test_an_approved_correction_writes_its_mark_and_says_what_followed(school):
    """BEY-02 / BEY-05: 同意 writes the new mark, keeps the marking time (or sets it, for a mark loaded
    without one), and records one audit row by the deciding admin: each field that changed, before
    and after, and a note naming the request, its explanation and the members (un)flagged."""
    member = f.person("团员", branch=school.a2)
    _mark(school.a2, date(2028, 7, 1))
    with time_machine.travel(datetime(2027, 8, 1, 9, 0, tzinfo=TZ), tick=False):
        req = _file(school, month=date(2027, 7, 1))
        _approve(school, req)
    assert marks(school.a2) == [(date(2027, 7, 1), "", MARKED_AT)]
    log = AuditLog.objects.get(object_id=school.a2.pk, action="graduation_correction")
    assert (log.changes, log.note, log.actor) == (
        {"graduation_month": ["2028-07-01", "2027-07-01"], "category": ["branch", "graduate"]},
        f"毕业时间更正申请#{req.pk}：标记有误（1名成员标识为毕业生）",
        school.province,
    )
    member.refresh_from_db()
    req.refresh_from_db()
    assert member.is_graduate and (req.state, req.reason) == ("approved", "")  # 同意 needs no words
    assert not AuditLog.objects.filter(action="graduate_conversion").exists()  # the correction's row says it

    req = _file(school, reason=STAFF)
    _approve(school, req)
    log = AuditLog.objects.filter(object_id=school.a2.pk, action="graduation_correction").latest("pk")
    assert (log.changes, log.note) == (
        {
            "graduation_month": ["2027-07-01", None],
            "graduation_unknown_reason": ["", STAFF],
            "category": ["graduate", "branch"],
        },
        f"毕业时间更正申请#{req.pk}：标记有误（1名成员取消毕业生标识）",
    )
    member.refresh_from_db()
    assert not member.is_graduate
    req = _file(school, month=date(2029, 7, 1))  # from a reason back to a month
    _approve(school, req)
    log = AuditLog.objects.filter(object_id=school.a2.pk, action="graduation_correction").latest("pk")
    assert log.changes == {"graduation_month": [None, "2029-07-01"], "graduation_unknown_reason": [STAFF, ""]}

    # no member concerned: the note says nothing of them; a mark loaded without a marking time gets one
    _mark(school.a3, date(2028, 7, 1), at=None)
    req = _file(school, school.a3, month=date(2029, 7, 1))
    _approve(school, req)
    assert marks(school.a3) == [(date(2029, 7, 1), "", NOW)]
    log = AuditLog.objects.filter(object_id=school.a3.pk, action="graduation_correction").latest("pk")
    assert (log.changes, log.note) == (
        {"graduation_month": ["2028-07-01", "2029-07-01"]},
        f"毕业时间更正申请#{req.pk}：标记有误",
    )


def test_a_correction_of_an_org_no_longer_a_branch_is_refused(school):
    """BEY-02: an org whose category changed since the request was filed (no longer 团支部 or
    毕业生团组织) is refused at 同意, naming its category (409); nothing changes."""
    _mark(school.a2)
    req = _file(school, month=date(2028, 7, 1))
    Organization.objects.filter(pk=school.a2.pk).update(category=OrgCategory.DELAYED_GRADUATION)
    with pytest.raises(WorkflowError) as error:
        _approve(school, req)
    assert (str(error.value), error.value.status) == ("该组织当前类别为“延迟毕业团组织”，不能更正毕业时间。", 409)
    req.refresh_from_db()
    assert req.state == "pending" and marks(school.a2)[0][0] == date(2027, 7, 1)


def test_the_update_refuses_what_changed_under_it(school, monkeypatch):
    """ORG-15: the UPDATE itself marks only unmarked 团支部, a second guard where rows can't be
    locked (SQLite): a branch marked or an org no longer a 团支部 after the selection was checked
    refuses the whole batch (409), nothing written."""
    monkeypatch.setattr(g, "check_selection", lambda branches: None)  # as if read before the change
    _mark(school.a3)
    committee = f.OrgFactory(name="某团委", parent=school.tree.col_a)
    for other in (school.a3, committee):
        assert refused(
            g.mark_branches, school.tree.col_a, [school.a2.pk, other.pk], month=date(2028, 7, 1), reason="", by=None
        ) == ("所选团支部的状态已变化，请刷新后重试。", 409)
    assert marks(school.a2, committee) == [(None, "", None)] * 2
    assert marks(school.a3)[0][0] == date(2027, 7, 1)
    assert not AuditLog.objects.filter(action="graduation_mark").exists()
