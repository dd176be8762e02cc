"""入团激励 / 机会激励 (INC-15), a member's incentive record (INC-01), deleting (INC-13)."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incentives import services
from incentives.choices import DevelopmentKind, Grade, HonorTitle, HonorType, Kind, OpportunityCategory, State
from incentives.models import IncentiveRecord, Opportunity
from tests import factories as f


def test_new_member_gets_a_joining_record(inc):
    """INC-15 (decision): 入团激励 is created with the new member, waiting for the superior."""
    joinings = IncentiveRecord.objects.filter(kind=Kind.JOINING, person__in=inc.members)
    assert joinings.count() == 10 and set(joinings.values_list("state", flat=True)) == {State.PENDING}
    assert joinings.first().joining.joined_on.year == 2018


def test_no_new_members_no_joinings(db):
    """INC-15: an import without new members records no 入团激励."""
    assert services.record_joinings([]) == 0


def test_no_joining_without_join_month(inc):
    p = f.person("无入团时间", branch=inc.tree.branch_a, password="x")
    assert not IncentiveRecord.objects.filter(person=p).exists()


def test_opportunity_record_and_approval(inc, login, client):
    """INC-15: 机会激励 follows INC-13/14: pending at the branch, approved by the superior."""
    login(inc.branch_admin, inc.tree.branch_a)
    data = {
        "person": [inc.members[0].pk],
        "category": OpportunityCategory.SECONDMENT,
        "title": "街道挂职",
        "date": timezone.localdate().isoformat(),
    }
    assert client.post("/incentives/opportunity/new/", {**data, "category": "x"}).status_code == 400
    assert client.post("/incentives/opportunity/new/", {**data, "date": "2019-06-01"}).status_code == 400
    response = client.post("/incentives/opportunity/new/", {**data, "title": "挂" * 101})
    assert response.status_code == 400 and "机会名称不能超过100字，当前为101字" in response.content.decode()
    assert client.post("/incentives/opportunity/new/", data).status_code == 302
    record = IncentiveRecord.objects.get(kind=Kind.OPPORTUNITY)
    assert record.state == State.PENDING
    assert "街道挂职" in client.get("/incentives/opportunity/").content.decode()
    login(inc.col_admin, inc.tree.col_a)
    assert "街道挂职" in client.get("/incentives/certify/?kind=opportunity").content.decode()
    client.post(f"/incentives/certify/{record.pk}/approve/")
    record.refresh_from_db()
    assert record.state == State.APPROVED


def test_joining_recorded_by_hand(inc, login, client):
    """INC-15: 入团激励 can also be recorded on its page (e.g. members imported earlier)."""
    p = f.person("补录", branch=inc.tree.branch_a, password="x")
    login(inc.branch_admin, inc.tree.branch_a)
    response = client.post(
        "/incentives/joining/new/", {"person": [p.pk], "date": "2021-05", "ceremony": "五四入团仪式"}
    )
    assert response.status_code == 302
    assert IncentiveRecord.objects.get(person=p, kind=Kind.JOINING).joining.ceremony == "五四入团仪式"


def test_overlong_ceremony_is_refused_with_the_limit(inc, login, client):
    """SEC-06: 入团仪式 longer than its column is refused with the limit, not cut short."""
    p = f.person("补录", branch=inc.tree.branch_a, password="x")
    login(inc.branch_admin, inc.tree.branch_a)
    response = client.post("/incentives/joining/new/", {"person": [p.pk], "date": "2021-05", "ceremony": "仪" * 201})
    assert response.status_code == 400 and "入团仪式不能超过200字，当前为201字" in response.content.decode()
    assert not IncentiveRecord.objects.filter(person=p, kind=Kind.JOINING).exists()


def test_joining_before_2020_may_be_recorded(inc, login, client):
    """INC-15: a 入团时间 lies years back, so the 2020 default range of 评议 and 荣誉 does not apply
    to it; a future month or junk is still refused."""
    p = f.person("老团员", branch=inc.tree.branch_a, password="x")
    login(inc.branch_admin, inc.tree.branch_a)
    future = (timezone.localdate().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    for bad in (future, "2016-13", "junk"):
        assert client.post("/incentives/joining/new/", {"person": [p.pk], "date": bad}).status_code == 400
    assert client.post("/incentives/joining/new/", {"person": [p.pk], "date": "2016-05"}).status_code == 302
    assert IncentiveRecord.objects.get(person=p, kind=Kind.JOINING).joining.joined_on.isoformat() == "2016-05-01"


def test_delete_after_approval_refused(inc, login, client):
    """INC-13: the recorder may delete before the superior's approval, not after."""
    first, second = IncentiveRecord.objects.filter(kind=Kind.JOINING)[:2]
    login(inc.col_admin, inc.tree.col_a)
    client.post(f"/incentives/certify/{first.pk}/approve/")
    login(inc.branch_admin, inc.tree.branch_a)
    response = client.post(f"/incentives/records/{first.pk}/delete/")
    assert response.status_code == 400 and "上级已审批，不能删除" in response.content.decode()
    assert IncentiveRecord.objects.filter(pk=first.pk).exists()
    assert client.post(f"/incentives/records/{second.pk}/delete/").status_code == 302
    assert not IncentiveRecord.objects.filter(pk=second.pk).exists()


