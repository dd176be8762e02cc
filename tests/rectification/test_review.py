"""整理整顿团支部 → 是否整改 and the key branch's re-review (REC-03, REC-04, REC-06, REC-07, REC-08),
direct-superior-only (ROLE-03), 操作中心 (OPC-01) and the login prompt (OPC-03)."""

from datetime import date

from django.utils import timezone

from rectification.models import CampaignRecord, SelfCheck
from tests import factories as f
from zhtj.core.models import AuditLog, Notification

from .conftest import answers
from .helpers import as_branch, as_committee, review, state, submit

LIST = "/rectification/branches/"


def text(r):
    return r.content.decode()


def test_list_shows_every_direct_branch_with_status(client, login, camp):
    """REC-08: 下级组织列表 shows each sub-branch's status; 未提交 without a form, 待审核 after one."""
    submit(as_branch(login, camp, 0), 2)
    page = text(as_committee(login, camp).get(LIST))
    for b in camp.branches:
        assert b.name in page
    assert 'data-state="pending">待审核' in page and 'data-state="not_submitted">未提交' in page
    assert "是否整改" in page


def test_reject_tells_the_branch_and_it_resubmits(client, login, camp):
    """REC-03: 不通过 → the branch is told (操作中心 + prompt) and resubmits, back to 待审核."""
    submit(as_branch(login, camp, 0), 3)
    r = review(as_committee(login, camp), camp.branches[0], "reject", "数据失实")
    assert r.status_code == 302 and state(camp.branches[0]) == "rejected"
    note = Notification.objects.get(recipient_org=camp.branches[0])
    assert "不通过" in note.text
    b = as_branch(login, camp, 0)
    assert "自检表不通过" in text(b.get("/"))
    submit(b, 3)
    assert state(camp.branches[0]) == "pending"


def test_pass_gives_qualified_or_basic(client, login, camp):
    """REC-03/08: 通过 of a first form: 0 较差 → 合格, 0<较差<10 → 基本合格; not a key branch."""
    submit(as_branch(login, camp, 0), 0)
    submit(as_branch(login, camp, 1), 9)
    c = as_committee(login, camp)
    review(c, camp.branches[0], "approve")
    review(c, camp.branches[1], "approve")
    assert state(camp.branches[0]) == "qualified"
    assert state(camp.branches[1]) == "basic"
    assert CampaignRecord.objects.get(branch=camp.branches[1]).key_since is None


def test_ten_poor_must_be_key(client, login, camp):
    """REC-04: ≥10 较差 → 通过 is refused (nothing changes); 开始整改 makes it 重点整改中."""
    submit(as_branch(login, camp, 0), 10)
    c = as_committee(login, camp)
    r = review(c, camp.branches[0], "approve")
    assert r.status_code == 409
    assert "该团支部自检表“较差”项为10项（≥10项），必须纳入重点整顿团支部，请点击“开始整改”。" in text(r)
    assert state(camp.branches[0]) == "pending"
    assert SelfCheck.objects.get().review_result == ""
    review(c, camp.branches[0], "start_key")
    assert state(camp.branches[0]) == "key"


def test_zero_poor_cannot_start_key(client, login, camp):
    """REC-04 (decision): a form with 0 较差 has nothing to rectify: 开始整改 is refused."""
    submit(as_branch(login, camp, 0), 0)
    r = review(as_committee(login, camp), camp.branches[0], "start_key")
    assert r.status_code == 409 and state(camp.branches[0]) == "pending"
    assert "该团支部自检表“较差”项为0，无需整改，请点击“通过”。" in text(r)


def test_key_branch_prompt_resubmission_and_re_review(client, login, camp):
    """REC-06/07/08: a key branch sees the prompt, edits, resubmits; 继续整改 until passed; passing
    with 0<较差<10 → 已摘牌, and continuing to 0 on its own → 重点整改后合格."""
    submit(as_branch(login, camp, 0), 6)
    review(as_committee(login, camp), camp.branches[0], "start_key")
    b = as_branch(login, camp, 0)
    home = text(b.get("/"))
    assert "纳入重点整顿团支部" in home and 'href="/rectification/self-check/">确定</a>' in home
    history = text(b.get("/rectification/self-check/"))
    assert 'id="self-check-edit"' in history and 'id="check-poor">6<' in history
    submit(b, 4)
    assert state(camp.branches[0]) == "key_pending"
    c = as_committee(login, camp)
    review(c, camp.branches[0], "continue_key")
    assert state(camp.branches[0]) == "continue"
    submit(as_branch(login, camp, 0), 2)
    review(as_committee(login, camp), camp.branches[0], "pass_key")
    record = CampaignRecord.objects.get(branch=camp.branches[0])
    assert record.state == "delisted" and record.key_done_at is not None
    submit(as_branch(login, camp, 0), 0)
    assert state(camp.branches[0]) == "key_qualified"


