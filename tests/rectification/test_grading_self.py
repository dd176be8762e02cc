"""对标定级-团(总)支部自评 (GRD-01, GRD-02, GRD-03)."""

from datetime import datetime

from django.utils import timezone

from orgs.choices import OrgCategory
from rectification.models import GradingRecord
from tests import factories as f

from .conftest import at
from .helpers import as_committee

URL = "/rectification/grading/"


def text(r):
    return r.content.decode()


def rate(client, level):
    return client.post(URL, {"level": level})


def test_standard_and_dropdown(client, login, camp):
    """GRD-01: the year's standard table (考察维度, 分值占比, 主要评价内容, 具体指标) beside the levels."""
    page = text(login(camp.branch_admins[0], camp.branches[0]).get(URL))
    for word in ("考察维度", "分值占比", "班子建设", "15% 左右", "团员管理", "20% 左右", "活动开展", "书记配备齐整"):
        assert word in page
    for level in ("五星", "四星", "三星", "二星", "一星", "不予定级"):
        assert level in page


def test_three_changes_then_refused(client, login, camp):
    """GRD-03: the first 提交 and three changes are accepted; a 4th change is refused, nothing changes."""
    c = login(camp.branch_admins[0], camp.branches[0])
    for level in ("3", "4", "5", "4"):
        assert rate(c, level).status_code == 302
    r = rate(c, "2")
    assert r.status_code == 409 and "复核前自评结果最多允许修改3次，您已修改3次，不能再修改。" in text(r)
    record = GradingRecord.objects.get()
    assert (record.self_level, record.changes) == ("4", 3)


def test_locked_after_review_except_not_graded(client, login, camp):
    """GRD-03: after review the self-rating is locked; 不予定级 reopens it."""
    b = login(camp.branch_admins[0], camp.branches[0])
    rate(b, "3")
    c = as_committee(login, camp)
    c.post("/rectification/grading/review/submit/", {"orgs": [camp.branches[0].pk], "level": "3"})
    b = login(camp.branch_admins[0], camp.branches[0])
    r = rate(b, "5")
    assert r.status_code == 409 and "上级已完成复核，自评结果不允许修改。" in text(r)
    c = as_committee(login, camp)
    c.post("/rectification/grading/review/submit/", {"orgs": [camp.branches[0].pk], "level": "0"})
    b = login(camp.branch_admins[0], camp.branches[0])
    assert rate(b, "2").status_code == 302
    assert GradingRecord.objects.get().state == "pending"


def test_scope_exclusions(client, login, camp):
    """GRD-02: founded within 6 months (the seed: after October 1 of the year), 流动团员团支部,
    待接转团支部 are out; 毕业生团组织 and 团总支 take part; a bad level is refused."""
    young = f.branch(camp.committee, "新团支部", created_at=timezone.make_aware(datetime(2026, 10, 2)))
    floating = f.OrgFactory(
        parent=camp.committee, category=OrgCategory.FLOATING, name="流动X", created_at=at(2025, 1, 1)
    )
    waiting = f.OrgFactory(
        parent=camp.committee, category=OrgCategory.PENDING_TRANSFER, name="待接转X", created_at=at(2025, 1, 1)
    )
    grad = f.OrgFactory(parent=camp.committee, category=OrgCategory.GRADUATE, name="毕业X", created_at=at(2025, 1, 1))
    general = f.OrgFactory(
        parent=camp.committee, category=OrgCategory.GENERAL_BRANCH, name="团总支X", created_at=at(2025, 1, 1)
    )
    for org in (young, floating, waiting):
        c = login(f.admin_of(org), org)
        assert rate(c, "3").status_code == 403
    for org in (grad, general):
        c = login(f.admin_of(org), org)
        assert rate(c, "9").status_code == 400
        assert rate(c, "3").status_code == 302
    assert set(GradingRecord.objects.values_list("org__name", flat=True)) == {"毕业X", "团总支X"}
    assert login(camp.admin, camp.committee).get(URL).status_code == 403  # a 团委 doesn't self-rate


def test_founded_by_october_first_takes_part(client, login, camp):
    """GRD-02: the seed's "成立 6 个月以内的团支部(2020 年 10 月 1 日之后)": a branch founded on
    October 1 takes part, one founded the day after is out and is told the date."""
    on_time = f.branch(camp.committee, "十月一日团支部", created_at=timezone.make_aware(datetime(2026, 10, 1, 18)))
    late = f.branch(camp.committee, "十月二日团支部", created_at=timezone.make_aware(datetime(2026, 10, 2, 8)))
    assert rate(login(f.admin_of(on_time), on_time), "3").status_code == 302
    r = rate(login(f.admin_of(late), late), "3")
    assert r.status_code == 403 and "2026年10月1日之后成立" in text(r)
    review_list = text(as_committee(login, camp).get("/rectification/grading/review/"))
    assert "十月一日团支部" in review_list and "十月二日团支部" not in review_list


def test_no_self_rating_once_the_year_is_locked(client, login, camp):
    """GRD-04 (decision): after December 31 12:00 the year's 对标定级 is closed: a self-rating the
    superior could no longer review is refused and the page says why."""
    import time_machine

    c = login(camp.branch_admins[0], camp.branches[0])
    rate(c, "3")
    with time_machine.travel(at(2026, 12, 31, 12, 0), tick=False):
        c = login(camp.branch_admins[0], camp.branches[0])
        r = rate(c, "4")
        assert r.status_code == 409 and "已于12月31日12:00锁定" in text(r)
        assert 'id="grading-form"' not in text(c.get(URL))
    record = GradingRecord.objects.get()
    assert (record.self_level, record.changes) == ("3", 0)
