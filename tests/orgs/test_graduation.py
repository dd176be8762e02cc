"""组织管理 → 标记团支部毕业时间 (ORG-15) and 毕业时间更正 (BEY-02).

Runs on the `tree` fixture: 团山东省委 → 团青岛市委 → 测试大学团委 → {学院A团委 → A1团支部,
学院B团委 → B1团支部}; the university and colleges are in the school domain (普通高等院校).
The clock stands at 2027-03-01 unless a test moves it.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from orgs.choices import Industry, LeadershipLevel, OrgCategory
from orgs.models import GraduationCorrectionRequest, Organization
from tests import factories as f
from zhtj.core.models import AuditLog, Notification

URL = "/orgs/graduation/"
TZ = ZoneInfo("Asia/Shanghai")
WARNING = "标记成功后将无法自行取消，请确认所选团支部的毕业时间相同"


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime(2027, 3, 1, 10, 0, tzinfo=TZ), tick=False):
        yield


def marks(*orgs):
    return [
        Organization.objects.values_list("graduation_month", "graduation_unknown_reason", "graduation_marked_at").get(
            pk=o.pk
        )
        for o in orgs
    ]


UNMARKED = (None, "", None)


def text(response):
    return response.content.decode()


def post_mark(client, branches, step="confirm", **data):
    payload = {"step": step, "branches": [b.pk for b in branches], "month": "", "reason": "", "reason_other": ""}
    payload.update(data)
    return client.post(URL, payload)


# --- who may mark ----------------------------------------------------------------------------


def test_school_admin_sees_menu_button_and_own_branches(client, login, school):
    """ORG-15: a school-domain 团委 admin has the menu entry and the 管理下级组织 button; the page
    lists the unmarked 团支部 of its subtree only, with checkboxes and the help text."""
    c = login(school.col_a)
    page = c.get(URL)
    assert page.status_code == 200
    html = text(page)
    assert 'href="/orgs/graduation/"' in text(c.get("/orgs/children/"))
    assert "标记团支部毕业时间" in re.search(r'id="left-menu">(.*?)</nav>', html, re.S).group(1)
    for b in (school.tree.branch_a, school.a2, school.a3):
        assert f'name="branches" value="{b.pk}"' in html
    assert school.tree.branch_b.name not in html
    assert "单位所属行业类别" in html and "毕业生团组织" in html


@pytest.mark.parametrize("who", ["city", "province", "branch_a", "enterprise"])
def test_others_may_not_mark(client, login, school, who):
    """ORG-15: leadership organs, 团支部 and committees outside the school domain get 403 with the
    seed FAQ's explanation (check 单位所属行业类别); no menu entry; a POST changes nothing."""
    if who == "enterprise":
        company = f.OrgFactory(name="某医院团委", parent=school.tree.city, industry=Industry.PUBLIC_INSTITUTION)
        f.branch(company, "护理部团支部")
        org = company
    else:
        org = getattr(school.tree, who)
    c = login(f.admin_of(org))
    r = c.get(URL)
    assert r.status_code == 403
    assert "检查组织信息页面中“单位所属行业类别”是否属于学校领域" in text(r)
    assert "标记团支部毕业时间" not in text(c.get("/"))
    r = post_mark(c, [school.tree.branch_a], month="2027-07")
    assert r.status_code == 403
    assert marks(school.tree.branch_a) == [UNMARKED]
    assert not AuditLog.objects.filter(action="graduation_mark").exists()


# --- marking ---------------------------------------------------------------------------------


def test_next_warns_and_confirm_marks_the_batch(client, login, school):
    """ORG-15: 下一步 shows the seed's warning and changes nothing; 确定 marks every selected branch
    with the same month, sets the marking time and writes an audit row per branch."""
    c = login(school.col_a)
    branches = [school.tree.branch_a, school.a2]
    r = post_mark(c, branches, step="next", month="2027-07")
    assert r.status_code == 200
    html = text(r)
    assert WARNING in html and "2027-07" in html
    assert school.a2.name in html and school.a3.name not in html
    assert marks(*branches) == [UNMARKED, UNMARKED]

    r = post_mark(c, branches, month="2027-07")
    assert r.status_code == 302 and r["Location"] == "/orgs/graduation/?status=marked"
    got = marks(*branches)
    assert [m[:2] for m in got] == [(date(2027, 7, 1), "")] * 2
    assert all(m[2] is not None for m in got)
    assert marks(school.a3) == [UNMARKED]
    logs = AuditLog.objects.filter(action="graduation_mark")
    assert sorted(logs.values_list("object_id", flat=True)) == sorted(b.pk for b in branches)
    assert all(log.actor == school.col_a and log.changes["graduation_month"] == [None, "2027-07-01"] for log in logs)
    assert "已为2个团支部标记毕业时间：2027-07" in text(c.get(r["Location"]))


