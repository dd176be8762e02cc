"""SEC-04 / TRF-12 / INC-09: every step of every multi-step workflow, raced.

For each step, ten requests reach the real view at the same moment, each from its own thread and
database connection: the same admin clicking three times, the other admins entitled to the step,
and admins entitled only to the *next* step. Each posts the form as the page rendered it
(`seen_state` read from the page, so a form without it fails here). Exactly one transition
happens, with one audit row; every other entitled request is answered 409 "已被处理，请刷新后查看".
A next-step admin is 409 too, or 403 when its request took the lock while the step was still
open (not theirs then). docs/architecture.md has the table of workflow × step × outcome.

It runs on PostgreSQL (row locks) and on the embedded SQLite default (BEGIN IMMEDIATE, a busy
timeout and WAL, with the test database in a file: zhtj/settings.py): a 409, never a 500
"database is locked"."""

import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import cycle, islice
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tests import factories as f
from tests.concurrency import at_once
from zhtj.core.models import AuditLog

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 10
SEEN = re.compile(r'name="seen_state(?:_(\d+))?" value="([^"]*)"')


@dataclass
class Race:
    obj: object  # the workflow row at the step
    url: str  # where the step's form posts
    data: dict  # the form's fields, but the seen state (read from the page)
    entitled: list  # (person, acting org) who may take the step; the first one clicks three times
    to_state: str
    next_only: list = field(default_factory=list)  # entitled only to the step after
    page: str = ""  # where the form is rendered (default: url)
    seen_key: int | None = None  # the pk a batch row's seen_state_<pk> names (default: the row's)


CASES = {}
CLOCKS = {}  # a case that needs a moment (a campaign period) runs at it


def case(name, at=None):
    def register(setup):
        CASES[name] = setup
        CLOCKS[name] = at
        return setup

    return register


def client_of(person, org):
    c = Client()
    c.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    session = c.session
    session["acting_org_id"] = org.pk if org is not None else 0
    session.save()
    return c


def seen_fields(race, client):
    """The seen-state field(s) the acting page renders for the row."""
    html = client.get(race.page or race.url).content.decode()
    key = str(race.seen_key or race.obj.pk)
    found = {f"seen_state_{pk}" if pk else "seen_state": v for pk, v in SEEN.findall(html) if not pk or pk == key}
    assert found, f"the page {race.page or race.url} renders no seen_state for the row"
    assert set(found.values()) == {race.obj.state}
    return found


def pytest_generate_tests(metafunc):
    """One test per step (the cases below register themselves as the module loads)."""
    if "step" in metafunc.fixturenames:
        metafunc.parametrize("step", sorted(CASES))


def test_ten_at_once_one_transition(step, tree, fast_hasher):
    at = CLOCKS[step]
    with time_machine.travel(at, tick=False) if at else nullcontext():
        race_at_once(CASES[step](tree))


def race_at_once(race):
    model = type(race.obj)
    before = race.obj.state
    clients = {who: client_of(*who) for who in {*race.entitled, *race.next_only}}
    data = race.data | seen_fields(race, clients[race.entitled[0]])
    who = [race.entitled[0]] * 3 + list(islice(cycle(race.entitled[1:] + race.next_only), REQUESTS - 3))
    if len(race.entitled) == 1 and not race.next_only:
        who = [race.entitled[0]] * REQUESTS
    audit_rows = AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=race.obj.pk)
    audited = audit_rows.count()
    answers = []

    def post(actor):
        answers.append((actor, clients[actor].post(race.url, data).status_code))

    at_once(post, [(actor,) for actor in who])
    done = [a for a in answers if a[1] == 302]
    assert len(done) == 1, answers
    assert done[0][0] in race.entitled
    for actor, status in answers:
        if status != 302:
            assert status == 409 or (status == 403 and actor in race.next_only), (actor, status)
    assert model.objects.get(pk=race.obj.pk).state == race.to_state
    assert audit_rows.count() == audited + 1
    assert audit_rows.order_by("-pk").first().from_state == before


# --- 团组织关系转接 (TRF-02/03/04/12) ----------------------------------------------------------


def _transfer(tree, kind, target):
    from transfers import services
    from transfers.choices import Reason

    member = f.person("转接团员", branch=tree.branch_a, password="x")
    if kind == "member":
        t = services.start_by_member(
            member, target, reason=Reason.RESIDENCE, school_name="新学校", school_address="青岛"
        )
    elif kind == "inbound":
        t = services.start_inbound(target, member, by=f.admin_of(target, "转入发起人"), reason=Reason.OTHER)
    else:
        (t,) = services.start_outbound(tree.col_a, [member], target, by=f.admin_of(tree.col_a), reason=Reason.OTHER)
    return t


