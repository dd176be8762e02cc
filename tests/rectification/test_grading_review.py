"""对标定级-上级复核 (GRD-04 … GRD-07) and the December 31 12:00 lock (JOB-05)."""

import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.choices import OrgCategory
from rectification.models import GradingRecord
from tests import factories as f
from zhtj.core.models import JobRun, Notification

from .conftest import at
from .helpers import as_committee, state

LIST = "/rectification/grading/review/"
SUBMIT = "/rectification/grading/review/submit/"


def text(r):
    return r.content.decode()


def self_rate(login, camp, i, level="3"):
    return login(camp.branch_admins[i], camp.branches[i]).post("/rectification/grading/", {"level": level})


def test_tick_many_and_review(client, login, camp):
    """GRD-04/07: ticked direct sub 团(总)支部 get the level; both sides get 操作中心 messages; the
    superior sees the progress."""
    for i in (0, 1, 2):
        self_rate(login, camp, i)
    c = as_committee(login, camp)
    assert "对标定级复核" in text(c.get("/inbox/"))
    page = text(c.get(LIST))
    assert "直属下级团(总)支部6个，已自评3个，已复核0个" in page
    r = c.post(SUBMIT, {"orgs": [b.pk for b in camp.branches[:2]], "level": "4"})
    assert r.status_code == 302
    assert list(GradingRecord.objects.order_by("org__lft").values_list("review_level", flat=True)) == ["4", "4", ""]
    assert "已自评3个，已复核2个" in text(c.get(LIST))
    assert Notification.objects.filter(recipient_org=camp.branches[0], text__contains="四星").exists()
    assert "复核结果" in text(login(camp.branch_admins[0], camp.branches[0]).get("/rectification/grading/"))


def test_not_graded_makes_a_key_branch(client, login, camp):
    """GRD-05: 不予定级 puts the branch into key rectification (REC 重点整改中)."""
    self_rate(login, camp, 0)
    as_committee(login, camp).post(SUBMIT, {"orgs": [camp.branches[0].pk], "level": "0"})
    assert state(camp.branches[0]) == "key"
    assert "纳入重点整顿团支部" in text(login(camp.branch_admins[0], camp.branches[0]).get("/"))


def test_resubmitted_rating_is_red_until_reviewed(client, login, camp):
    """GRD-06: after 不予定级 the branch re-rates; the review list shows it red until reviewed again."""
    self_rate(login, camp, 0)
    c = as_committee(login, camp)
    c.post(SUBMIT, {"orgs": [camp.branches[0].pk], "level": "0"})
    assert "resubmitted" not in text(c.get(LIST))
    self_rate(login, camp, 0, "2")
    c = as_committee(login, camp)
    assert 'text-danger fw-bold resubmitted">二星' in text(c.get(LIST))
    c.post(SUBMIT, {"only": camp.branches[0].pk, "level": "2"})
    assert "resubmitted" not in text(c.get(LIST))


def test_bad_reviews_change_nothing(client, login, camp):
    """GRD-04: no level, nothing ticked, not self-rated, a 团委, a grandchild (403), out of scope (404)."""
    self_rate(login, camp, 0)
    c = as_committee(login, camp)
    assert c.post(SUBMIT, {"orgs": [camp.branches[0].pk], "level": ""}).status_code == 400
    r = c.post(SUBMIT, {"level": "3"})
    assert r.status_code == 400 and "请勾选需要复核的团(总)支部。" in text(r)
    r = c.post(SUBMIT, {"orgs": [camp.branches[0].pk, camp.branches[1].pk], "level": "3"})
    assert r.status_code == 409 and "尚未提交自评" in text(r)
    sub = f.OrgFactory(parent=camp.committee, category=OrgCategory.COMMITTEE, name="下属团委")
    r = c.post(SUBMIT, {"orgs": [sub.pk], "level": "3"})
    assert r.status_code == 400 and "不参与对标定级复核" in text(r)
    u = login(camp.uni_admin, camp.tree.uni)
    assert u.post(SUBMIT, {"orgs": [camp.branches[0].pk], "level": "3"}).status_code == 403
    other = f.admin_of(camp.tree.col_b, "学院B书记")
    assert login(other, camp.tree.col_b).post(SUBMIT, {"orgs": [camp.branches[0].pk], "level": "3"}).status_code == 404
    assert GradingRecord.objects.get().review_level == ""
    assert "下属团委" not in text(as_committee(login, camp).get(LIST))


