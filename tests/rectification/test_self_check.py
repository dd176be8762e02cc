"""组织整顿-团支部自检 (REC-01, REC-02, REC-06, REC-09, REC-10)."""

import re

import time_machine

from rectification.choices import CHECK_CODES
from rectification.models import CampaignRecord, SelfCheck

from .conftest import at, form_data
from .helpers import FILL, as_branch, as_committee, review, state, submit

HISTORY = "/rectification/self-check/"


def text(r):
    return r.content.decode()


def test_history_first_then_the_form(client, login, camp):
    """REC-01/02: the menu opens the history; 团支部自检 opens a form with every item as 好/一般/较差."""
    c = as_branch(login, camp, 0)
    page = text(c.get(HISTORY))
    assert "历史记录" in page and "尚未提交自检表" in page and "团支部自检</a>" in page
    form = text(c.get(FILL))
    assert len(CHECK_CODES) >= 20
    for code in CHECK_CODES:
        assert f'name="{code}"' in form
    assert "较差" in form and "一般" in form


def test_submission_records_month_poor_count_and_filler(client, login, camp):
    """REC-01/02/10: the 较差 count is computed, the month is the current one, the filler is the login."""
    c = as_branch(login, camp, 0)
    r = submit(c, 3)
    assert r.status_code == 302
    check = SelfCheck.objects.get(record__branch=camp.branches[0])
    assert check.poor_count == 3
    assert check.month.isoformat() == "2026-10-01"
    assert check.filler_name == camp.branch_admins[0].name and not check.by_superior
    assert state(camp.branches[0]) == "pending"


def test_incomplete_form_is_refused(client, login, camp):
    """SEC-06: a missing or invented rating is a 400 and nothing is stored."""
    c = as_branch(login, camp, 0)
    data = form_data(0)
    del data[CHECK_CODES[0]]
    data[CHECK_CODES[1]] = "excellent"
    r = c.post(FILL, data)
    assert r.status_code == 400 and "请为每一项选择自检结果" in text(r)
    assert not SelfCheck.objects.exists()


def test_past_month_cannot_be_submitted(client, login, camp, clock):
    """REC-10: a form opened in October and posted in November is refused; nothing changes."""
    clock.move_to(at(2026, 11, 2, 9, 0))  # (sessions expire after 2 idle hours: log in after)
    c = as_branch(login, camp, 0)
    r = submit(c, 2, month="2026-10")
    assert r.status_code == 409 and "不能提交2026年10月的自检表" in text(r)
    assert not SelfCheck.objects.exists()
    r = submit(c, 2, month="2026-13")
    assert r.status_code == 400


def test_outside_the_campaign_nothing_is_submitted(client, login, camp):
    """REC-10: the campaign runs September–December; in August the form is refused."""
    with time_machine.travel(at(2027, 8, 20, 9, 0), tick=False):
        c = as_branch(login, camp, 0)
        assert c.get(FILL).status_code == 302
        assert c.post(FILL, form_data(0, month="2027-08")).status_code == 400
        assert c.post(FILL, form_data(0, month="2026-12")).status_code == 409
        assert not SelfCheck.objects.exists() and not CampaignRecord.objects.exists()  # nothing half-written


def test_new_month_starts_from_last_data_and_filter_shows_month_last(client, login, camp, clock):
    """REC-10: November's form starts from October's last submission; the month filter shows that
    month's last form, and an empty month shows nothing."""
    c = as_branch(login, camp, 0)
    submit(c, 4)
    submit(c, 3)
    clock.move_to(at(2026, 11, 3, 9, 0))
    c = as_branch(login, camp, 0)
    form = text(c.get(FILL))
    # The first three items carry 较差 from October's last form (3 poor), the rest 好.
    assert len(re.findall(r'value="poor"[^>]*checked', form)) == 3
    assert len(re.findall(r'value="good"[^>]*checked', form)) == len(CHECK_CODES) - 3
    assert 'name="month" value="2026-11"' in form
    submit(c, 1, month="2026-11")
    october = text(c.get(HISTORY + "?month=2026-10"))
    assert 'id="check-poor">3<' in october
    assert 'id="check-poor">1<' in text(c.get(HISTORY))
    assert "2026年9月没有提交过自检表" in text(c.get(HISTORY + "?month=2026-09"))
    assert c.get(HISTORY + "?month=abc").status_code == 400


def test_locked_form_cannot_be_edited(client, login, camp):
    """REC-09: a form with 0 较差 the superior passed is locked; 较差 ≠ 0 stays editable."""
    b = as_branch(login, camp, 0)
    submit(b, 0)
    review(as_committee(login, camp), camp.branches[0], "approve")
    assert state(camp.branches[0]) == "qualified"
    b = as_branch(login, camp, 0)
    r = submit(b, 2)
    assert r.status_code == 409 and "自检表已锁定" in text(r)
    assert SelfCheck.objects.count() == 1
    assert "自检表已锁定" in text(b.get(HISTORY))


def test_basic_branch_may_edit_and_reach_rectified(client, login, camp):
    """REC-08/09: 基本合格 (first form 0<较差<10 passed) may resubmit; 0 较差 → 整改后合格, then locked."""
    b = as_branch(login, camp, 1)
    submit(b, 4)
    review(as_committee(login, camp), camp.branches[1], "approve")
    assert state(camp.branches[1]) == "basic"
    b = as_branch(login, camp, 1)
    submit(b, 2)
    assert state(camp.branches[1]) == "basic"
    submit(b, 0)
    assert state(camp.branches[1]) == "rectified"
    assert submit(b, 1).status_code == 409