def test_back_returns_to_the_list_with_the_selection(client, login, school):
    """ORG-15: 返回修改 on the confirmation goes back to the list with the selection kept, nothing marked."""
    c = login(school.col_a)
    r = post_mark(c, [school.a2], step="back", month="2027-07")
    assert r.status_code == 200
    assert f'value="{school.a2.pk}" id="b{school.a2.pk}" checked' in text(r)
    assert marks(school.a2) == [UNMARKED]


@pytest.mark.parametrize(
    ("data", "stored"),
    [
        ({"reason": "staff"}, "教职工团支部，成员不是在校学生"),
        ({"reason": "other", "reason_other": "中外合作办学班，学制待定"}, "其他：中外合作办学班，学制待定"),
    ],
)
def test_reason_instead_of_a_month(client, login, school, data, stored):
    """ORG-15: a branch whose graduation time can't be known is marked with a reason instead."""
    r = post_mark(login(school.col_a), [school.a3], **data)
    assert r.status_code == 302
    assert marks(school.a3)[0][:2] == (None, stored)


BAD_INPUT = [
    ({"month": "2027-07", "reason": "staff"}, "只能选填其一"),
    ({}, "两者选填其一"),
    ({"month": "2027-13"}, "格式不正确"),
    ({"month": "2027/07"}, "格式不正确"),
    ({"month": "下个月"}, "格式不正确"),
    ({"month": "2026-07"}, "须在 2027 年至 2037 年之间"),
    ({"month": "2099-07"}, "须在 2027 年至 2037 年之间"),
    ({"reason": "other"}, "请填写具体原因"),
    ({"reason": "other", "reason_other": "长" * 101}, "不能超过 100 个字"),
    ({"reason": "no-such-reason"}, "请从列表中选择"),
]


@pytest.mark.parametrize("step", ["next", "confirm"])
@pytest.mark.parametrize(("data", "message"), BAD_INPUT)
def test_bad_mark_is_400_and_changes_nothing(client, login, school, step, data, message):
    """ORG-15 / SEC-06: both a month and a reason, neither, a malformed or out-of-range month, a bad
    reason: 400 with a Chinese message, at 下一步 and at 确定 alike, and nothing marked."""
    r = post_mark(login(school.col_a), [school.a2], step=step, **data)
    assert r.status_code == 400
    assert message in text(r)
    assert marks(school.a2) == [UNMARKED]
    assert not AuditLog.objects.filter(action="graduation_mark").exists()


@pytest.mark.parametrize(
    ("branches", "message"),
    [([], "请勾选需要标记的团支部"), (["abc"], "所选团支部无效")],
)
def test_empty_or_garbled_selection_is_400(client, login, school, branches, message):
    """ORG-15 / SEC-06: an empty selection or a non-numeric id is a 400 with a message."""
    r = login(school.col_a).post(URL, {"step": "confirm", "branches": branches, "month": "2027-07"})
    assert r.status_code == 400 and message in text(r)
    assert not Organization.objects.filter(graduation_month__isnull=False).exists()


def test_branch_outside_subtree_is_404(client, login, school):
    """ORG-15 / ROLE-02: a branch of the sibling college or an id that doesn't exist is a 404, and the
    in-scope branch posted with it is not marked either."""
    c = login(school.col_a)
    for target in (school.tree.branch_b.pk, 10**9):
        r = c.post(URL, {"step": "confirm", "branches": [school.a2.pk, target], "month": "2027-07"})
        assert r.status_code == 404
    assert marks(school.a2, school.tree.branch_b) == [UNMARKED, UNMARKED]


@pytest.mark.parametrize("category", [OrgCategory.GRADUATE, OrgCategory.DELAYED_GRADUATION, OrgCategory.COMMITTEE])
def test_only_category_branch_can_be_marked(client, login, school, category):
    """ORG-15: only 团支部 are marked, not the special branch kinds or committees (400, nothing changed)."""
    other = f.OrgFactory(name="特殊组织", parent=school.tree.col_a, category=category)
    r = post_mark(login(school.col_a), [school.a2, other], month="2027-07")
    assert r.status_code == 400
    assert "只能标记组织类别为“团支部”的团组织：特殊组织" in text(r)
    assert marks(school.a2, other) == [UNMARKED, UNMARKED]


