"""组织生活 records (ORG-18): 会议发布 / 团课上传 / 活动发布, editing, scope, double submits (BEY-06).

Runs on the `tree` fixture: … 测试大学团委 → {学院A团委 → A1团支部, 学院B团委 → B1团支部}.
The clock stands at 2027-03-10.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from orgs.choices import LifeKind
from orgs.models import LifeRecord
from tests import factories as f
from zhtj.core.models import AuditLog

TZ = ZoneInfo("Asia/Shanghai")
MEETING_URL = "/orgs/life/meetings/new/"


@pytest.fixture(autouse=True)
def _setup(fast_hasher):
    with time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=TZ), tick=False):
        yield


@pytest.fixture
def branch(tree):
    class B:
        pass

    b = B()
    b.tree = tree
    b.admin = f.admin_of(tree.branch_a, "A1支书")
    b.members = [f.person(name, branch=tree.branch_a, password="pw-123456") for name in ("甲团员", "乙团员", "丙团员")]
    b.outsider = f.person("外支部团员", branch=tree.branch_b)
    return b


def meeting(branch, **extra):
    data = {
        "kind": LifeKind.GENERAL_MEETING,
        "date": "2027-03-05",
        "topic": "学习二十大精神",
        "place": "教学楼101",
        "content": "传达学习",
        "participants": [p.pk for p in branch.members[:2]],
    }
    data.update(extra)
    return data


def test_branch_admin_publishes_a_meeting_with_attendees(login, branch):
    """ORG-18: 会议发布 with date, topic, place, content and attendees chosen from the branch."""
    c = login(branch.admin, branch.tree.branch_a)
    page = c.get(MEETING_URL).content.decode()
    assert "甲团员" in page and "外支部团员" not in page and "支部委员会" in page
    r = c.post(MEETING_URL, meeting(branch), follow=True)
    record = LifeRecord.objects.get()
    assert (record.branch, record.kind, record.date, record.topic) == (
        branch.tree.branch_a,
        LifeKind.GENERAL_MEETING,
        date(2027, 3, 5),
        "学习二十大精神",
    )
    assert set(record.participants.all()) == set(branch.members[:2])
    assert record.created_by == branch.admin
    assert "已发布，参加人员2人" in r.content.decode()


@pytest.mark.parametrize(
    "url,data,stored",
    [
        ("/orgs/life/lectures/new/", {"topic": "团史第一课", "lecturer": "王老师"}, LifeKind.LECTURE),
        ("/orgs/life/activities/new/", {"topic": "植树活动", "place": "校园东区"}, LifeKind.ACTIVITY),
    ],
)
def test_lecture_and_activity_are_recorded_with_their_kind(login, branch, url, data, stored):
    """ORG-18: 团课上传 (title, date, lecturer) and 活动发布 (title, date, place) with participants."""
    c = login(branch.admin, branch.tree.branch_a)
    # A posted kind can't turn a 团课 into something else: the page fixes it.
    r = c.post(
        url, {**data, "kind": LifeKind.GENERAL_MEETING, "date": "2027-03-01", "participants": [branch.members[0].pk]}
    )
    assert r.status_code == 302
    record = LifeRecord.objects.get()
    assert record.kind == stored and list(record.participants.all()) == [branch.members[0]]


@pytest.mark.parametrize(
    "url,missing,message",
    [
        ("/orgs/life/lectures/new/", {"topic": "团课", "lecturer": ""}, "请填写授课人"),
        ("/orgs/life/activities/new/", {"topic": "活动", "place": ""}, "请填写活动地点"),
        (MEETING_URL, {"kind": LifeKind.GROUP_MEETING, "topic": "会议", "place": ""}, "请填写会议地点"),
    ],
)
def test_kind_specific_fields_are_required(login, branch, url, missing, message):
    """ORG-18: a 团课 needs its lecturer, meetings and activities their place."""
    c = login(branch.admin, branch.tree.branch_a)
    r = c.post(url, {"date": "2027-03-01", **missing})
    assert r.status_code == 400 and message in r.content.decode()
    assert not LifeRecord.objects.exists()


def test_double_post_with_the_same_token_makes_one_record(login, branch):
    """ORG-18 / BEY-06: the same form posted twice (double click, lag) creates ONE record."""
    c = login(branch.admin, branch.tree.branch_a)
    data = meeting(branch, _once="token-1")
    first = c.post(MEETING_URL, data)
    second = c.post(MEETING_URL, data, HTTP_REFERER="http://testserver" + MEETING_URL)
    assert first.status_code == 302 and second.status_code == 303
    assert LifeRecord.objects.count() == 1


def test_resubmitting_the_same_meeting_is_refused_by_its_natural_key(login, branch):
    """ORG-18 / BEY-06: a second submit with a fresh token (re-opened form) still makes one record;
    the message says to edit the existing one. The constraint backs the check up."""
    c = login(branch.admin, branch.tree.branch_a)
    assert c.post(MEETING_URL, meeting(branch, _once="a")).status_code == 302
    r = c.post(MEETING_URL, meeting(branch, _once="b"))
    assert r.status_code == 400 and "不能重复录入" in r.content.decode() and "编辑" in r.content.decode()
    assert LifeRecord.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        LifeRecord.objects.create(
            branch=branch.tree.branch_a, kind=LifeKind.GENERAL_MEETING, date=date(2027, 3, 5), topic="学习二十大精神"
        )


def test_participants_outside_the_branch_are_refused(login, branch):
    """ORG-18: participants must be members of the branch; anyone else → 400 with a clear message."""
    c = login(branch.admin, branch.tree.branch_a)
    for bad in ([branch.outsider.pk], ["abc"], [999999], ["9" * 40], ["-1"]):
        r = c.post(MEETING_URL, meeting(branch, participants=[branch.members[0].pk, *bad]))
        assert r.status_code == 400
        assert "本支部团员中" in r.content.decode()
    assert not LifeRecord.objects.exists()


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"topic": "   "}, "请填写会议主题"),
        ({"topic": "长" * 101}, "100"),
        ({"date": "2027-05-01"}, "日期不能晚于2027-04-09"),
        ({"date": "2021-12-31"}, "日期不能早于2022-01-01"),
        ({"date": "2027-13-45"}, "日期格式不正确"),
        ({"date": ""}, "请填写会议时间"),
        ({"kind": "secret_meeting"}, "会议类型"),
        ({"content": "x" * 2001}, "2000"),
    ],
)
def test_bad_input_is_a_400_with_a_chinese_message(login, branch, changes, message):
    """ORG-18 / SEC-06: topic required and bounded, date not far in the future nor long past."""
    c = login(branch.admin, branch.tree.branch_a)
    r = c.post(MEETING_URL, meeting(branch, **changes))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not LifeRecord.objects.exists()


def test_an_empty_post_says_what_is_missing(login, branch):
    """SEC-06: a POST with no fields at all is a 400 naming the required fields, not a blank page."""
    r = login(branch.admin, branch.tree.branch_a).post(MEETING_URL, {})
    assert r.status_code == 400 and "请填写会议主题" in r.content.decode() and "请填写会议时间" in r.content.decode()


def test_only_a_branch_publishes(login, branch):
    """ORG-18: 会议发布 belongs to a branch-kind org's admin; a committee gets 403 with the reason."""
    c = login(f.admin_of(branch.tree.col_a), branch.tree.col_a)
    r = c.post(MEETING_URL, meeting(branch))
    assert r.status_code == 403 and "团支部管理员" in r.content.decode()
    assert c.get("/orgs/life/lectures/new/").status_code == 403
    assert not LifeRecord.objects.exists()
    # A member in the personal center has no acting org at all.
    assert login(branch.members[0]).get(MEETING_URL).status_code == 403


