"""rectification/grading.py called directly (issue 22): each refusal word for word with its status,
what a rating and a review record (audit rows, 操作中心 results), and the lists and figures of 上级复核
with data in two years, in another committee and in orgs that take no part."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection

from orgs.choices import OrgCategory
from orgs.models import Organization
from rectification import grading
from rectification.choices import GrdState
from rectification.models import GradingRecord
from rectification.services import RecError
from tests import factories as f
from zhtj.core import batch, inbox
from zhtj.core.models import AuditLog, Notification

from .conftest import FOUNDED, at
from .helpers import state


def refused(message, status, call, *args, **kwargs):
    with pytest.raises(RecError) as caught:
        call(*args, **kwargs)
    assert (str(caught.value), caught.value.status) == (message, status)


def record(org, year=2026, state=GrdState.PENDING, level="3", **kw):
    return GradingRecord.objects.create(org=org, year=year, self_level=level, state=state, **kw)


def committee_child(camp, name):
    return f.OrgFactory(parent=camp.committee, category=OrgCategory.COMMITTEE, name=name, created_at=FOUNDED)


def test_self_rating_refusals_word_for_word(camp):
    """GRD-02 / GRD-03 / GRD-04: a 团委 (403), a branch founded after October 1 (403, with the date),
    a level not in the list (400), a rating once the year is locked (409)."""
    refused(
        "“团委”不纳入对标定级范围：对标定级由团支部、团总支和毕业生团组织开展，"
        "流动团员团支部、待接转团支部及团委、团工委不参与。",
        403,
        grading.rate,
        camp.committee,
        "3",
        by=camp.admin,
    )
    young = f.branch(camp.committee, "新团支部", created_at=at(2026, 10, 2))
    refused(
        "新成立的团(总)支部（2026年10月1日之后成立）不纳入2026年对标定级范围。", 403, grading.rate, young, "3", by=None
    )
    for bad in ("9", "", None, "五星"):
        refused("请从下拉菜单中选择定级结果。", 400, grading.rate, camp.branches[0], bad, by=None)
    with time_machine.travel(at(2026, 12, 31, 12, 0), tick=False):
        refused(
            "2026年度对标定级已于12月31日12:00锁定，不能再提交自评。", 409, grading.rate, camp.branches[0], "3", by=None
        )
    assert not GradingRecord.objects.exists()


def test_a_rating_records_who_and_what(camp):
    """GRD-03: the first 提交 creates the year's record (its audit row: 待复核, the level's label, who);
    a change goes through the transition (its audit row too), counted; the 4th change is a 409."""
    admin = camp.branch_admins[0]
    last_year = record(camp.branches[0], year=2025, state=GrdState.LOCKED)
    neighbour = record(camp.branches[1])
    first = grading.rate(camp.branches[0], "3", by=admin)
    assert first.pk not in (last_year.pk, neighbour.pk)
    assert (first.org, first.year, first.self_level, first.self_by, first.changes) == (
        camp.branches[0],
        2026,
        "3",
        admin,
        0,
    )
    created = AuditLog.objects.get(action="rate", object_id=first.pk)
    assert (created.to_state, created.note, created.actor) == (GrdState.PENDING, "三星", admin)
    other = f.admin_of(camp.branches[0], "组织委员")
    changed = grading.rate(camp.branches[0], "5", by=other)
    assert (changed.pk, changed.self_level, changed.changes, changed.self_by) == (first.pk, "5", 1, other)
    assert list(AuditLog.objects.filter(action="rate").order_by("pk").values_list("note", "actor")) == [
        ("三星", admin.pk),
        ("五星", other.pk),
    ]
    grading.rate(camp.branches[0], "4", by=admin)
    grading.rate(camp.branches[0], "3", by=admin)
    refused(
        "复核前自评结果最多允许修改3次，您已修改3次，不能再修改。", 409, grading.rate, camp.branches[0], "2", by=admin
    )


def test_a_rating_raced_by_the_other_admin(camp, monkeypatch):
    """SEC-04: the org's other admin created the year's record at the same moment: a 409 that says so."""

    def raced(**kwargs):
        raise IntegrityError("one_grading_record_per_year")

    monkeypatch.setattr(GradingRecord.objects, "create", raced)
    refused("本组织的自评刚由其他管理员提交，请刷新页面后查看。", 409, grading.rate, camp.branches[0], "3", by=None)


def test_review_refusals_word_for_word(camp):
    """GRD-04: nothing ticked (400), an org out of scope (404), a grandchild among children (隔级,
    403), 团委 ticked (400, all named), branches not yet rated (409, all named), a locked year (409)."""
    b1, b2 = camp.branches[:2]
    refused("请勾选需要复核的团(总)支部。", 400, grading.review, camp.committee, [], "3", by=camp.admin)
    refused("请从下拉菜单中选择定级结果。", 400, grading.review, camp.committee, [b1.pk], "", by=camp.admin)
    outside = camp.tree.branch_b
    refused(
        "所选组织不存在或不在本组织管辖范围内。", 404, grading.review, camp.committee, [outside.pk], "3", by=camp.admin
    )
    refused(
        "隔级无法操作：只有直属上级团委可以复核团(总)支部自评结果。",
        403,
        grading.review,
        camp.tree.uni,
        [camp.committee.pk, b1.pk],
        "3",
        by=camp.uni_admin,
    )
    subs = [committee_child(camp, "下属甲团委"), committee_child(camp, "下属乙团委")]
    refused(
        "团委、团工委等不参与对标定级复核：下属甲团委、下属乙团委。",
        400,
        grading.review,
        camp.committee,
        [s.pk for s in subs],
        "3",
        by=camp.admin,
    )
    refused(
        "以下团(总)支部尚未提交自评，暂不能复核：B1团支部、B2团支部。",
        409,
        grading.review,
        camp.committee,
        [b1.pk, b2.pk],
        "3",
        by=camp.admin,
    )
    record(b1)
    with time_machine.travel(at(2026, 12, 31, 12, 0), tick=False):
        refused(
            "2026年度对标定级复核结果已于12月31日12:00锁定，不允许再次更改。",
            409,
            grading.review,
            camp.committee,
            [b1.pk],
            "3",
            by=camp.admin,
        )
    assert GradingRecord.objects.get().state == GrdState.PENDING


def test_a_review_records_and_tells_each_branch(camp):
    """GRD-04 / GRD-07: a branch ticked twice is reviewed once; each record gets the level, who and
    when, its audit row, and its 操作中心 result word for word; the count of orgs reviewed is returned."""
    b1, b2 = camp.branches[:2]
    mine = [record(b1, level="5"), record(b2, level="2")]
    other_year = record(b1, year=2025, level="1")
    assert grading.review(camp.committee, [b1.pk, b2.pk, b1.pk], "4", by=camp.admin) == 2
    for r in mine:
        r.refresh_from_db()
        assert (r.state, r.review_level, r.reviewed_by, r.resubmitted) == (GrdState.REVIEWED, "4", camp.admin, False)
        log = AuditLog.objects.get(action="review", object_id=r.pk)
        assert (log.from_state, log.to_state, log.note, log.actor) == (
            GrdState.PENDING,
            GrdState.REVIEWED,
            "四星",
            camp.admin,
        )
    other_year.refresh_from_db()
    assert (other_year.state, other_year.review_level) == (GrdState.PENDING, "")
    notes = Notification.objects.order_by("recipient_org__lft").values_list("recipient_org", "kind", "text", "link")
    assert list(notes) == [
        (b.pk, "grading_review", "上级团委已复核本组织2026年对标定级自评结果：四星。", "/rectification/grading/")
        for b in (b1, b2)
    ]
    assert state(b1) is None and state(b2) is None  # only 不予定级 makes a key branch (GRD-05)


def test_not_graded_tells_the_branch_it_is_a_key_branch(camp):
    """GRD-05: 不予定级 puts the branch into key rectification and its result says so word for word."""
    record(camp.branches[0])
    grading.review(camp.committee, [camp.branches[0].pk], "0", by=camp.admin)
    assert state(camp.branches[0]) == "key"
    assert Notification.objects.get().text == (
        "上级团委已复核本组织2026年对标定级自评结果：不予定级。本组织已列入重点整顿，线下完成整改后请重新自评。"
    )


def test_a_review_of_a_record_changed_since_the_page_is_refused(camp):
    """SEC-04: `seen` carries the state the page showed; a record re-rated or reviewed meanwhile is
    already handled (nothing changes); the state as shown passes."""
    from zhtj.core.workflow import AlreadyHandled

    r = record(camp.branches[0])
    with pytest.raises(AlreadyHandled):
        grading.review(
            camp.committee, [camp.branches[0].pk], "3", by=camp.admin, seen={camp.branches[0].pk: GrdState.REVIEWED}
        )
    assert GradingRecord.objects.get(pk=r.pk).state == GrdState.PENDING
    grading.review(camp.committee, [camp.branches[0].pk], "3", by=camp.admin, seen={camp.branches[0].pk: "pending"})
    assert GradingRecord.objects.get(pk=r.pk).state == GrdState.REVIEWED


def test_pending_reviews_are_this_committees_of_this_year(camp):
    """GRD-04: 待复核 self-ratings of the acting committee's direct sub 团(总)支部 in scope this year,
    optionally of one 自评结果; not another year's, not reviewed ones, not another committee's, not
    a 团委's, not a branch founded after October 1."""
    b = camp.branches
    three, two = record(b[0], level="3"), record(b[1], level="2")
    record(b[2], state=GrdState.REVIEWED)
    record(b[3], year=2025)
    elsewhere = f.branch(camp.tree.col_b, "他院团支部", created_at=FOUNDED)
    record(elsewhere)
    record(committee_child(camp, "下属团委"))
    record(f.branch(camp.committee, "新团支部", created_at=at(2026, 10, 2)))
    assert set(grading.pending_reviews(camp.committee, 2026)) == {three, two}
    assert list(grading.pending_reviews(camp.tree.col_b, 2026)) == [GradingRecord.objects.get(org=elsewhere)]
    assert list(grading.pending_reviews(camp.committee, 2026, "3")) == [three]
    assert list(grading.pending_reviews(camp.committee, 2026, "5")) == []