def test_marked_branch_cannot_be_marked_again(client, login, school):
    """ORG-15: a mark is final: a tampered POST re-marking a marked branch (alone or in a batch)
    is a 409 that says so, and changes nothing, not even the unmarked branch of the batch."""
    c = login(school.col_a)
    assert post_mark(c, [school.a2], month="2027-07").status_code == 302
    before = marks(school.a2)
    for batch in ([school.a2], [school.a3, school.a2]):
        r = post_mark(c, batch, month="2028-07")
        assert r.status_code == 409
        assert f"以下团支部已标记毕业时间，不能重复标记：{school.a2.name}" in text(r)
    assert marks(school.a2) == before
    assert marks(school.a3) == [UNMARKED]
    assert AuditLog.objects.filter(action="graduation_mark").count() == 1


def test_marked_branches_are_read_only_with_their_mark(client, login, school):
    """ORG-15: marked branches leave the 未标记 list and show under 已标记 with their mark, without a
    checkbox (no un-mark button), offering 申请更正 instead."""
    c = login(school.col_a)
    post_mark(c, [school.a2], reason="mixed")
    unmarked = text(c.get(URL))
    assert f'value="{school.a2.pk}"' not in unmarked and f'value="{school.a3.pk}"' in unmarked
    page = text(c.get(URL + "?status=marked"))
    row = re.search(rf'<tr data-org="{school.a2.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "无法确定（成员来自不同年级，毕业时间不一致）" in row and "已标记" in row
    assert 'type="checkbox"' not in row and "取消" not in row
    assert f"/orgs/graduation/{school.a2.pk}/correct/" in row


def test_filter_by_parent_and_bad_filters(client, login, school):
    """ORG-15 / SEC-06: the list filters by parent org; a parent outside the subtree is a 404; a
    malformed parent or status is a 400 with a message."""
    c = login(school.uni)
    html = text(c.get(URL + f"?parent={school.tree.col_b.pk}"))
    assert school.tree.branch_b.name in html and school.a2.name not in html
    assert login(school.col_a).get(URL + f"?parent={school.tree.col_b.pk}").status_code == 404
    c = login(school.uni)
    for query in ("?parent=abc", "?status=everything"):
        r = c.get(URL + query)
        assert r.status_code == 400 and "筛选条件无效" in text(r)


def test_list_pages(client, login, school, settings):
    """ORG-15: the list is paginated."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 2}
    c = login(school.col_a)
    first, second = text(c.get(URL)), text(c.get(URL + "?status=unmarked&page=2"))
    assert "第 1 / 2 页，共 3 条" in first
    assert first.count('name="branches"') == 2 and second.count('name="branches"') == 1


def test_list_query_count_is_constant(client, login, school, django_assert_max_num_queries):
    """ORG-15: the list runs a constant number of queries on a tree of hundreds of orgs."""
    c = login(school.uni)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(URL).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(20):
        college = f.OrgFactory(name=f"学院{i}团委", parent=school.tree.uni, industry=Industry.UNIVERSITY)
        for j in range(15):
            branch = f.branch(college, f"学院{i}-{j}班团支部")
            if j == 0:
                f.person(f"团员{i}", branch=branch)
    assert Organization.objects.count() > 300
    with django_assert_max_num_queries(small):
        assert c.get(URL).status_code == 200
    with django_assert_max_num_queries(small):
        assert c.get(URL + "?status=marked").status_code == 200


def test_month_xor_reason_is_a_database_constraint(school):
    """ORG-15: the database refuses a branch with both a month and a reason."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=school.a2.pk).update(
            graduation_month=date(2027, 7, 1), graduation_unknown_reason="其他：x"
        )


def test_late_mark_of_this_year_converts_at_once(client, login, school):
    """ORG-15 / ORG-16 (decision): a branch marked with a month of this year after this year's
    conversion date (6月1日) would never be converted by the June 1 run, so it becomes
    毕业生团组织 at once, its members flagged 毕业生; the confirmation says so beforehand."""
    member = f.person("毕业班团员", branch=school.a2)
    with time_machine.travel(datetime(2027, 6, 10, 9, 0, tzinfo=TZ), tick=False):
        c = login(school.col_a)
        assert "将立即变更为毕业生团组织" in text(post_mark(c, [school.a2], step="next", month="2027-07"))
        r = post_mark(c, [school.a2], month="2027-07")
        assert r.status_code == 302
        # before the conversion date nothing converts: the June 1 run will do it
        assert post_mark(c, [school.a3], month="2028-01").status_code == 302
    school.a2.refresh_from_db(), school.a3.refresh_from_db(), member.refresh_from_db()
    assert school.a2.category == OrgCategory.GRADUATE and member.is_graduate
    assert school.a3.category == OrgCategory.BRANCH
    assert AuditLog.objects.filter(action="graduate_conversion", object_id=school.a2.pk).exists()