def _menu(client):
    return {g["label"]: [link["label"] for link in g["links"]] for g in client.get("/").context["menu"]}


def test_menu_follows_the_seed_paths(login, branch):
    """ORG-18 / EDU-02: the branch admin finds 三会-会议发布, 团课-团课上传 (and 团课-公开团课, seed 003),
    团日活动-活动发布 and 业务办理-年度团籍注册审批 (the seed's menu paths); a committee only reads
    组织生活记录 and sees 公开团课."""
    menu = _menu(login(branch.admin, branch.tree.branch_a))
    assert (
        menu["三会"] == ["会议发布"] and menu["团课"] == ["团课上传", "公开团课"] and menu["团日活动"] == ["活动发布"]
    )
    assert "年度团籍注册审批" in menu["业务办理"] and menu["组织生活"] == ["组织生活记录"]
    committee = _menu(login(f.admin_of(branch.tree.col_a), branch.tree.col_a))
    assert not {"三会", "团日活动"} & set(committee) and committee["组织生活"] == ["组织生活记录"]
    assert committee["团课"] == ["公开团课"]
    assert "年度团籍注册审批" not in committee["业务办理"]


def _record(branch):
    record = LifeRecord.objects.create(
        branch=branch.tree.branch_a, kind=LifeKind.GENERAL_MEETING, date=date(2027, 3, 1), topic="原主题", place="101"
    )
    record.participants.set(branch.members[:1])
    return record