def test_a_batch_refuses_a_committees_record_word_for_word(camp):
    """GRD-04 on the batch's locked row: a 团委's record is refused with its reason."""
    sub = record(committee_child(camp, "下属团委"))
    job = {"pks": [sub.pk], "params": {"level": "3"}, "org": camp.committee, "actor": camp.admin}
    done, failures = batch._actions["rectification.grading"](job, lambda *_: None)
    assert (done, [(str(org), reason) for org, reason in failures]) == (
        0,
        [("下属团委", "团委、团工委等不参与对标定级复核。")],
    )


def test_review_rows_carry_each_branchs_record(camp):
    """GRD-04 / GRD-06: each row carries its own record of the year (id, state, levels, red flag,
    changes), rows in tree order, only the committee's in-scope direct sub-orgs."""
    b = camp.branches
    first = record(b[0], level="5", changes=2, resubmitted=True)
    second = record(b[1], level="2", state=GrdState.REVIEWED, review_level="1")
    record(b[2], year=2025)
    f.branch(camp.committee, "新团支部", created_at=at(2026, 10, 2))
    rows = list(grading.review_rows(camp.committee, 2026))
    assert [row.pk for row in rows] == [o.pk for o in b]
    got = {row.pk: (row.g_id, row.g_state, row.g_self, row.g_review, row.g_red, row.g_changes) for row in rows}
    assert got[b[0].pk] == (first.pk, GrdState.PENDING, "5", "", True, 2)
    assert got[b[1].pk] == (second.pk, GrdState.REVIEWED, "2", "1", False, 0)
    assert got[b[2].pk] == (None,) * 6