def test_key_branch_passing_with_zero(client, login, camp):
    """REC-08: a key branch passed with 0 较差 → 重点整改后合格; ≥10 can't pass (REC-04)."""
    submit(as_branch(login, camp, 0), 12)
    review(as_committee(login, camp), camp.branches[0], "start_key")
    submit(as_branch(login, camp, 0), 11)
    c = as_committee(login, camp)
    assert review(c, camp.branches[0], "pass_key").status_code == 409
    review(c, camp.branches[0], "continue_key")
    submit(as_branch(login, camp, 0), 0)
    review(as_committee(login, camp), camp.branches[0], "pass_key")
    assert state(camp.branches[0]) == "key_qualified"


def test_grandparent_may_view_but_not_review(client, login, camp):
    """ROLE-03: 审核权限仅直属上级 — the university (grand-parent) gets 403 隔级无法操作."""
    submit(as_branch(login, camp, 0), 3)
    u = login(camp.uni_admin, camp.tree.uni)
    page = u.get(f"/rectification/review/{camp.branches[0].pk}/")
    assert page.status_code == 200 and "仅直属上级团组织管理员具有" in text(page)
    r = review(u, camp.branches[0], "approve")
    assert r.status_code == 403 and "隔级无法操作" in text(r)
    assert state(camp.branches[0]) == "pending"


def test_out_of_scope_branch_is_404(client, login, camp):
    """ROLE-02: a sibling subtree's branch is a 404 for view and action."""
    other = f.admin_of(camp.tree.col_b, "学院B书记")
    c = login(other, camp.tree.col_b)
    assert c.get(f"/rectification/review/{camp.branches[0].pk}/").status_code == 404
    assert review(c, camp.branches[0], "approve").status_code == 404


def test_bad_action_and_unsubmitted_branch(client, login, camp):
    """SEC-06: an unknown action is refused with a message; a review without a form changes nothing."""
    submit(as_branch(login, camp, 0), 3)
    c = as_committee(login, camp)
    r = review(c, camp.branches[0], "delete")
    assert r.status_code == 400 and state(camp.branches[0]) == "pending"
    r = review(c, camp.branches[1], "approve")
    assert r.status_code == 409 and "尚未提交自检表" in text(r) and state(camp.branches[1]) is None
    r = c.get(f"/rectification/review/{camp.branches[0].pk}/?month=2026-13")
    assert r.status_code == 400 and "月份筛选无效" in text(r)
    assert c.get(f"/rectification/review/{camp.branches[0].pk}/?month=2026-10").status_code == 200


def test_inbox_lists_forms_waiting_for_review(client, login, camp):
    """OPC-01: 自检表审核 items wait in the direct superior's 操作中心, and leave once reviewed;
    each review is one audited transition."""
    submit(as_branch(login, camp, 0), 3)
    c = as_committee(login, camp)
    page = text(c.get("/inbox/"))
    assert "自检表审核" in page and "B1团支部" in page
    review(c, camp.branches[0], "approve")
    assert "B1团支部”提交了团支部自检表" not in text(c.get("/inbox/"))
    assert AuditLog.objects.filter(action="approve", to_state="basic").exists()
    u = login(camp.uni_admin, camp.tree.uni)
    assert "B1团支部”提交了" not in text(u.get("/inbox/"))