def test_edit_changes_fields_and_participants_with_history(login, branch):
    """ORG-18: records are editable afterwards, participants too (the seed: fix a duplicate by editing);
    before/after is audited (BEY-05)."""
    record = _record(branch)
    c = login(branch.admin, branch.tree.branch_a)
    url = f"/orgs/life/{record.pk}/edit/"
    form = c.get(url).content.decode()
    # The date input holds ISO whatever the locale writes dates as (zh-hans: 2027/03/01), or the
    # browser shows it empty and the unchanged form is refused as missing its date.
    assert "原主题" in form and 'type="date" name="date" id="id_date" class="form-control" value="2027-03-01"' in form
    data = meeting(branch, kind=LifeKind.COMMITTEE_MEETING, topic="新主题", participants=[m.pk for m in branch.members])
    r = c.post(url, data, follow=True)
    assert "已修改" in r.content.decode()
    record.refresh_from_db()
    assert (record.topic, record.kind) == ("新主题", LifeKind.COMMITTEE_MEETING)
    assert set(record.participants.all()) == set(branch.members)
    log = AuditLog.objects.filter(object_id=record.pk, action="update").get()
    assert log.changes["topic"] == ["原主题", "新主题"]
    who = AuditLog.objects.filter(object_id=record.pk, action="participants").get()
    assert who.changes["participants"] == [["甲团员"], sorted(m.name for m in branch.members)]
    assert who.actor == branch.admin
    # Editing onto another record's natural key is refused, nothing changes.
    other = LifeRecord.objects.create(
        branch=branch.tree.branch_a, kind=LifeKind.ACTIVITY, date=date(2027, 3, 2), topic="活动", place="操场"
    )
    r = c.post(
        f"/orgs/life/{other.pk}/edit/",
        {"date": "2027-03-05", "topic": "新主题", "place": "操场", "kind": LifeKind.ACTIVITY},
    )
    assert r.status_code == 302  # a different kind: not a duplicate
    r = c.post(url, meeting(branch, kind=LifeKind.ACTIVITY, date="2027-03-05", topic="新主题"))
    record.refresh_from_db()
    assert record.kind == LifeKind.COMMITTEE_MEETING  # a meeting stays a meeting
    r = c.post(
        f"/orgs/life/{other.pk}/edit/",
        {"date": "2027-03-05", "topic": "新主题", "place": "操场", "participants": [branch.outsider.pk]},
    )
    assert r.status_code == 400 and set(other.participants.all()) == set()


def test_editing_keeps_a_participant_who_has_since_left(login, branch):
    """ORG-18: a participant who transferred out after the meeting stays on it when it is edited
    (no silent loss); a newcomer from outside still can't be added."""
    record = _record(branch)  # members[0] attended
    moved = branch.members[0]
    type(moved).objects.filter(pk=moved.pk).update(branch=branch.tree.branch_b)
    c = login(branch.admin, branch.tree.branch_a)
    url = f"/orgs/life/{record.pk}/edit/"
    assert moved.name in c.get(url).content.decode()
    r = c.post(url, meeting(branch, participants=[moved.pk, branch.members[1].pk]))
    assert r.status_code == 302
    assert set(record.participants.all()) == {moved, branch.members[1]}
    r = c.post(url, meeting(branch, participants=[moved.pk, branch.outsider.pk]))
    assert r.status_code == 400 and "本支部团员中" in r.content.decode()


def test_scope_ancestors_view_others_404(login, branch):
    """ORG-18 / ROLE-02: the branch and its ancestors see its records; a sibling subtree gets 404;
    an ancestor may view but not edit (403)."""
    record = _record(branch)
    col_a = login(f.admin_of(branch.tree.col_a), branch.tree.col_a)
    assert col_a.get(f"/orgs/life/{record.pk}/").status_code == 200
    assert "原主题" in col_a.get("/orgs/life/").content.decode()
    assert col_a.post(f"/orgs/life/{record.pk}/edit/", meeting(branch)).status_code == 403
    col_b = login(f.admin_of(branch.tree.col_b), branch.tree.col_b)
    assert col_b.get(f"/orgs/life/{record.pk}/").status_code == 404
    assert col_b.get(f"/orgs/life/{record.pk}/edit/").status_code == 404
    assert "原主题" not in col_b.get("/orgs/life/").content.decode()
    bogus = col_b.get("/orgs/life/?group=bogus")
    assert bogus.status_code == 400 and "筛选条件无效" in bogus.content.decode()


def test_record_list_runs_a_constant_number_of_queries(login, branch):
    """Fast at scale: the records list costs the same queries for 2 or 30 records."""
    c = login(f.admin_of(branch.tree.uni), branch.tree.uni)

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/orgs/life/").status_code == 200
        return len(ctx)

    for i in range(2):
        _r = LifeRecord.objects.create(
            branch=branch.tree.branch_a, kind=LifeKind.LECTURE, date=date(2027, 1, 1 + i), topic=f"课{i}"
        )
        _r.participants.set(branch.members)
    small = cost()
    for i in range(28):
        LifeRecord.objects.create(
            branch=branch.tree.branch_b, kind=LifeKind.ACTIVITY, date=date(2027, 2, 1), topic=f"活动{i}"
        )
    assert cost() == small