def test_marked_before_june_stays_a_branch(client, login, school):
    """ORG-16: a mark of this year made before the conversion date leaves the category alone."""
    assert post_mark(login(school.col_a), [school.a2], month="2027-07").status_code == 302
    school.a2.refresh_from_db()
    assert school.a2.category == OrgCategory.BRANCH


# --- 毕业时间更正 (BEY-02) ---------------------------------------------------------------------


def _mark(org, month=date(2027, 7, 1), reason=""):
    Organization.objects.filter(pk=org.pk).update(
        graduation_month=month, graduation_unknown_reason=reason, graduation_marked_at=datetime(2027, 2, 1, tzinfo=TZ)
    )
    org.refresh_from_db()
    return org


def correct_url(org):
    return f"/orgs/graduation/{org.pk}/correct/"


def file(client, org, **data):
    payload = {"month": "", "reason": "", "reason_other": "", "explanation": "班级实际为五年制，2028年毕业"}
    payload.update(data)
    return client.post(correct_url(org), payload)


def test_correction_goes_to_the_provincial_inbox(client, login, school):
    """BEY-02: the marking org files a correction (new month + explanation); it waits in the
    操作中心 of the branch's 省级团委 as 毕业时间更正, nowhere else; the mark is unchanged meanwhile."""
    _mark(school.a2)
    c = login(school.col_a)
    assert c.get(correct_url(school.a2)).status_code == 200
    r = file(c, school.a2, month="2028-07")
    req = GraduationCorrectionRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/orgs/graduation/corrections/{req.pk}/"
    assert (req.state, req.approver, req.filed_by_org, req.requested_by) == (
        "pending",
        school.tree.province,
        school.tree.col_a,
        school.col_a,
    )
    assert (req.old_month, req.new_month, req.new_reason) == (date(2027, 7, 1), date(2028, 7, 1), "")
    assert AuditLog.objects.filter(object_id=req.pk, action="submit").exists()
    assert marks(school.a2)[0][0] == date(2027, 7, 1)

    inbox = text(login(school.province).get("/inbox/"))
    assert "毕业时间更正" in inbox and school.a2.name in inbox and "2027-07 → 2028-07" in inbox
    for org in (school.tree.city, school.tree.uni, school.tree.central):
        assert school.a2.name not in text(login(f.admin_of(org)).get("/inbox/"))


def test_ancestor_school_admin_may_file_others_may_not(client, login, school):
    """BEY-02 / ORG-15: a school-domain ancestor (校团委) may file; a leadership organ or the branch
    itself gets 403; a sibling college gets 404; nothing is filed by them."""
    _mark(school.a2)
    assert login(f.admin_of(school.tree.city)).get(correct_url(school.a2)).status_code == 403
    assert file(login(f.admin_of(school.a2)), school.a2, month="2028-07").status_code == 403
    assert file(login(f.admin_of(school.tree.col_b)), school.a2, month="2028-07").status_code == 404
    assert not GraduationCorrectionRequest.objects.exists()
    assert file(login(school.uni), school.a2, month="2028-07").status_code == 302
    assert GraduationCorrectionRequest.objects.get().filed_by_org == school.tree.uni


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"month": "2028-07", "reason": "staff"}, "只能选填其一"),
        ({}, "两者选填其一"),
        ({"month": "2028-7-1"}, "格式不正确"),
        ({"month": "2027-07"}, "与当前标记相同"),
        ({"month": "2028-07", "explanation": "  "}, "请填写更正说明"),
        ({"month": "2028-07", "explanation": "长" * 501}, "不能超过 500 个字"),
        ({"month": "2021-07"}, "须在 2022 年至 2037 年之间"),
    ],
)
def test_bad_correction_is_400(client, login, school, data, message):
    """BEY-02 / SEC-06: both, neither, a malformed month, the same mark, no explanation: 400, no request."""
    _mark(school.a2)
    r = file(login(school.col_a), school.a2, **data)
    assert r.status_code == 400 and message in text(r)
    assert not GraduationCorrectionRequest.objects.exists()