def _transfer_race(t, entitled, to_state, next_only=(), data=None):
    return Race(
        obj=t,
        url=f"/transfers/{t.pk}/",
        data=data or {"action": "approve", "note": ""},
        entitled=entitled,
        next_only=list(next_only),
        to_state=to_state,
    )


@case("团组织关系转接 · 团员申请 · 转出审批")
def _(tree):
    from transfers.choices import State

    t = _transfer(tree, "member", tree.col_b)
    branch_admin, college_admin = f.admin_of(tree.branch_a), f.admin_of(tree.col_a)
    receiving = [(f.admin_of(tree.col_b, "转入一"), tree.col_b), (f.admin_of(tree.col_b, "转入二"), tree.col_b)]
    return _transfer_race(
        t, [(branch_admin, tree.branch_a), (college_admin, tree.col_a)], State.RECEIVING, next_only=receiving
    )


@case("团组织关系转接 · 团员申请 · 转出审批（直属上级两步都可审批）")
def _(tree):
    """The issue's case: the sending branch and the target branch share a direct superior, which
    may approve both steps; one click must never take both."""
    from transfers.choices import State

    sibling = f.branch(tree.col_a, "A2团支部")
    t = _transfer(tree, "member", sibling)
    college = [(f.admin_of(tree.col_a, "学院一"), tree.col_a), (f.admin_of(tree.col_a, "学院二"), tree.col_a)]
    return _transfer_race(
        t, [*college, (f.admin_of(tree.branch_a), tree.branch_a)], State.RECEIVING, [(f.admin_of(sibling), sibling)]
    )


@case("团组织关系转接 · 团员申请 · 转入审批")
def _(tree):
    from transfers import services
    from transfers.choices import State

    t = _transfer(tree, "member", tree.branch_b)
    t = services.act(tree.branch_a, t, "approve", by=f.admin_of(tree.branch_a))
    return _transfer_race(
        t, [(f.admin_of(tree.branch_b), tree.branch_b), (f.admin_of(tree.col_b), tree.col_b)], State.COMPLETED
    )


@case("团组织关系转接 · 办理转入 · 转出审批")
def _(tree):
    from transfers.choices import State

    t = _transfer(tree, "inbound", tree.col_b)
    return _transfer_race(
        t,
        [(f.admin_of(tree.branch_a), tree.branch_a), (f.admin_of(tree.col_a), tree.col_a)],
        State.ALLOCATING,
        next_only=[(f.admin_of(tree.col_b, "分配人"), tree.col_b)],
    )


@case("团组织关系转接 · 办理转出 · 转入审批")
def _(tree):
    from transfers.choices import State

    t = _transfer(tree, "outbound", tree.col_b)
    one, two = f.admin_of(tree.col_b, "转入一"), f.admin_of(tree.col_b, "转入二")
    return _transfer_race(t, [(one, tree.col_b), (two, tree.col_b)], State.ALLOCATING)


@case("团组织关系转接 · 分配团支部")
def _(tree):
    from transfers import services
    from transfers.choices import State

    t = _transfer(tree, "outbound", tree.col_b)
    one, two = f.admin_of(tree.col_b, "转入一"), f.admin_of(tree.col_b, "转入二")
    t = services.act(tree.col_b, t, "approve", by=one)
    data = {"action": "allocate", "branch": tree.branch_b.pk, "note": ""}
    return _transfer_race(t, [(one, tree.col_b), (two, tree.col_b)], State.COMPLETED, data=data)


# --- 年度团籍注册审批 (ORG-18) -------------------------------------------------------------------


@case("年度团籍注册审批 · 团支部审批")
def _(tree):
    from orgs.models_life import AnnualRegistration

    member = f.person("注册团员", branch=tree.branch_a, password="x")
    reg = AnnualRegistration.objects.create(person=member, branch=tree.branch_a, year=2027)
    admins = [(f.admin_of(tree.branch_a, "支书"), tree.branch_a), (f.admin_of(tree.branch_a, "组委"), tree.branch_a)]
    return Race(reg, f"/orgs/life/registrations/{reg.pk}/", {"decision": "approve", "note": ""}, admins, "approved")


# --- 团内激励 上级认证 (INC-09, INC-13, INC-14): each kind, each step --------------------------------