def test_pager_keeps_the_filter(login, branch, settings):
    """The list's pages keep the chosen type."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 2}
    for i in range(3):
        LifeRecord.objects.create(
            branch=branch.tree.branch_a, kind=LifeKind.LECTURE, date=date(2027, 1, 1 + i), topic=f"课{i}"
        )
    page = login(branch.admin, branch.tree.branch_a).get("/orgs/life/?group=lecture").content.decode()
    assert "?group=lecture&amp;page=2" in page


def test_member_sees_own_participation(login, branch):
    """ORG-18 / ME-01: 三会·两制·一课 and 团日活动 list what the member attended, nothing else."""
    attended = _record(branch)  # members[0] attended
    LifeRecord.objects.create(
        branch=branch.tree.branch_a, kind=LifeKind.GROUP_MEETING, date=date(2027, 3, 2), topic="未参加的会"
    )
    lecture = LifeRecord.objects.create(
        branch=branch.tree.branch_a, kind=LifeKind.LECTURE, date=date(2027, 3, 3), topic="团课甲", lecturer="王老师"
    )
    lecture.participants.add(branch.members[0])
    activity = LifeRecord.objects.create(
        branch=branch.tree.branch_a, kind=LifeKind.ACTIVITY, date=date(2027, 3, 4), topic="植树", place="东区"
    )
    activity.participants.add(branch.members[0])
    c = login(branch.members[0])
    page = c.get("/orgs/me/life/").content.decode()
    assert attended.topic in page and "团课甲" in page and "未参加的会" not in page and "植树" not in page
    assert "团员教育评议" in page
    assert "植树" in c.get("/orgs/me/activities/").content.decode()
    menu = c.get("/").content.decode()
    assert "支部团员大会" in menu and "年度团籍注册" in menu and "团日活动" in menu  # seed 003 paths (NAV-02)


def _valid_form(branch):
    from orgs.forms_life import LifeRecordForm

    form = LifeRecordForm(meeting(branch), branch=branch.tree.branch_a, kind=LifeKind.GENERAL_MEETING)
    assert form.is_valid(), form.errors
    return form


def test_a_duplicate_slipping_past_the_check_is_a_clear_409(branch):
    """BEY-06 / SEC-04: if the same record lands between the form's check and the save (a race),
    the constraint refuses it and the user gets the edit-instead message, not a 500."""
    from orgs import life

    form = _valid_form(branch)
    LifeRecord.objects.create(
        branch=branch.tree.branch_a, kind=LifeKind.GENERAL_MEETING, date=date(2027, 3, 5), topic="学习二十大精神"
    )
    with pytest.raises(life.LifeError) as caught:
        life.save_record(form, branch=branch.tree.branch_a, by=branch.admin)
    assert caught.value.status == 409 and "不能重复录入" in str(caught.value)
    assert LifeRecord.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_identical_submits_at_once_make_one_record(tree):
    """BEY-06 / SEC-04: two tabs publishing the same meeting at the same moment → one record."""
    from orgs import life
    from tests.concurrency import at_once

    class B:
        pass

    b = B()
    b.tree = tree
    b.admin = f.admin_of(tree.branch_a, "A1支书")
    b.members = [f.person(n, branch=tree.branch_a) for n in ("甲团员", "乙团员")]
    forms = [_valid_form(b), _valid_form(b)]
    outcomes = at_once(
        lambda form: life.save_record(form, branch=tree.branch_a, by=b.admin),
        [(form,) for form in forms],
        expected=(life.LifeError,),
    )
    assert outcomes.count("ok") == 1 and LifeRecord.objects.count() == 1


def test_member_pages_run_a_constant_number_of_queries(login, branch):
    """Fast at scale: 三会·两制·一课 and 团日活动 cost the same for 2 or 30 attended records."""
    member = branch.members[0]
    c = login(member)

    def add(n, start):
        for i in range(start, start + n):
            for kind in (LifeKind.GROUP_MEETING, LifeKind.ACTIVITY):
                r = LifeRecord.objects.create(
                    branch=branch.tree.branch_a, kind=kind, date=date(2027, 1, 1), topic=f"记录{i}"
                )
                r.participants.add(member)

    def cost(url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx)

    add(1, 0)
    small = (cost("/orgs/me/life/"), cost("/orgs/me/activities/"))
    add(15, 1)
    assert (cost("/orgs/me/life/"), cost("/orgs/me/activities/")) == small