def test_committee_cannot_use_branch_self_check(client, login, camp):
    """REC-02: 团支部自检 is the branch's page; a committee is told to use 评估下级团支部."""
    r = as_committee(login, camp).get(HISTORY)
    assert r.status_code == 403


def test_submit_check_called_directly_word_for_word(camp):
    """REC-02 / REC-04 / REC-06 / REC-09, submit_check called directly: only the branch's own admin
    fills its form (none acting, another branch: 403, word for word); a form shown in another status
    is refused and leaves no record; ≥10 较差 makes a 基本合格
    branch a key branch and its superior is told exactly, with the link to review it; a superior's evaluation tells the
    branch its status; a locked form is refused word for word (409)."""
    import pytest
    from django.core.exceptions import PermissionDenied
    from django.urls import reverse

    from rectification import services as s
    from rectification.models import CampaignRecord
    from zhtj.core.models import Notification
    from zhtj.core.workflow import AlreadyHandled

    from .conftest import answers

    b, month = camp.branches, s.current_month()
    for acting in (None, b[1]):
        with pytest.raises(PermissionDenied) as caught:
            s.submit_check(b[0], answers(1), month, by=camp.branch_admins[0], org=acting)
        assert str(caught.value) == "只有本团支部的管理员可以填写本支部自检表。"
    with pytest.raises(AlreadyHandled):  # the form was shown as 待审核: it isn't, nothing is kept
        s.submit_check(b[2], answers(1), month, by=camp.branch_admins[2], org=b[2], seen="pending")
    assert not CampaignRecord.objects.filter(branch=b[2]).exists()
    first = s.submit_check(b[0], answers(3), month, by=camp.branch_admins[0], org=b[0], seen="not_submitted")
    s.review(first, "approve", by=camp.admin, acting=camp.committee)  # 基本合格
    assert s.submit_check(b[0], answers(10), month, by=camp.branch_admins[0], org=b[0]).state == "key"
    n = Notification.objects.get(recipient_org=camp.committee)
    assert (n.recipient_org, n.kind, n.text, n.link) == (
        camp.committee,
        "self_check_review",
        "“B1团支部”提交的自检表“较差”项为10项，已纳入重点整顿团支部（重点整改中）。",
        reverse("rectification:review", args=[b[0].pk]),
    )
    record = s.submit_check(b[1], answers(0), month, by=camp.admin, org=camp.committee, by_superior=True)
    n = Notification.objects.get(recipient_org=b[1])
    assert (record.state, n.kind, n.text, n.link) == (
        "qualified",
        "self_check_review",
        "上级团组织已评估本支部2026年团支部自检表，整顿状态：合格",
        reverse("rectification:self_check"),
    )
    with pytest.raises(s.RecError) as caught:
        s.submit_check(b[1], answers(1), month, by=camp.branch_admins[1], org=b[1])
    assert (str(caught.value), caught.value.status) == (
        "该团支部自检表“较差”项为0且已通过上级审核（或上级评估），自检表已锁定，不能修改。"
        "如确需更正，请由上级团组织提交自检表更正申请，经省级团委审批同意后重新填写。",
        409,
    )


def test_the_campaign_dates_and_months(settings):
    """REC-10 / REC-13: the deadlines with the default settings (October 31, November 30, December
    31), a day past a month's end clamped to it (February 30 → 28, 29 in a leap year); 3月5日; a
    ?month= of the campaign's months (trimmed), None for any other."""
    from datetime import date

    from rectification import services as s

    assert s.deadlines(2026) == {
        "self_check": date(2026, 10, 31),
        "review": date(2026, 11, 30),
        "key": date(2026, 12, 31),
    }
    settings.ZHTJ = {**settings.ZHTJ, "REC_SELF_CHECK_DEADLINE": (2, 30), "REC_REVIEW_DEADLINE": (2, 28)}
    assert [s.deadline("REC_SELF_CHECK_DEADLINE", y) for y in (2026, 2028)] == [date(2026, 2, 28), date(2028, 2, 29)]
    assert s.deadlines(2028)["review"] == date(2028, 2, 28)
    assert s.md(date(2026, 3, 5)) == "3月5日"
    raw = (" 2026-10 ", "2026-09", "2026-12", "2026-08", "2027-01", "2025-10", "2026-1", "", None)
    assert [s.parse_month(r, 2026) for r in raw] == [
        date(2026, 10, 1),
        date(2026, 9, 1),
        date(2026, 12, 1),
        *[None] * 6,
    ]


def test_a_record_created_meanwhile_is_the_years_own(camp, monkeypatch):
    """REC-02: when another request creates a branch's record first (get_or_create's INSERT loses the
    race, in a savepoint of its own so the transaction goes on), the record read instead is that
    branch's of that year."""
    from rectification import services as s
    from rectification.models import CampaignRecord

    b = camp.branches
    CampaignRecord.objects.create(branch=b[0], year=2025, state="key")
    this = CampaignRecord.objects.create(branch=b[0], year=2026, state="basic")
    CampaignRecord.objects.create(branch=b[1], year=2026, state="basic")

    def lost(self, **kwargs):  # the INSERT of a row the other request has written: a real unique violation
        CampaignRecord.objects.create(**kwargs)

    monkeypatch.setattr(type(CampaignRecord.objects), "get_or_create", lost)
    assert s.record_for(b[0], 2026) == this