def test_review_changes_until_december_31_noon_then_job_locks(client, login, camp):
    """GRD-04 / JOB-05: 修改 works until Dec 31 12:00; after it the review is refused and the job
    locks the year's reviews (set-based; a second run changes nothing)."""
    self_rate(login, camp, 0)
    as_committee(login, camp).post(SUBMIT, {"orgs": [camp.branches[0].pk], "level": "3"})
    with time_machine.travel(at(2026, 12, 31, 11, 59), tick=False):
        c = as_committee(login, camp)
        assert c.post(SUBMIT, {"only": camp.branches[0].pk, "level": "4"}).status_code == 302
        call_command("run_job", "grading_lock", "--date", "2026-12-31")  # as of now: before noon
        assert GradingRecord.objects.get().state == "reviewed"
    with time_machine.travel(at(2026, 12, 31, 12, 0), tick=False):
        c = as_committee(login, camp)
        r = c.post(SUBMIT, {"only": camp.branches[0].pk, "level": "5"})
        assert r.status_code == 409 and "锁定" in text(r)
        call_command("run_job", "grading_lock", "--date", "2026-12-31")
        call_command("run_job", "grading_lock", "--date", "2026-12-31")
    record = GradingRecord.objects.get()
    assert (record.state, record.review_level) == ("locked", "4")
    assert list(JobRun.objects.order_by("pk").values_list("changed", flat=True)) == [0, 1, 0]


def test_replayed_lock_day_acts_at_noon(client, login, camp):
    """JOB-05 / JOB-08 at the edge: a replay of Dec 30 locks nothing; a replay of Dec 31 runs at
    beat's 12:00 of that day (GRD_LOCK_AT), when the lock instant has come, and locks."""
    self_rate(login, camp, 0)
    as_committee(login, camp).post(SUBMIT, {"orgs": [camp.branches[0].pk], "level": "3"})
    call_command("run_job", "grading_lock", "--date", "2026-12-30")
    assert GradingRecord.objects.get().state == "reviewed"
    call_command("run_job", "grading_lock", "--date", "2026-12-31")
    assert GradingRecord.objects.get().state == "locked"


def test_review_list_constant_queries(client, login, camp):
    """GRD-04 / GRD-07: 上级复核 (rows and progress) runs the same queries for more sub-branches."""
    self_rate(login, camp, 0)
    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as small:
        c.get(LIST)
    for i in range(1, 6):
        self_rate(login, camp, i)
    for _ in range(4):
        f.branch(camp.committee)
    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as large:
        c.get(LIST)
    assert len(large) == len(small)


def test_not_graded_general_branch_rectifies_too(client, login, camp):
    """GRD-05: a 团总支 rated 不予定级 becomes a key org: prompted, it fills the 自检表 and its
    superior re-reviews it from 整理整顿团支部."""
    general = f.OrgFactory(
        parent=camp.committee, category=OrgCategory.GENERAL_BRANCH, name="2024级团总支", created_at=at(2025, 1, 1)
    )
    boss = f.admin_of(general, "总支书记")
    login(boss, general).post("/rectification/grading/", {"level": "3"})
    as_committee(login, camp).post(SUBMIT, {"orgs": [general.pk], "level": "0"})
    g = login(boss, general)
    assert "纳入重点整顿团支部" in text(g.get("/"))
    from .conftest import form_data

    assert g.post("/rectification/self-check/fill/", form_data(2)).status_code == 302
    assert state(general) == "key_pending"
    assert "2024级团总支" in text(as_committee(login, camp).get("/rectification/branches/"))


def test_not_graded_makes_a_key_branch_once_as_the_reviewers(camp):
    """GRD-05 / REC-04, make_key_by_grading called directly: a branch without a record this year
    (its key record of last year doesn't count) gets one, 重点整改中 from now, the audit row the
    reviewer's with why; a branch already under key rectification (继续整改) is left as it is, with no
    second audit row."""
    from rectification import services
    from rectification.models import CampaignRecord
    from zhtj.core.models import AuditLog

    b1, b2 = camp.branches[:2]
    CampaignRecord.objects.create(branch=b1, year=2025, state="key", key_since=at(2025, 10, 1))
    going = CampaignRecord.objects.create(branch=b2, year=2026, state="continue", key_since=at(2026, 9, 5))
    made = services.make_key_by_grading(b1, 2026, by=camp.admin)
    assert (made.branch, made.year, made.state, made.key_since) == (b1, 2026, "key", at(2026, 10, 10, 10, 0))
    log = AuditLog.objects.get(action="grading_key")
    assert (log.actor, log.note, log.from_state, log.to_state) == (
        camp.admin,
        "对标定级复核结果为不予定级",
        "not_submitted",
        "key",
    )
    same = services.make_key_by_grading(b2, 2026, by=camp.admin)
    assert (same.pk, same.state, same.key_since) == (going.pk, "continue", at(2026, 9, 5))
    assert AuditLog.objects.filter(action="grading_key").count() == 1