def test_delete_returns_only_to_a_page_of_this_site(inc, login, client):
    """SEC-06: the `next` of 删除 is followed only inside the site; "//other.example" is not."""
    first, second = IncentiveRecord.objects.filter(kind=Kind.JOINING)[:2]
    login(inc.branch_admin, inc.tree.branch_a)
    response = client.post(f"/incentives/records/{first.pk}/delete/", {"next": "//evil.example/x"})
    assert response.status_code == 302 and response["Location"] == "/incentives/certify/"
    response = client.post(f"/incentives/records/{second.pk}/delete/", {"next": "/incentives/joining/"})
    assert response["Location"] == "/incentives/joining/"


def test_delete_with_a_malformed_next_returns_to_certify(inc, login, client):
    """SEC-06: a `next` that is no address of this site ("abc", "-1", a formula) is ignored, not
    taken for a view name (a server error): the record is deleted and 上级认证 is shown."""
    records = list(IncentiveRecord.objects.filter(kind=Kind.JOINING)[:3])
    login(inc.branch_admin, inc.tree.branch_a)
    for record, junk in zip(records, ["abc", "-1", "=cmd|' /C calc'!A0"], strict=True):
        response = client.post(f"/incentives/records/{record.pk}/delete/", {"next": junk})
        assert response.status_code == 302 and response["Location"] == "/incentives/certify/", junk
        assert not IncentiveRecord.objects.filter(pk=record.pk).exists()


def test_delete_out_of_scope_is_404(inc, login, client):
    record = IncentiveRecord.objects.filter(kind=Kind.JOINING).first()
    login(inc.col_b_admin, inc.tree.col_b)
    assert client.post(f"/incentives/records/{record.pk}/delete/").status_code == 404


def test_member_sees_own_record_in_personal_center(inc, login, client):
    """INC-01 / ME-01: 我的激励 lists the member's own records of every kind, nobody else's."""
    login(inc.members[0])
    page = client.get("/incentives/mine/").content.decode()
    assert "我的激励" in page and "入团激励" in page and "2018-05" in page
    assert page.count("<tr>") == 2  # header + own joining only


def test_member_page_shows_incentive_panel(inc, login, client):
    """INC-01: the admin's member page shows the incentive record (zhtj.core.panels)."""
    login(inc.branch_admin, inc.tree.branch_a)
    page = client.get(f"/members/{inc.members[0].pk}/").content.decode()
    assert "团内激励" in page and "入团激励" in page


def test_record_without_people_or_twice_is_refused(inc, login, client):
    """Bad input: no person ticked, or a second 入团激励 for the same member → 400, nothing written."""
    login(inc.branch_admin, inc.tree.branch_a)
    before = IncentiveRecord.objects.count()
    response = client.post(
        "/incentives/opportunity/new/", {"category": "training", "title": "培训", "date": "2024-01-01"}
    )
    assert response.status_code == 400 and "请先搜索并添加人员" in response.content.decode()
    response = client.post("/incentives/joining/new/", {"person": [inc.members[0].pk], "date": "2021-05"})
    assert response.status_code == 400 and "已有入团激励记录" in response.content.decode()
    response = client.post("/incentives/joining/new/", {"person": ["abc"], "date": "2021-05"})
    assert response.status_code == 400
    assert IncentiveRecord.objects.count() == before