def test_list_runs_constant_queries(client, login, camp):
    """The 下级组织列表 runs the same number of queries for 6 or 16 sub-branches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit(as_branch(login, camp, 0), 2)
    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as small:
        c.get(LIST)
    for i in range(10):
        f.branch(camp.committee, f"D{i}团支部")
    submit(as_branch(login, camp, 1), 2)
    c = as_committee(login, camp)
    with CaptureQueriesContext(connection) as large:
        assert text(c.get(LIST)).count("data-org=") == 16
    assert len(large) == len(small)


def test_basic_or_delisted_branch_falling_to_ten_poor_becomes_key(client, login, camp):
    """REC-04 (decision): ≥10 较差 always means a key branch: a 基本合格 or 已摘牌 branch whose own
    new form has ≥10 becomes 重点整改中 (its superior is told); fewer keeps its status."""
    submit(as_branch(login, camp, 0), 3)
    submit(as_branch(login, camp, 1), 5)
    c = as_committee(login, camp)
    review(c, camp.branches[0], "approve")
    review(c, camp.branches[1], "start_key")
    submit(as_branch(login, camp, 1), 4)
    review(as_committee(login, camp), camp.branches[1], "pass_key")
    assert [state(b) for b in camp.branches[:2]] == ["basic", "delisted"]
    submit(as_branch(login, camp, 0), 9)
    assert state(camp.branches[0]) == "basic"
    for i in (0, 1):
        submit(as_branch(login, camp, i), 10)
    assert [state(b) for b in camp.branches[:2]] == ["key", "key"]
    records = CampaignRecord.objects.filter(branch__in=camp.branches[:2])
    assert all(r.key_since and r.key_done_at is None for r in records)
    told = Notification.objects.filter(recipient_org=camp.committee, text__contains="已纳入重点整顿团支部")
    assert told.count() == 2


def test_a_higher_committee_sees_every_sub_branch(client, login, camp):
    """REC-08 / ROLE-03: the seed's note — a superior sees all its sub-branches' forms and bottom-20%
    marks in 下级组织列表 (全部下级团支部), while 是否整改 and the selection stay with the direct
    superior: the university sees B1 … B6 with their status and 查看 only."""
    submit(as_branch(login, camp, 0), 2)
    u = login(camp.uni_admin, camp.tree.uni)
    assert "B1团支部" not in text(u.get(LIST))  # its direct sub-branches: none here
    page = text(u.get(LIST + "?scope=all"))
    for b in camp.branches:
        assert b.name in page
    assert 'data-state="pending">待审核' in page and "学院团委" in page
    assert "是否整改" not in page and 'name="branches"' not in page and "bottom-submit" not in page
    assert "是否整改" in text(as_committee(login, camp).get(LIST + "?scope=all"))
    r = u.get(LIST + "?scope=everything")
    assert r.status_code == 400 and "列表范围无效" in text(r)


def test_whole_subtree_list_runs_constant_queries(client, login, camp):
    """全部下级团支部 is one page of rows whatever the subtree's size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    u = login(camp.uni_admin, camp.tree.uni)
    with CaptureQueriesContext(connection) as small:
        u.get(LIST + "?scope=all")
    other = f.OrgFactory(name="学院C团委", parent=camp.tree.uni)
    for i in range(8):
        f.branch(other, f"C{i}团支部")
    submit(as_branch(login, camp, 1), 2)
    u = login(camp.uni_admin, camp.tree.uni)
    with CaptureQueriesContext(connection) as large:
        assert text(u.get(LIST + "?scope=all")).count("data-org=") >= 14
    assert len(large) == len(small)


def _buttons(page):
    import re

    return re.findall(r'name="action" value="(\w+)"', page)


def test_review_buttons_are_the_actions_the_record_accepts(client, login, camp):
    """REC-04 at the edge: with 9 较差 the superior sees 不通过 / 通过 / 开始整改; with 10 there is
    no 通过 (the transition would refuse it); with 0 no 开始整改; a key branch back with 10 has
    no 通过 in its re-review either."""
    for i, poor in ((0, 9), (1, 10), (2, 0)):
        submit(as_branch(login, camp, i), poor)

    def page(branch):
        return as_committee(login, camp).get(f"/rectification/review/{branch.pk}/").content.decode()

    assert _buttons(page(camp.branches[0])) == ["reject", "approve", "start_key"]
    assert _buttons(page(camp.branches[1])) == ["reject", "start_key"]
    assert _buttons(page(camp.branches[2])) == ["reject", "approve"]
    review(as_committee(login, camp), camp.branches[1], "start_key")
    submit(as_branch(login, camp, 1), 10)
    assert _buttons(page(camp.branches[1])) == ["continue_key"]
    submit(as_branch(login, camp, 1), 9)
    assert _buttons(page(camp.branches[1])) == ["pass_key", "continue_key"]