def test_correction_conflicts_are_409(client, login, school):
    """BEY-02: an unmarked branch has nothing to correct, and a second request for a branch with
    one pending is refused (409); the partial unique index backs this up."""
    c = login(school.col_a)
    r = file(c, school.a3, month="2028-07")
    assert r.status_code == 409 and "尚未标记毕业时间" in text(r)
    _mark(school.a2)
    assert file(c, school.a2, month="2028-07").status_code == 302
    r = file(c, school.a2, reason="staff")
    assert r.status_code == 409 and "已有一条待审批" in text(r)
    assert GraduationCorrectionRequest.objects.count() == 1
    first = GraduationCorrectionRequest.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        GraduationCorrectionRequest.objects.create(
            branch=school.a2,
            filed_by_org=school.tree.col_a,
            approver=school.tree.province,
            requested_by=school.col_a,
            new_reason="x",
            explanation="x",
        )
    assert first.state == "pending"


def test_no_province_above_is_409(client, login, db):
    """BEY-02: a school directly under 团中央 has no 省级团委 to decide: refused with the reason."""
    central = f.leadership("团中央")
    uni = f.OrgFactory(name="直属高校团委", parent=central, industry=Industry.UNIVERSITY)
    branch = _mark(f.branch(uni, "2023级1班团支部"))
    r = file(login(f.admin_of(uni)), branch, month="2028-07")
    assert r.status_code == 409 and "未找到该团支部所属的省级团委" in text(r)


def _filed(school, org=None, **data):
    from orgs.graduation import file_correction

    org = org or school.a2
    return file_correction(
        school.tree.col_a,
        org,
        month=data.get("month"),
        reason=data.get("reason", ""),
        explanation="标记有误",
        by=school.col_a,
    )


def decide(client, req, decision, note=""):
    return client.post(f"/orgs/graduation/corrections/{req.pk}/", {"decision": decision, "note": note})


def test_province_approves_and_the_mark_changes(client, login, school):
    """BEY-02 / BEY-05: 同意 applies the new mark with an audit row holding before and after, the
    request's transition is audited, the filing org is notified, and the item leaves the inbox."""
    _mark(school.a2)
    req = _filed(school, month=date(2028, 7, 1))
    c = login(school.province)
    r = decide(c, req, "approve")
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert marks(school.a2)[0][:2] == (date(2028, 7, 1), "")
    req.refresh_from_db()
    assert (req.state, req.decided_by) == ("approved", school.province)
    log = AuditLog.objects.get(object_id=school.a2.pk, action="graduation_correction")
    assert log.changes == {"graduation_month": ["2027-07-01", "2028-07-01"]}
    assert log.actor == school.province
    flow = AuditLog.objects.get(object_id=req.pk, action="approve")
    assert (flow.from_state, flow.to_state) == ("pending", "approved")
    note = Notification.objects.get(recipient_org=school.tree.col_a)
    assert "已同意" in note.text and "2028-07" in note.text
    page = text(c.get("/inbox/"))
    assert "已同意" in page  # the message after the redirect
    assert school.a2.name not in re.search(r'id="inbox-items".*?</table>', page, re.S).group(0)
    assert "已同意" in re.search(r'id="inbox-notices".*?</ul>', text(login(school.col_a).get("/inbox/")), re.S).group(0)


def test_reject_needs_a_reason(client, login, school):
    """BEY-02: 不同意 without a reason is a 400 and the request stays pending; with one, the mark
    stays as it was and the filer is told why."""
    _mark(school.a2)
    req = _filed(school, reason="教职工团支部，成员不是在校学生")
    c = login(school.province)
    r = decide(c, req, "reject")
    assert r.status_code == 400 and "不同意时须填写理由" in text(r)
    req.refresh_from_db()
    assert req.state == "pending"
    assert decide(c, req, "reject", "请提供学籍证明").status_code == 302
    req.refresh_from_db()
    assert (req.state, req.reason) == ("rejected", "请提供学籍证明")
    assert marks(school.a2)[0][:2] == (date(2027, 7, 1), "")
    assert "不同意（请提供学籍证明）" in Notification.objects.get(recipient_org=school.tree.col_a).text
    r = decide(c, req, "approve")
    assert r.status_code == 409 and "已被处理" in text(r)
    assert decide(c, req, "maybe").status_code in (400, 409)