def test_review_progress_counts_this_year_once_each(camp):
    """GRD-07: 直属下级团(总)支部 in scope, 已自评 and 已复核 (reviewed or locked) of this year: a
    branch with records in two years counts once, a 团委's record and a branch founded after
    October 1 not at all."""
    b = camp.branches
    record(b[0])
    record(b[0], year=2025, state=GrdState.LOCKED)
    record(b[1], state=GrdState.REVIEWED)
    record(b[1], year=2025, state=GrdState.LOCKED)
    record(b[2], state=GrdState.LOCKED)
    record(b[3], year=2025, state=GrdState.REVIEWED)
    record(committee_child(camp, "下属团委"), state=GrdState.REVIEWED)
    f.branch(camp.committee, "新团支部", created_at=at(2026, 10, 2))
    assert grading.review_progress(camp.committee, 2026) == {"total": 6, "submitted": 3, "reviewed": 2}
    assert grading.review_progress(camp.committee, 2025) == {"total": 6, "submitted": 3, "reviewed": 3}


def test_founded_on_october_first_to_its_last_instant(camp):
    """GRD-02 at its edge: founded at October 1, 23:59:59.999999 the branch takes part; at October 2,
    00:00 it is out (the cutoff is the end of October 1, local time)."""
    last = f.branch(camp.committee, "末刻团支部", created_at=at(2026, 10, 1, 23, 59, 59, 999999))
    late = f.branch(camp.committee, "次日团支部", created_at=at(2026, 10, 2, 0, 0))
    grading.check_in_scope(last, 2026)
    refused(
        "新成立的团(总)支部（2026年10月1日之后成立）不纳入2026年对标定级范围。", 403, grading.check_in_scope, late, 2026
    )
    names = {row.name for row in grading.review_rows(camp.committee, 2026)}
    assert "末刻团支部" in names and "次日团支部" not in names