def test_list_shows_this_years_last_submission(client, login, camp):
    """REC-08: 最近提交 is the branch's last 自检表 of this year's campaign; a form of last year's
    campaign is not shown as this year's."""
    from datetime import date

    from .conftest import at

    submit(as_branch(login, camp, 0), 2)
    old = CampaignRecord.objects.create(branch=camp.branches[1], year=2025, state="qualified", poor_count=0)
    SelfCheck.objects.create(
        record=old, month=date(2025, 10, 1), poor_count=0, filler_name="书记", submitted_at=at(2025, 10, 9, 9, 30)
    )
    page = text(as_committee(login, camp).get(LIST))
    rows = {b.name: page.split(f'data-name="{b.name}"', 1)[1].split("</tr>", 1)[0] for b in camp.branches[:2]}
    assert "2026-10-10 10:00" in rows["B1团支部"]
    assert "2025-10-09" not in rows["B2团支部"] and 'data-state="not_submitted"' in rows["B2团支部"]


def test_the_form_shows_each_items_rating(client, login, camp):
    """REC-01 / REC-03: the superior reads the form item by item — 较差 marked red, 好 plain — and
    an item the form has no answer for (a form of an older item list) shows "—"."""
    from datetime import date

    submit(as_branch(login, camp, 0), 2)
    c = as_committee(login, camp)
    page = text(c.get(f"/rectification/review/{camp.branches[0].pk}/"))
    assert page.count('text-danger fw-bold">较差</td>') == 2 and '<td class="">好</td>' in page
    record = CampaignRecord.objects.create(branch=camp.branches[1], year=2026, state="pending", poor_count=0)
    SelfCheck.objects.create(record=record, month=date(2026, 10, 1), poor_count=0, filler_name="书记", answers={})
    page = text(c.get(f"/rectification/review/{camp.branches[1].pk}/"))
    assert '<td class="">—</td>' in page and '<td class="">None</td>' not in page


def test_each_decision_is_written_on_the_form_it_decides(client, login, camp, clock):
    """REC-02 / REC-03 / REC-07: a form records who filled it and how many 较差 it rectified; the
    superior's decision is recorded on the branch's last form: 审核结果, who, when and 审核意见; a
    key branch that falls back to ≥10 较差 after 摘牌 keeps the moment it first became a key branch
    (REC-04)."""

    def last_review():
        check = SelfCheck.objects.filter(record__branch=camp.branches[0]).order_by("-pk").first()
        return check.review_result, check.reviewed_by, check.reviewed_at, check.review_note

    submit(as_branch(login, camp, 0), 3)
    form = SelfCheck.objects.get()
    assert (form.filled_by, form.filler_name, form.filled_by_org, form.improved) == (
        camp.branch_admins[0],
        camp.branch_admins[0].name,
        camp.branches[0],
        0,  # 本次整改项数 of a first form
    )
    review(as_committee(login, camp), camp.branches[0], "reject", "数据失实")
    assert last_review() == ("不通过", camp.admin, timezone.now(), "数据失实")
    submit(as_branch(login, camp, 0), 5)
    assert SelfCheck.objects.order_by("-pk").first().improved == 0  # more 较差 than before: none rectified
    clock.shift(60)
    review(as_committee(login, camp), camp.branches[0], "start_key", "限期整改")
    assert last_review() == ("开始整改", camp.admin, timezone.now(), "限期整改")
    became_key = timezone.now()
    submit(as_branch(login, camp, 0), 4)
    assert SelfCheck.objects.order_by("-pk").first().improved == 1
    clock.shift(60)
    review(as_committee(login, camp), camp.branches[0], "pass_key")
    assert last_review() == ("通过", camp.admin, timezone.now(), "")
    clock.shift(60)
    submit(as_branch(login, camp, 0), 10)
    record = CampaignRecord.objects.get(branch=camp.branches[0])
    assert (record.state, record.key_since) == ("key", became_key)