def test_batch_with_junk_ids_is_400(inc, login, client):
    login(inc.col_admin, inc.tree.col_a)
    response = client.post("/incentives/certify/batch/", {"kind": "joining", "action": "approve", "record": ["x"]})
    assert response.status_code == 400
    response = client.post("/incentives/certify/batch/", {"kind": "joining", "action": "maybe", "record": ["1"]})
    assert response.status_code == 400
    assert not IncentiveRecord.objects.filter(state=State.APPROVED).exists()


def test_demo_data_is_idempotent(db, fast_hasher):
    """incentives/demo.py: seed_demo twice adds nothing the second time."""
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    first = IncentiveRecord.objects.count()
    assert first > 0 and IncentiveRecord.objects.filter(kind=Kind.HONOR, state=State.PENDING).exists()
    call_command("seed_demo", stdout=StringIO())
    assert IncentiveRecord.objects.count() == first


def test_imported_members_get_joining_records_in_bulk(tree, fast_hasher, django_assert_max_num_queries):
    """INC-15 (decision): an Excel import (bulk inserts, no per-row save) creates the 入团激励 of
    every new member too, through the same `people_created` signal, in a constant number of
    queries."""
    from members import importing
    from tests.members.import_files import good_row
    from zhtj.core.excel import Row

    def run(n):
        rows = [Row(i + 2, good_row(f.new_id_number(), "导入团员"), [], []) for i in range(n)]
        results = importing.validate(rows, "members", tree.branch_a)
        with django_assert_max_num_queries(40):
            assert importing.store(results, "members", tree.branch_a) == n

    run(5)
    run(60)
    joinings = IncentiveRecord.objects.filter(kind=Kind.JOINING, person__name="导入团员")
    assert joinings.count() == 65
    assert set(joinings.values_list("state", flat=True)) == {State.PENDING}
    assert joinings.filter(recorder=tree.branch_a, joining__joined_on__year=2015).count() == 65


def test_member_sees_own_education_review_on_the_life_page(inc, login):
    """ME-01 / INC-02: 三会·两制·一课 shows the member's own 团员教育评议 results (两制), filled by the
    incentives app through the "education_review" panel slot; others' results are not shown."""
    from incentives import services
    from incentives.choices import Grade

    year = timezone.localdate().year - 1
    services.record_grades(inc.tree.branch_a, year, inc.members[:4], Grade.QUALIFIED, by=inc.branch_admin)
    services.record_grades(inc.tree.branch_a, year, inc.members[1:2], Grade.EXCELLENT, by=inc.branch_admin)
    page = login(inc.members[0]).get("/orgs/me/life/").content.decode()
    assert 'id="education-review"' in page and f"{year}年度：合格" in page and "优秀" not in page
    page = login(inc.members[5]).get("/orgs/me/life/").content.decode()
    assert 'id="education-review-empty"' in page


def _opportunity(inc, member, title, day):
    return services.create_record(
        Opportunity,
        kind=Kind.OPPORTUNITY,
        recorder=inc.tree.branch_a,
        by=inc.branch_admin,
        person=member,
        summary=f"机会激励 {member.name}：{title}",
        category=OpportunityCategory.TRAINING,
        title=title,
        occurred_on=day,
    )


def _all_five_kinds(inc, member, year):
    """One record of each kind for `member`: 入团 (from the fixture), 评议, 荣誉, 机会, 发展."""
    branch, admin = inc.tree.branch_a, inc.branch_admin
    services.record_grades(branch, year, [member], Grade.QUALIFIED, by=admin)
    services.record_honor(
        branch,
        by=admin,
        honor_type=HonorType.PERSONAL,
        title=HonorTitle.MAY_FOURTH_MEDAL,
        grantor=inc.tree.uni,
        grantor_name="测试大学",
        awarded_month=date(year, 1, 1),
        recipients=[member],
    )
    _opportunity(inc, member, "青马班集训", date(year, 1, 2))
    services.record_development(
        branch, [member], by=admin, dev_kind=DevelopmentKind.TALENT, recommended_on=date(year, 1, 3)
    )


KIND_TEXTS = (
    "入团时间 2018-05",
    "年度团员教育评议：合格",
    "青年五四奖章（测试大学",
    "教育培训：青马班集训",
    "优秀青年人才举荐",
)