def test_a_branch_moved_away_meanwhile_is_refused_on_its_locked_row(camp, monkeypatch):
    """ROLE-03 / SEC-04: the direct-superior rule is checked again on each locked row: a ticked branch
    moved under another committee while the review ran (after the first branch's result) is refused as
    隔级, and the review, all or nothing, changes no record."""
    b1, b2 = camp.branches[:2]
    record(b1)
    record(b2)
    real = inbox.notify_many

    def meanwhile(notes):
        Organization.objects.filter(pk=b2.pk).update(parent=camp.tree.col_b)
        return real(notes)

    monkeypatch.setattr(inbox, "notify_many", meanwhile)
    with pytest.raises(PermissionDenied, match="隔级无法操作"):
        grading.review(camp.committee, [b1.pk, b2.pk], "3", by=camp.admin)
    assert set(GradingRecord.objects.values_list("state", flat=True)) == {GrdState.PENDING}


def test_not_graded_key_branch_names_who_reviewed(camp):
    """GRD-05: the key rectification that 不予定级 starts is recorded as the reviewer's act."""
    record(camp.branches[0])
    grading.review(camp.committee, [camp.branches[0].pk], "0", by=camp.admin)
    log = AuditLog.objects.get(action="grading_key")
    assert (log.actor, log.note, log.to_state) == (camp.admin, "对标定级复核结果为不予定级", "key")


def test_record_of_is_the_years_own(camp):
    """GRD-03: a branch's record of a year is that year's, whichever of its years was written first."""
    record(camp.branches[0], year=2025)
    this_year = record(camp.branches[0])
    assert grading.record_of(camp.branches[0], 2026) == this_year
    assert grading.record_of(camp.branches[0], 2024) is None


def test_review_rows_in_tree_order_however_the_rows_lie(camp):
    """GRD-04: the rows come in tree order (组织排序) by the query's ORDER BY, not by how PostgreSQL
    happened to read them: B1 … B3 rewritten since (so lying after B4 … B6 in the table) and the
    table read without an index (by the parent's index the rows come in the order first written),
    the list is still B1 … B6."""
    b = camp.branches
    Organization.objects.filter(pk__in=[o.pk for o in b[:3]]).update(phone="0532-88888888")
    if connection.vendor == "postgresql":  # for the rest of this test's transaction
        with connection.cursor() as cursor:
            for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
                cursor.execute(f"SET LOCAL {setting} = off")
    assert [row.pk for row in grading.review_rows(camp.committee, 2026)] == [o.pk for o in b]