def test_review_refusals_word_for_word(camp):
    """REC-04 at the default threshold (10 较差): 通过 and 通过 of a key branch are refused at 10 and
    allowed at 9, each refusal exactly; 开始整改 is refused only at 0."""
    record = CampaignRecord(branch=camp.branches[0], year=2026, poor_count=10)
    assert record.review_refusal("approve") == (
        "该团支部自检表“较差”项为10项（≥10项），必须纳入重点整顿团支部，请点击“开始整改”。"
    )
    assert record.review_refusal("pass_key") == "该团支部自检表“较差”项仍有10项（≥10项），不能通过，请点击“继续整改”。"
    assert record.review_refusal("start_key") is None
    record.poor_count = 9
    assert (record.review_refusal("approve"), record.review_refusal("pass_key")) == (None, None)
    record.poor_count = 0
    assert record.review_refusal("start_key") == "该团支部自检表“较差”项为0，无需整改，请点击“通过”。"
    assert record.review_refusal("continue_key") is None


def test_a_form_written_by_no_person_has_no_filler_name(camp):
    """REC-02: 填报人 is the filler's name from the login; a form written by no person (a job, the
    demo data) leaves it empty."""
    record = CampaignRecord.objects.create(branch=camp.branches[0], year=2026)
    record.submit(by=None, org=camp.branches[0], answers=answers(2), month=date(2026, 10, 1))
    form = SelfCheck.objects.get()
    assert (form.filler_name, form.filled_by, form.poor_count) == ("", None, 2)


def test_review_called_directly_tells_the_branch_word_for_word(camp):
    """REC-03 / REC-04 / REC-06 / REC-07, review() called directly: an action it doesn't know and a
    note over 200 characters are refused word for word (400; 200 pass, trimmed); a review by the
    superior's superior is 隔级 (403); one on a page that showed another status is refused. Each decision tells the branch exactly, with the link to its
    form: 不通过 (resubmit), 通过, 开始整改 and 继续整改 (a key branch: edit and resubmit)."""
    import pytest
    from django.core.exceptions import PermissionDenied
    from django.urls import reverse

    from rectification import services as s
    from zhtj.core.workflow import AlreadyHandled

    b, by, acting = camp.branches, camp.admin, camp.committee

    def submitted(i, poor):
        s.submit_check(b[i], answers(poor), s.current_month(), by=camp.branch_admins[i], org=b[i])
        return CampaignRecord.objects.get(branch=b[i], year=2026)

    def refused(message, status, record, action, note=""):
        with pytest.raises(s.RecError) as caught:
            s.review(record, action, by=by, acting=acting, note=note)
        assert (str(caught.value), caught.value.status) == (message, status)

    def told(branch):
        n = Notification.objects.filter(recipient_org=branch).latest("pk")
        assert (n.kind, n.link) == ("self_check_review", reverse("rectification:self_check"))
        return n.text

    first = submitted(0, 3)
    refused("不支持的审核操作。", 400, first, "delete")
    refused("审核意见不能超过 200 个字。", 400, first, "reject", "错" * 201)
    with pytest.raises(PermissionDenied, match="隔级无法操作"):
        s.review(first, "reject", by=camp.uni_admin, acting=camp.tree.uni)
    with pytest.raises(AlreadyHandled):  # the page showed another status
        s.review(first, "reject", by=by, acting=acting, note="数据失实", seen="basic")
    assert CampaignRecord.objects.get(pk=first.pk).state == "pending"
    assert s.review(first, "reject", by=by, acting=acting, note=f" {'错' * 200} ").state == "rejected"
    assert SelfCheck.objects.get(record=first).review_note == "错" * 200
    assert told(b[0]) == "上级团组织审核了本支部2026年团支部自检表：不通过，请整顿后再次提交（整顿状态：审核不通过）。"
    s.review(submitted(1, 0), "approve", by=by, acting=acting, seen="pending")
    assert told(b[1]) == "上级团组织审核了本支部2026年团支部自检表：通过（整顿状态：合格）。"
    assert SelfCheck.objects.get(record__branch=b[1]).review_note == ""  # no words given, none stored
    s.review(submitted(2, 5), "start_key", by=by, acting=acting)
    key = "。本支部已被纳入重点整顿团支部，请整改后编辑自检表重新提交"
    assert told(b[2]) == f"上级团组织审核了本支部2026年团支部自检表：开始整改{key}（整顿状态：重点整改中）。"
    s.review(submitted(2, 3), "continue_key", by=by, acting=acting)
    assert told(b[2]) == f"上级团组织审核了本支部2026年团支部自检表：继续整改{key}（整顿状态：继续整改）。"
    s.review(submitted(2, 2), "pass_key", by=by, acting=acting)
    assert told(b[2]) == "上级团组织审核了本支部2026年团支部自检表：通过（整顿状态：已摘牌）。"