def test_member_record_shows_all_five_kinds(inc, login, client):
    """INC-01: a member's incentive record holds all five kinds, on 我的激励 (personal center) and
    on the member's page for the admin; another member's records are not on it."""
    year = timezone.localdate().year
    member = inc.members[0]
    _all_five_kinds(inc, member, year)
    _all_five_kinds(inc, inc.members[1], year)
    login(member)
    page = client.get("/incentives/mine/").content.decode()
    assert all(text in page for text in KIND_TEXTS) and page.count("<tr>") == 6
    login(inc.branch_admin, inc.tree.branch_a)
    page = client.get(f"/members/{member.pk}/").content.decode()
    assert all(text in page for text in KIND_TEXTS)


def test_mine_and_record_lists_run_constant_queries(inc, login, client):
    """我的激励 and the 入团激励 / 机会激励 lists: the same number of queries for more records."""
    year = timezone.localdate().year

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    def counts():
        login(inc.members[0])
        mine = count("/incentives/mine/")
        login(inc.branch_admin, inc.tree.branch_a)
        return mine, count("/incentives/joining/"), count("/incentives/opportunity/")

    _all_five_kinds(inc, inc.members[0], year)
    small = counts()
    for n in range(1, 6):
        _all_five_kinds(inc, inc.members[n], year)
        _opportunity(inc, inc.members[0], f"活动{n}", timezone.localdate())
    assert counts() == small


# --- the shared record's rules, read directly (issue 22: each state and label at its case) -------


def test_first_state_follows_the_recorder_and_the_grantor(tree):
    """INC-13 / INC-09 / INC-12: a 团支部's or a 团总支's record waits for the direct superior, a
    committee's takes effect at once; an honor granted by another org waits for it (after the
    superior, for a branch), one granted by the recorder itself is effective at once; a 推优
    status update always waits for the superior."""
    from incentives.models import needs_superior_approval
    from orgs.choices import OrgCategory

    general = f.OrgFactory(name="学院A团总支", parent=tree.col_a, category=OrgCategory.GENERAL_BRANCH)

    def first(recorder, kind=Kind.OPPORTUNITY, grantor=None):
        return IncentiveRecord(kind=kind, recorder=recorder, grantor=grantor).initial_state()

    assert [needs_superior_approval(org) for org in (tree.branch_a, general, tree.col_a, tree.uni)] == [
        True,
        True,
        False,
        False,
    ]
    assert first(tree.branch_a) == State.PENDING
    assert first(general) == State.PENDING
    assert first(tree.col_a) == State.APPROVED
    assert first(tree.col_a, Kind.HONOR, grantor=tree.uni) == State.GRANTOR
    assert first(tree.col_a, Kind.HONOR, grantor=tree.col_a) == State.APPROVED
    assert first(tree.branch_a, Kind.HONOR, grantor=tree.branch_a) == State.APPROVED
    assert first(tree.branch_a, Kind.HONOR, grantor=tree.uni) == State.PENDING
    assert first(general, Kind.HONOR, grantor=tree.uni) == State.PENDING
    assert first(tree.col_a, Kind.TRACK_UPDATE) == State.PENDING
    assert first(tree.col_a, Kind.TRACK_UPDATE, grantor=tree.col_a) == State.PENDING


def test_who_may_decide_each_state(tree):
    """ROLE-03 / INC-09: a pending record waits for the recorder's parent; a record at its
    granting org for that org and its delegate (none named: the grantor alone); a decided record
    for nobody."""

    def approvers(state, delegate=None):
        record = IncentiveRecord(state=state, recorder=tree.branch_a, grantor=tree.uni, delegate=delegate)
        return record.approver_ids()

    assert approvers(State.PENDING) == {tree.col_a.pk}
    assert approvers(State.GRANTOR) == {tree.uni.pk}
    assert approvers(State.GRANTOR, delegate=tree.col_b) == {tree.uni.pk, tree.col_b.pk}
    assert approvers(State.APPROVED) == set() and approvers(State.REJECTED) == set()