def _incentive(tree, kind, detail, grantor=None, **fields):
    from incentives.services import create_record

    member = f.person("激励团员", branch=tree.branch_a, password="x")
    return create_record(
        detail,
        kind=kind,
        recorder=tree.branch_a,
        by=f.admin_of(tree.branch_a, "记载人"),
        summary=f"{kind} 激励团员",
        person=None if kind == "honor" else member,
        grantor=grantor,
        **(fields | {"recipients": [member]} if kind == "honor" else fields),
    )


def _incentive_race(record, entitled, to_state, next_only=()):
    return Race(
        obj=record,
        url=f"/incentives/certify/{record.pk}/approve/",
        data={"reason": ""},
        entitled=entitled,
        to_state=to_state,
        next_only=list(next_only),
        page=f"/incentives/certify/?kind={'development' if record.kind == 'track_update' else record.kind}",
    )


HONOR = {
    "honor_type": "personal",
    "title": "excellent_member",
    "grantor_name": "测试大学",
    "awarded_month": "2024-05-01",
}


def _superiors(tree):
    return [(f.admin_of(tree.col_a, "学院一"), tree.col_a), (f.admin_of(tree.col_a, "学院二"), tree.col_a)]


@case("团内激励 · 评议激励 · 直属上级认证")
def _(tree):
    from incentives.models import Evaluation

    record = _incentive(tree, "evaluation", Evaluation, branch=tree.branch_a, year=2025, grade="qualified")
    return _incentive_race(record, _superiors(tree), "approved")


@case("团内激励 · 机会激励 · 直属上级认证")
def _(tree):
    from datetime import date

    from incentives.models import Opportunity

    record = _incentive(
        tree, "opportunity", Opportunity, category="training", title="骨干培训", occurred_on=date(2025, 5, 1)
    )
    return _incentive_race(record, _superiors(tree), "approved")


@case("团内激励 · 发展激励 · 直属上级认证")
def _(tree):
    from datetime import date

    from incentives.models import Development

    record = _incentive(tree, "development", Development, dev_kind="talent", recommended_on=date(2025, 5, 1))
    return _incentive_race(record, _superiors(tree), "approved")


@case("团内激励 · 入团激励 · 直属上级认证")
def _(tree):
    from datetime import date

    from incentives.models import IncentiveRecord

    member = f.person("新团员", branch=tree.branch_a, password="x", joined_month=date(2020, 5, 1))
    record = IncentiveRecord.objects.get(person=member, kind="joining")
    return _incentive_race(record, _superiors(tree), "approved")


@case("团内激励 · 荣誉激励 · 直属上级认证")
def _(tree):
    from incentives.models import Honor

    record = _incentive(tree, "honor", Honor, grantor=tree.uni, **HONOR)
    grantors = [(f.admin_of(tree.uni, "学校一"), tree.uni), (f.admin_of(tree.uni, "学校二"), tree.uni)]
    return _incentive_race(record, _superiors(tree), "grantor", next_only=grantors)


@case("团内激励 · 荣誉激励 · 授予组织认证")
def _(tree):
    from incentives.models import Honor
    from zhtj.core.workflow import by_system, perform

    record = _incentive(tree, "honor", Honor, grantor=tree.uni, **HONOR)
    record = perform(record, "approve", guard=by_system, by=f.admin_of(tree.col_a), acting=tree.col_a)
    grantors = [(f.admin_of(tree.uni, "学校一"), tree.uni), (f.admin_of(tree.uni, "学校二"), tree.uni)]
    return _incentive_race(record, grantors, "approved")


# --- 管理员变更 (ORG-12), 删除申请 (MEM-09), 毕业时间更正 (BEY-02) ------------------------------------


@case("管理员变更 · 直属上级审批")
def _(tree):
    from members.models import CadrePost
    from members.services import request_admin_change

    post = CadrePost.objects.create(person=f.person("委员"), org=tree.branch_a, title="committee_member")
    req = request_admin_change(post, "add", by=f.admin_of(tree.branch_a))
    url = f"/members/admin-change/requests/{req.pk}/"
    return Race(req, url, {"decision": "approve", "note": ""}, _superiors(tree), "approved")


@case("删除申请 · 省级团委审批")
def _(tree):
    from members.people import request_deletion

    person = f.person("待删除", branch=tree.branch_a)
    req = request_deletion(person, tree.branch_a, f.admin_of(tree.branch_a), "重复录入")
    province = [(f.admin_of(tree.province, "省一"), tree.province), (f.admin_of(tree.province, "省二"), tree.province)]
    return Race(req, f"/members/deletion/{req.pk}/", {"action": "approve", "note": ""}, province, "approved")