def test_the_lists_rows_carry_this_years_record(camp):
    """REC-08 / GRD-05 / ORG-02, rec_orgs, with_status and takes_part called directly: the committee's
    direct branches and a 团总支 with a record this year (made key by 不予定级), not one with last
    year's only, never a 特殊单位专属库; the whole subtree adds the branches further down, without the
    org asked about. Each row carries this year's record: its state (未提交 without one), id, 较差
    count, 排名后20% flag (False without a record) and last submission."""
    from orgs.choices import OrgCategory
    from rectification import services as s

    from .conftest import FOUNDED, at

    b, c = camp.branches, camp.committee

    def org(category, name, parent=c):
        return f.OrgFactory(parent=parent, category=category, name=name, created_at=FOUNDED)

    def record(branch, year, state, **kw):
        return CampaignRecord.objects.create(branch=branch, year=year, state=state, **kw)

    def form(rec, submitted_at):
        SelfCheck.objects.create(
            record=rec, month=date(rec.year, 10, 1), poor_count=3, filler_name="书记", submitted_at=submitted_at
        )

    general = org(OrgCategory.GENERAL_BRANCH, "团总支甲")
    former = org(OrgCategory.GENERAL_BRANCH, "团总支乙")
    below = org(OrgCategory.BRANCH, "甲一团支部", parent=general)
    pool = org(OrgCategory.SPECIAL_UNIT_POOL, "专属库")
    record(general, 2026, "key", key_since=at(2026, 10, 1))
    record(former, 2025, "key", key_since=at(2025, 10, 1))
    record(pool, 2026, "basic")
    mine = record(b[0], 2026, "basic", poor_count=3, bottom_selected=True)
    form(mine, at(2026, 10, 3))
    form(mine, at(2026, 10, 9, 8, 0))
    form(record(b[1], 2025, "key", poor_count=12, bottom_selected=True), at(2025, 10, 5))
    names = {o.name for o in b}
    assert {o.name for o in s.rec_orgs(c, 2026)} == names | {"团总支甲"}
    assert {o.name for o in s.rec_orgs(c, 2026, whole_subtree=True)} == names | {"团总支甲", "甲一团支部"}
    assert [o.name for o in s.rec_orgs(general, 2026, whole_subtree=True)] == ["甲一团支部"]
    rows = {row.pk: row for row in s.with_status(s.rec_orgs(c, 2026), 2026)}
    fields = ("rec_state", "rec_id", "rec_poor", "rec_bottom", "last_submitted")
    assert [tuple(getattr(rows[o.pk], k) for k in fields) for o in (b[0], b[1])] == [
        ("basic", mine.pk, 3, True, at(2026, 10, 9, 8, 0)),
        ("not_submitted", None, None, False, None),
    ]
    assert [s.takes_part(o, 2026) for o in (b[0], b[2], general, former, pool, c)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert s.takes_part(former, 2025) and not s.takes_part(below.parent, 2027)


def test_the_whole_country_under_the_central_committee(camp):
    """REC-08 / GRD-05 / ORG-02: 团中央's whole subtree (the only root, so the year's records are read
    in one pass): every branch of the country, a 团总支 with a record this year, not one with last
    year's only, never a 特殊单位专属库, and not 团中央 itself."""
    from orgs.choices import OrgCategory
    from rectification import services as s

    from .conftest import FOUNDED, at

    def org(category, name, parent):
        return f.OrgFactory(parent=parent, category=category, name=name, created_at=FOUNDED)

    general = org(OrgCategory.GENERAL_BRANCH, "团总支甲", camp.committee)
    former = org(OrgCategory.GENERAL_BRANCH, "团总支乙", camp.tree.col_a)
    pool = org(OrgCategory.SPECIAL_UNIT_POOL, "专属库", camp.tree.province)
    CampaignRecord.objects.create(branch=general, year=2026, state="key", key_since=at(2026, 10, 1))
    CampaignRecord.objects.create(branch=former, year=2025, state="key", key_since=at(2025, 10, 1))
    CampaignRecord.objects.create(branch=pool, year=2026, state="basic")
    listed = {o.pk for o in s.rec_orgs(camp.tree.central, 2026, whole_subtree=True)}
    assert listed == {o.pk for o in (*camp.branches, camp.tree.branch_a, camp.tree.branch_b, general)}