def test_the_two_approval_columns_at_each_state():
    """INC-06 / INC-09: 上级认证 reads the superior's decision when there is one, else the state
    (待认证 / 未通过, otherwise -); 团组织认证 is 待认证 at the grantor, 已认证 once effective, 未通过
    only when the grantor refused after the superior approved, otherwise -."""

    def labels(state, superior=""):
        record = IncentiveRecord(state=state, superior_decision=superior)
        return record.approval_label(), record.grantor_label()

    assert labels(State.PENDING) == ("待认证", "-")
    assert labels(State.GRANTOR) == ("-", "待认证")  # a committee's honor: no superior step
    assert labels(State.GRANTOR, State.APPROVED) == ("已认证", "待认证")
    assert labels(State.APPROVED) == ("-", "已认证")
    assert labels(State.APPROVED, State.APPROVED) == ("已认证", "已认证")
    assert labels(State.REJECTED) == ("未通过", "-")  # the grantor refused a committee's honor
    assert labels(State.REJECTED, State.REJECTED) == ("未通过", "-")
    assert labels(State.REJECTED, State.APPROVED) == ("已认证", "未通过")


def test_a_record_and_its_detail_read_as_its_summary(inc):
    """INC-01: a record (and its kind's detail) names itself by its 事项, as the audit trail shows it."""
    record = IncentiveRecord.objects.filter(kind=Kind.JOINING).first()
    assert str(record) == record.summary and str(record.detail) == record.summary
    assert record.detail == record.joining


def test_what_each_org_awaits(inc):
    """ROLE-03 / INC-09: an org awaits its direct sub-orgs' pending records, and the honors at
    their granting step whose grantor or delegate it is -- not a record once decided, not a
    grand-child's, not an honor still at the superior's step."""
    tree = inc.tree

    def make(recorder, state, kind=Kind.OPPORTUNITY, grantor=None, delegate=None):
        return IncentiveRecord.objects.create(
            kind=kind,
            recorder=recorder,
            recorded_by=inc.branch_admin,
            person=inc.members[0],
            state=state,
            grantor=grantor,
            delegate=delegate,
            summary=f"{recorder.name} {state}",
        )

    IncentiveRecord.objects.all().delete()
    pending = make(tree.branch_a, State.PENDING)
    make(tree.branch_a, State.APPROVED)
    make(tree.branch_a, State.REJECTED)
    at_superior = make(tree.branch_a, State.PENDING, Kind.HONOR, grantor=tree.uni)
    at_grantor = make(tree.col_a, State.GRANTOR, Kind.HONOR, grantor=tree.uni)
    delegated = make(tree.col_a, State.GRANTOR, Kind.HONOR, grantor=tree.city, delegate=tree.uni)
    make(tree.col_a, State.APPROVED, Kind.HONOR, grantor=tree.uni)
    make(tree.col_a, State.REJECTED, Kind.HONOR, grantor=tree.city, delegate=tree.uni)

    def awaited(org):
        return set(IncentiveRecord.objects.awaiting(org))

    assert awaited(tree.col_a) == {pending, at_superior}
    assert awaited(tree.uni) == {at_grantor, delegated}
    assert awaited(tree.city) == {delegated}
    assert awaited(tree.col_b) == set()


def test_deleting_word_for_word_with_its_audit_row_and_its_file(inc, django_capture_on_commit_callbacks):
    """INC-13 / SEC-01: only the recording org deletes, only before the first approval, each
    refusal in its words; the deletion is audited (its state, its 事项, who) and a 推优表 it
    held leaves storage once it commits."""
    import pytest
    from django.core.exceptions import PermissionDenied
    from django.core.files.storage import default_storage
    from django.test import RequestFactory

    from zhtj.core.models import AuditLog
    from zhtj.core.workflow import WorkflowError

    from .conftest import pdf_upload

    def request(user, org):
        r = RequestFactory().post("/")
        r.user, r.acting_org = user, org
        return r

    first, second = IncentiveRecord.objects.filter(kind=Kind.JOINING).order_by("pk")[:2]
    with pytest.raises(PermissionDenied) as exc:
        services.delete_record(request(inc.col_admin, inc.tree.col_a), first)
    assert str(exc.value) == "只有记载组织可以删除该记录。"
    services.decide(request(inc.col_admin, inc.tree.col_a), first, "approve")
    with pytest.raises(WorkflowError) as exc:
        services.delete_record(request(inc.branch_admin, inc.tree.branch_a), first)
    assert str(exc.value) == "上级已审批，不能删除。"
    services.delete_record(request(inc.branch_admin, inc.tree.branch_a), second)
    assert not IncentiveRecord.objects.filter(pk=second.pk).exists()
    deleted = AuditLog.objects.get(object_id=second.pk, action="delete")
    assert (deleted.from_state, deleted.note, deleted.actor) == (State.PENDING, second.summary, inc.branch_admin)

    [party] = services.record_development(
        inc.tree.branch_a,
        inc.members[:1],
        by=inc.branch_admin,
        dev_kind=DevelopmentKind.PARTY,
        recommended_on=date(2020, 3, 1),
        category="activist",
        status="unconfirmed",
        form_file=pdf_upload(),
    )
    stored = party.development.form_file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_record(request(inc.branch_admin, inc.tree.branch_a), party)
    assert not default_storage.exists(stored)