@case("毕业时间更正 · 省级团委审批")
def _(tree):
    from datetime import date, datetime

    from orgs.graduation import file_correction
    from orgs.models import Organization

    branch = f.branch(tree.col_a, "2023级2班团支部")
    Organization.objects.filter(pk=branch.pk).update(
        graduation_month=date(2027, 7, 1), graduation_marked_at=datetime(2027, 2, 1, tzinfo=UTC)
    )
    req = file_correction(
        tree.col_a, branch, month=date(2028, 7, 1), reason="", explanation="标记有误", by=f.admin_of(tree.col_a)
    )
    province = [(f.admin_of(tree.province, "省一"), tree.province), (f.admin_of(tree.province, "省二"), tree.province)]
    return Race(
        req, f"/orgs/graduation/corrections/{req.pk}/", {"decision": "approve", "note": ""}, province, "approved"
    )


# --- 组织整顿 自检表 (REC-02 … REC-07), 自检表更正 (REC-13), 对标定级 (GRD-04) ------------------------

CAMPAIGN = datetime(2026, 10, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # inside September–December


def _campaign_branch(tree):
    from orgs.choices import Industry

    founded = datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    committee = f.OrgFactory(name="学院团委", parent=tree.uni, industry=Industry.UNIVERSITY, created_at=founded)
    branch = f.branch(committee, "B1团支部", industry=Industry.UNIVERSITY, created_at=founded)
    committee.refresh_from_db()
    branch.refresh_from_db()
    admins = [(f.admin_of(committee, "学院一"), committee), (f.admin_of(committee, "学院二"), committee)]
    return committee, branch, admins


def _answers(poor):
    from rectification.choices import CHECK_CODES

    return {code: "poor" if i < poor else "good" for i, code in enumerate(CHECK_CODES)}


def _submitted(branch, poor):
    from rectification import services
    from rectification.models import CampaignRecord

    services.submit_check(branch, _answers(poor), services.current_month(), by=f.admin_of(branch), org=branch)
    return CampaignRecord.objects.get(branch=branch)


@case("自检表 · 上级审核", at=CAMPAIGN)
def _(tree):
    committee, branch, admins = _campaign_branch(tree)
    record = _submitted(branch, poor=1)
    url = f"/rectification/review/{branch.pk}/"
    return Race(record, url, {"action": "approve", "note": ""}, admins, "basic")


@case("自检表 · 上级评估", at=CAMPAIGN)
def _(tree):
    from rectification import services

    committee, branch, admins = _campaign_branch(tree)
    record = services.record_for(branch, services.campaign_year())
    data = {"month": "2026-10", **_answers(0)}
    return Race(record, f"/rectification/evaluate/{branch.pk}/", data, admins, "qualified")


@case("自检表更正申请 · 省级团委审批", at=CAMPAIGN)
def _(tree):
    from rectification import services

    committee, branch, admins = _campaign_branch(tree)
    record = services.review(_submitted(branch, poor=0), "approve", by=admins[0][0], acting=committee)
    req = services.file_correction(committee, record, explanation="误填", by=admins[0][0])
    province = [(f.admin_of(tree.province, "省一"), tree.province), (f.admin_of(tree.province, "省二"), tree.province)]
    url = f"/rectification/corrections/{req.pk}/"
    return Race(req, url, {"decision": "approve", "note": ""}, province, "approved")


@case("对标定级 · 上级复核", at=CAMPAIGN)
def _(tree):
    from rectification import grading

    committee, branch, admins = _campaign_branch(tree)
    record = grading.rate(branch, "4", by=f.admin_of(branch))
    return Race(
        record,
        "/rectification/grading/review/submit/",
        {"orgs": [branch.pk], "level": "4"},
        admins,
        "reviewed",
        page="/rectification/grading/review/",
        seen_key=branch.pk,
    )


# --- 团员团干部注册审批 (REG-02) -----------------------------------------------------------------


@case("团员团干部注册 · 团支部审批")
def _(tree):
    from members import registration
    from tests.members.people_data import person_post

    form = registration.RegistrationForm(person_post(), org=tree.branch_a)
    assert form.is_valid(), form.errors
    reg = registration.apply(form, tree.branch_a)
    admins = [(f.admin_of(tree.branch_a, "支书"), tree.branch_a), (f.admin_of(tree.branch_a, "组委"), tree.branch_a)]
    return Race(reg, f"/members/join/approvals/{reg.pk}/", {"decision": "approve"}, admins, "approved")


# --- 团员电子档案 (ARC-03) and its change requests (ARC-06) ---------------------------------------


def _archive(tree):
    from datetime import date

    from members.archives import upload_archive
    from tests.members.archive_helpers import pdf_upload

    member = f.person(
        "档案团员", branch=tree.branch_a, joined_month=date(2021, 5, 1), development_number="202100000001"
    )
    return upload_archive(member, pdf_upload(), by=f.admin_of(tree.branch_a), org=tree.branch_a)


@case("团员电子档案 · 上级团委审批")
def _(tree):
    archive = _archive(tree)
    url = f"/members/archives/{archive.pk}/review/"
    return Race(archive, url, {"decision": "approve", "note": ""}, _superiors(tree), "verified")


@case("电子档案变更申请 · 上级团委审批")
def _(tree):
    from members.archives import request_change
    from zhtj.core.workflow import by_system, perform

    superiors = _superiors(tree)
    archive = perform(_archive(tree), "approve", guard=by_system, by=superiors[0][0])
    change = request_change(archive, "扫描件有误", by=archive.uploaded_by, org=tree.branch_a)
    url = f"/members/archives/changes/{change.pk}/"
    return Race(change, url, {"decision": "approve", "note": ""}, superiors, "approved")


# --- 撤回 of a change request by its filing org (BEY-02, OPC-01): the approvers race it -------------


def _withdraw_race(req, filers, approvers):
    """The filing org's admins post 撤回 from the review page while the approvers post it too: one
    transition; an approver is 403 (not the filer) or 409 (already withdrawn)."""
    return Race(req, req.get_absolute_url(), {"action": "withdraw"}, filers, "withdrawn", next_only=approvers)


def _province(tree):
    return [(f.admin_of(tree.province, "省一"), tree.province), (f.admin_of(tree.province, "省二"), tree.province)]


def _branch_admins(tree):
    return [(f.admin_of(tree.branch_a, "支部一"), tree.branch_a), (f.admin_of(tree.branch_a, "支部二"), tree.branch_a)]


@case("管理员变更 · 申请组织撤回")
def _(tree):
    from members.models import CadrePost
    from members.services import request_admin_change

    filers = _branch_admins(tree)
    post = CadrePost.objects.get(person=filers[1][0], org=tree.branch_a)
    req = request_admin_change(post, "revoke", by=filers[0][0])
    return _withdraw_race(req, filers, _superiors(tree))


@case("删除申请 · 申请组织撤回")
def _(tree):
    from members.people import request_deletion

    filers = _branch_admins(tree)
    req = request_deletion(f.person("待删除", branch=tree.branch_a), tree.branch_a, filers[0][0], "重复录入")
    return _withdraw_race(req, filers, _province(tree))


@case("毕业时间更正 · 申请组织撤回")
def _(tree):
    from datetime import date, datetime

    from orgs.graduation import file_correction
    from orgs.models import Organization

    branch = f.branch(tree.col_a, "2023级2班团支部")
    Organization.objects.filter(pk=branch.pk).update(
        graduation_month=date(2027, 7, 1), graduation_marked_at=datetime(2027, 2, 1, tzinfo=UTC)
    )
    filers = _superiors(tree)
    req = file_correction(
        tree.col_a, branch, month=date(2028, 7, 1), reason="", explanation="标记有误", by=filers[0][0]
    )
    return _withdraw_race(req, filers, _province(tree))


@case("自检表更正申请 · 申请组织撤回", at=CAMPAIGN)
def _(tree):
    from rectification import services

    committee, branch, admins = _campaign_branch(tree)
    record = services.review(_submitted(branch, poor=0), "approve", by=admins[0][0], acting=committee)
    req = services.file_correction(committee, record, explanation="误填", by=admins[0][0])
    return _withdraw_race(req, admins, _province(tree))


@case("电子档案变更申请 · 申请组织撤回")
def _(tree):
    from members.archives import request_change
    from zhtj.core.workflow import by_system, perform

    superiors = _superiors(tree)
    archive = perform(_archive(tree), "approve", guard=by_system, by=superiors[0][0])
    filers = [(archive.uploaded_by, tree.branch_a), (f.admin_of(tree.branch_a, "支部二"), tree.branch_a)]
    change = request_change(archive, "扫描件有误", by=archive.uploaded_by, org=tree.branch_a)
    return _withdraw_race(change, filers, superiors)