@pytest.mark.parametrize(
    ("who", "view", "act"),
    [("col_a", 200, 403), ("uni", 200, 403), ("city", 200, 403), ("central", 200, 403), ("col_b", 404, 404)],
)
def test_only_the_province_decides(client, login, school, who, view, act):
    """BEY-02 / ROLE-02: admins in scope may view a request but only the 省级团委 decides (403);
    out of scope is a 404; nothing changes."""
    _mark(school.a2)
    req = _filed(school, month=date(2028, 7, 1))
    admin = {"col_a": school.col_a, "uni": school.uni}.get(who) or f.admin_of(getattr(school.tree, who))
    c = login(admin)
    assert c.get(f"/orgs/graduation/corrections/{req.pk}/").status_code == view
    assert decide(c, req, "approve").status_code == act
    req.refresh_from_db()
    assert req.state == "pending" and marks(school.a2)[0][0] == date(2027, 7, 1)


def test_another_province_gets_404(client, login, school):
    """BEY-02 / ROLE-02: the admin of another province can't see or decide the request."""
    other = f.leadership("团江苏省委", school.tree.central, LeadershipLevel.PROVINCE)
    _mark(school.a2)
    req = _filed(school, month=date(2028, 7, 1))
    c = login(f.admin_of(other))
    assert c.get(f"/orgs/graduation/corrections/{req.pk}/").status_code == 404
    assert decide(c, req, "approve").status_code == 404
    assert school.a2.name not in text(c.get("/inbox/"))


def test_correcting_a_graduate_org_to_a_later_year_makes_it_a_branch_again(client, login, school):
    """BEY-02 (decision) / ORG-16: a 毕业生团组织 corrected to a year whose conversion date hasn't come
    goes back to 团支部 and its members lose the 毕业生 flag; the June 1 run of that year converts it."""
    from orgs.graduation import convert_year

    member = f.person("团员", branch=school.a2)
    _mark(school.a2, date(2027, 1, 1))
    convert_year(2027)
    school.a2.refresh_from_db(), member.refresh_from_db()
    assert school.a2.category == OrgCategory.GRADUATE and member.is_graduate
    with time_machine.travel(datetime(2027, 7, 1, 9, 0, tzinfo=TZ), tick=False):
        req = _filed(school, month=date(2028, 7, 1))
        assert decide(login(school.province), req, "approve").status_code == 302
    school.a2.refresh_from_db(), member.refresh_from_db()
    assert school.a2.category == OrgCategory.BRANCH and not member.is_graduate
    log = AuditLog.objects.get(object_id=school.a2.pk, action="graduation_correction")
    assert log.changes["category"] == ["graduate", "branch"]
    assert convert_year(2028)["orgs"] == 1


def test_correcting_to_a_reason_makes_a_graduate_org_a_branch(client, login, school):
    """BEY-02 (decision): corrected to a reason (time unknown), a 毕业生团组织 is a 团支部 again."""
    from orgs.graduation import convert_year

    _mark(school.a2, date(2027, 1, 1))
    convert_year(2027)
    req = _filed(school, reason="教职工团支部，成员不是在校学生")
    assert decide(login(school.province), req, "approve").status_code == 302
    school.a2.refresh_from_db()
    assert (school.a2.category, school.a2.graduation_month, school.a2.graduation_unknown_reason) == (
        OrgCategory.BRANCH,
        None,
        "教职工团支部，成员不是在校学生",
    )


def test_correcting_to_a_passed_year_converts_at_once(client, login, school):
    """BEY-02 (decision) / ORG-16: a 团支部 corrected to a month whose conversion date has passed (the
    June 1 run of that year is over) becomes 毕业生团组织 at once, members flagged; a graduate org
    corrected to another month of a passed year stays one."""
    member = f.person("团员", branch=school.a2)
    _mark(school.a2, date(2028, 7, 1))
    with time_machine.travel(datetime(2027, 8, 1, 9, 0, tzinfo=TZ), tick=False):
        req = _filed(school, month=date(2027, 7, 1))
        assert decide(login(school.province), req, "approve").status_code == 302
        school.a2.refresh_from_db(), member.refresh_from_db()
        assert school.a2.category == OrgCategory.GRADUATE and member.is_graduate
        req = _filed(school, month=date(2027, 1, 1))
        assert decide(login(school.province), req, "approve").status_code == 302
    school.a2.refresh_from_db()
    assert school.a2.category == OrgCategory.GRADUATE and school.a2.graduation_month == date(2027, 1, 1)