def test_a_members_record_by_kind_newest_first_in_one_query(inc, django_assert_num_queries):
    """INC-01 / TRF-08: a member's record lists the five kinds in their order, each kind newest
    first (by when it was recorded, not by row order), without 推优状态更新 requests, in one
    query that brings each record's recorder, granting org and details."""
    member = inc.members[0]
    year = timezone.localdate().year
    _all_five_kinds(inc, member, year)
    trips = [_opportunity(inc, member, f"活动{n}", timezone.localdate()) for n in range(3)]
    later = timezone.now() + timedelta(hours=1)  # after the first opportunity's, before or after the pk
    for trip, at in zip(trips, (later, later - timedelta(minutes=30), later), strict=True):
        IncentiveRecord.objects.filter(pk=trip.pk).update(created_at=at)
    IncentiveRecord.objects.create(
        kind=Kind.TRACK_UPDATE, recorder=inc.tree.branch_a, recorded_by=inc.branch_admin, person=member, summary="更新"
    )
    with django_assert_num_queries(1):
        rows = [
            (r.kind, r.pk, r.recorder.name, r.grantor and r.grantor.name, str(r.detail))
            for r in services.records_of(member)
        ]
    kinds = [kind for kind, *_ in rows]
    assert kinds == sorted(kinds) and Kind.TRACK_UPDATE not in kinds
    assert set(kinds) == {Kind.DEVELOPMENT, Kind.EVALUATION, Kind.HONOR, Kind.JOINING, Kind.OPPORTUNITY}
    opportunities = [pk for kind, pk, *_ in rows if kind == Kind.OPPORTUNITY]
    assert opportunities[:3] == [trips[2].pk, trips[0].pk, trips[1].pk]
    honor = next(row for row in rows if row[0] == Kind.HONOR)
    assert honor[3] == "测试大学团委"


def test_joinings_of_people_in_two_branches_count_both(inc):
    """INC-15: an import that brings members of two branches records each branch's 入团激励 (one
    INSERT per branch) and returns the number across both, not the last branch's."""
    from members.models import Person
    from zhtj.core import audit

    in_a = [f.person(f"甲{n}", branch=inc.tree.branch_a, password="x") for n in range(2)]
    in_b = [f.person(f"乙{n}", branch=inc.tree.branch_b, password="x") for n in range(3)]
    people = Person.objects.filter(pk__in=[p.pk for p in in_a + in_b])
    people.update(joined_month=date(2024, 5, 1))
    with audit.acting_as(inc.uni_admin, inc.tree.uni.pk):
        assert services.record_joinings(people) == 5
    records = IncentiveRecord.objects.filter(kind=Kind.JOINING, person__in=in_a + in_b)
    assert sorted(records.values_list("recorder_id", flat=True)) == sorted(
        [inc.tree.branch_a.pk] * 2 + [inc.tree.branch_b.pk] * 3
    )


def test_joinings_are_recorded_by_the_acting_admin_and_counted(inc):
    """INC-15: the 入团激励 of an import's new members are recorded by the admin importing them
    (not by the members themselves), and their number is returned."""
    from members.models import Person
    from zhtj.core import audit

    fresh = [f.person(f"新团员{n}", branch=inc.tree.branch_a, password="x") for n in range(3)]
    Person.objects.filter(pk__in=[p.pk for p in fresh]).update(joined_month=date(2024, 5, 1))
    with audit.acting_as(inc.branch_admin, inc.tree.branch_a.pk):
        assert services.record_joinings(Person.objects.filter(pk__in=[p.pk for p in fresh])) == 3
    records = IncentiveRecord.objects.filter(kind=Kind.JOINING, person__in=fresh)
    assert records.count() == 3 and {r.recorded_by_id for r in records} == {inc.branch_admin.pk}
