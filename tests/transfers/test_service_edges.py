"""The transfer rules read exactly (issue 22: the survivors of the mutation run of
transfers/services.py): each refusal word for word, what a transfer and a step write."""

import pytest
from django.contrib.contenttypes.models import ContentType

from members.models import Person
from members.people import request_deletion
from orgs.choices import Industry, LeadershipLevel, OrgCategory
from tests import factories as f
from transfers import services
from transfers.choices import Destination, Kind, Reason, State
from transfers.models import Transfer
from zhtj.core.models import AuditLog

pytestmark = pytest.mark.django_db


def _refusal(call):
    with pytest.raises(services.TransferError) as caught:
        call()
    return str(caught.value)


def test_person_refusals_word_for_word(tree, admins, member):
    """TRF-12 / MEM-09: no branch, an open transfer, a pending deletion -- each says which."""
    services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    assert _refusal(lambda: services.check_person(member)) == (
        "李团员已有正在办理的组织关系转接，请等待办结或撤销后再申请。"
    )
    waiting = f.person("待删除", branch=tree.branch_a, password="x")
    request_deletion(waiting, tree.branch_a, admins.branch_a, "重复录入")
    assert _refusal(lambda: services.check_person(waiting)) == "待删除有待审批的删除人员申请，不能办理组织关系转接。"
    loose = f.person("无组织", password="x")
    assert _refusal(lambda: services.check_person(loose)) == "无组织没有团组织关系，不能办理转接。"


def test_start_refusals_word_for_word(tree, admins, member):
    """TRF-02/03/09/12: a reason and a destination of the lists, the person's branch as shown."""
    assert _refusal(lambda: services.start_by_member(member, tree.branch_b, reason="nonsense")) == "请选择转接原因。"
    assert (
        _refusal(lambda: services.start_by_member(member, tree.branch_b, reason=Reason.OTHER, destination="nonsense"))
        == "请选择有效的毕业去向。"
    )
    stale = Person.objects.get(pk=member.pk)
    Person.objects.filter(pk=member.pk).update(branch=tree.branch_b)
    assert (
        _refusal(
            lambda: services.start_by_member(
                stale, tree.col_b, reason=Reason.OTHER, school_name="x", school_address="y"
            )
        )
        == "李团员的团组织关系已变动，请刷新后重试。"
    )
    assert not Transfer.objects.exists()


def test_a_second_transfer_past_the_check_is_refused_by_the_constraint(tree, member, monkeypatch):
    """TRF-12: should two requests pass the check at once, the constraint refuses the second with
    the same words, not a 500."""
    services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    monkeypatch.setattr(services, "has_open_transfer", lambda person: False)
    assert (
        _refusal(lambda: services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE))
        == "李团员已有正在办理的组织关系转接，请等待办结或撤销后再申请。"
    )
    assert Transfer.objects.filter(person=member).count() == 1


def _row(t):
    t = Transfer.objects.get(pk=t.pk)
    return {
        "kind": t.kind,
        "state": t.state,
        "from": t.from_branch_id,
        "target": t.target_id,
        "initiator": t.initiator_org_id,
        "by": t.requested_by_id,
        "reason": t.reason,
        "graduate": t.is_graduate,
        "destination": t.destination,
        "school": (t.school_name, t.school_address),
        "to": t.to_branch_id,
        "completed": t.completed_at,
    }


def _log(t):
    return list(
        AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Transfer), object_id=t.pk)
        .order_by("pk")
        .values_list("action", "from_state", "to_state", "actor_id", "note")
    )


def test_each_way_writes_its_transfer_whole(tree, admins, member):
    """TRF-02/03/04: kind, first state, initiator and requester of each way, and the submit audit row."""
    t = services.start_inbound(tree.col_b, member, by=admins.col_b, reason=Reason.JOB_CHANGE)
    assert _row(t) == {
        "kind": Kind.INBOUND,
        "state": State.SENDING,
        "from": tree.branch_a.pk,
        "target": tree.col_b.pk,
        "initiator": tree.col_b.pk,
        "by": admins.col_b.pk,
        "reason": Reason.JOB_CHANGE,
        "graduate": False,
        "destination": "",
        "school": ("", ""),
        "to": None,
        "completed": None,
    }
    assert _log(t) == [("submit", "", State.SENDING, admins.col_b.pk, "")]
    services.act(tree.col_b, t, "withdraw", by=admins.col_b)

    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    row = _row(t)
    assert (row["kind"], row["state"], row["initiator"], row["by"], row["reason"], row["target"]) == (
        Kind.OUTBOUND,
        State.RECEIVING,
        tree.col_a.pk,
        admins.col_a.pk,
        Reason.OTHER,
        tree.branch_b.pk,
    )
    assert _log(t) == [("submit", "", State.RECEIVING, admins.col_a.pk, "")]
    services.act(tree.col_a, t, "withdraw", by=admins.col_a)

    t = services.start_by_member(
        member, tree.col_b, reason=Reason.FURTHER_STUDY, school_name=" 新大学 ", school_address=" 某路1号 "
    )
    row = _row(t)
    assert (row["kind"], row["state"], row["initiator"], row["by"], row["school"]) == (
        Kind.MEMBER,
        State.SENDING,
        None,
        member.pk,
        ("新大学", "某路1号"),
    )
    assert _log(t) == [("submit", "", State.SENDING, member.pk, "")]


def test_who_is_a_graduate_transfer(tree, admins, member):
    """TRF-09: a transfer is 学社衔接 with a destination, with the reason 毕业, or for a graduate
    already; otherwise not."""
    street = f.OrgFactory(parent=tree.city, category=OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET)
    t = services.start_by_member(member, street, reason=Reason.RESIDENCE, destination=Destination.WORK_ABROAD)
    assert (t.is_graduate, Transfer.objects.get(pk=t.pk).destination) == (True, Destination.WORK_ABROAD)
    services.act(tree.branch_a, t, "reject", by=admins.branch_a, note="重填")
    t = services.start_by_member(member, street, reason=Reason.RESIDENCE)
    assert Transfer.objects.get(pk=t.pk).is_graduate is False
    services.act(tree.branch_a, t, "reject", by=admins.branch_a, note="重填")
    Person.objects.filter(pk=member.pk).update(is_graduate=True)
    member.refresh_from_db()
    t = services.start_by_member(member, street, reason=Reason.RESIDENCE)
    assert Transfer.objects.get(pk=t.pk).is_graduate is True


def test_inbound_refusal_and_destination(tree, admins, member):
    """TRF-01: a leadership organ can't start 办理转入 (word for word); the destination given is kept."""
    assert (
        _refusal(lambda: services.start_inbound(tree.city, member, by=admins.city, reason=Reason.OTHER))
        == "团的领导机关不能办理转入。"
    )
    street = f.OrgFactory(parent=tree.city, category=OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET)
    t = services.start_inbound(
        street, member, by=f.admin_of(street), reason=Reason.GRADUATION, destination=Destination.EMPLOYED
    )
    assert (Transfer.objects.get(pk=t.pk).destination, t.is_graduate) == (Destination.EMPLOYED, True)


def test_outbound_out_of_scope_refuses_all(tree, admins, member):
    """TRF-03: all or nothing; a member outside the sending org is named."""
    other = f.person("王团员", branch=tree.branch_b, password="x")
    elsewhere = f.branch(tree.uni, "校团委直属团支部")
    assert (
        _refusal(
            lambda: services.start_outbound(
                tree.col_a, [member, other], elsewhere, by=admins.col_a, reason=Reason.OTHER
            )
        )
        == "王团员不在本组织管辖范围内。"
    )
    assert not Transfer.objects.exists()


def test_outbound_keeps_the_destination(tree, admins, member):
    """TRF-09: the destination type chosen by the sending org is stored."""
    street = f.OrgFactory(parent=tree.city, category=OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET)
    (t,) = services.start_outbound(
        tree.col_a, [member], street, by=admins.col_a, reason=Reason.GRADUATION, destination=Destination.EMPLOYED
    )
    assert Transfer.objects.get(pk=t.pk).destination == Destination.EMPLOYED


def test_member_school_fields_at_their_limits(tree, member):
    """TRF-04 / SEC-06: a school target needs name AND address; each at most its column's length."""
    only = [
        {"school_name": "新大学"},
        {"school_address": "某路1号"},
        {"school_name": "   ", "school_address": "某路1号"},
    ]
    for kw in only:
        assert (
            _refusal(lambda kw=kw: services.start_by_member(member, tree.col_b, reason=Reason.FURTHER_STUDY, **kw))
            == "转往学校团组织的，请填写新学校名称和地址。"
        )
    assert (
        _refusal(
            lambda: services.start_by_member(
                member, tree.col_b, reason=Reason.FURTHER_STUDY, school_name="校" * 101, school_address="路"
            )
        )
        == "新学校名称不能超过100个字。"
    )
    assert (
        _refusal(
            lambda: services.start_by_member(
                member, tree.col_b, reason=Reason.FURTHER_STUDY, school_name="校", school_address="路" * 201
            )
        )
        == "新学校地址不能超过200个字。"
    )
    assert not Transfer.objects.exists()
    t = services.start_by_member(
        member, tree.col_b, reason=Reason.FURTHER_STUDY, school_name="校" * 100, school_address="路" * 200
    )
    assert _row(t)["school"] == ("校" * 100, "路" * 200)


def _notes():
    from zhtj.core.models import Notification

    return list(
        Notification.objects.order_by("pk").values_list(
            "recipient_person_id", "recipient_org_id", "kind", "text", "link"
        )
    )


def test_each_step_tells_the_member_and_a_result_tells_the_initiating_org(tree, admins, member):
    """OPC-01 / TRF-04: the member hears of each step in their 操作中心; the initiating org of the
    result only, with the decision's note."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    assert _notes() == [
        (member.pk, None, "transfer", "组织关系转接（A1团支部 → B1团支部）：待转入组织审批", "/transfers/my/")
    ]
    services.act(tree.branch_b, t, "reject", by=admins.branch_b, note="  信息有误 ")
    text = "组织关系转接（A1团支部 → B1团支部）：已拒绝（信息有误）"
    assert _notes()[1:] == [
        (member.pk, None, "transfer", text, "/transfers/my/"),
        (None, tree.col_a.pk, "transfer", "李团员的" + text, ""),
    ]
    t = Transfer.objects.get(pk=t.pk)
    assert (t.decided_by_id, t.decision_note) == (admins.branch_b.pk, "信息有误")
    assert _log(t)[-1] == ("reject", State.RECEIVING, State.REJECTED, admins.branch_b.pk, "信息有误")


def test_a_members_own_application_tells_no_org(tree, admins, member):
    """OPC-01: a 团员申请 has no initiating org: its result goes to the member only."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    assert [n[:2] for n in _notes()] == [(member.pk, None)] * 3
    assert _notes()[-1][3] == "组织关系转接（A1团支部 → B1团支部）：已完成"


def test_act_refusals_word_for_word(tree, admins, member):
    """TRF-12 / SEC-06: an unknown action, an over-long or missing reason, a branch not of the
    target's -- each refused with its words, nothing taken."""
    from zhtj.core.workflow import WorkflowError

    (t,) = services.start_outbound(tree.col_a, [member], tree.col_b, by=admins.col_a, reason=Reason.OTHER)
    with pytest.raises(WorkflowError) as caught:
        services.act(tree.col_b, t, "complete", by=admins.col_b)
    assert str(caught.value) == "不支持的操作。"
    reject = lambda note: services.act(tree.col_b, t, "reject", by=admins.col_b, note=note)  # noqa: E731
    assert _refusal(lambda: reject("因" * 201)) == "审批意见不能超过200个字。"
    assert _refusal(lambda: reject("   ")) == "拒绝时请填写理由。"
    assert _refusal(lambda: services.act(tree.col_b, t, "approve", by=admins.col_b, note="意" * 201)) == (
        "审批意见不能超过200个字。"
    )
    t = services.act(tree.col_b, t, "approve", by=admins.col_b, note="意" * 200)
    assert (t.state, Transfer.objects.get(pk=t.pk).decision_note) == (State.ALLOCATING, "意" * 200)
    other_committee = f.OrgFactory(parent=tree.col_b, name="学院B分团委")
    for branch in (None, other_committee, tree.branch_a):
        assert (
            _refusal(lambda branch=branch: services.act(tree.col_b, t, "allocate", by=admins.col_b, branch=branch))
            == "请选择本组织下级的团支部。"
        )
    assert Transfer.objects.get(pk=t.pk).state == State.ALLOCATING
    done = services.act(tree.col_b, t, "allocate", by=admins.col_b, branch=tree.branch_b, note="分到B1")
    row = Transfer.objects.get(pk=t.pk)
    assert (done.state, row.to_branch_id, row.decided_by_id, row.decision_note) == (
        State.COMPLETED,
        tree.branch_b.pk,
        admins.col_b.pk,
        "分到B1",
    )
    assert Person.objects.get(pk=member.pk).branch_id == tree.branch_b.pk


def test_a_step_seen_before_it_moved_is_already_handled(tree, admins, member):
    """TRF-12: the state the page showed is checked on the locked row."""
    from zhtj.core.workflow import AlreadyHandled

    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    services.act(tree.branch_a, t, "approve", by=admins.branch_a, seen_state=State.SENDING)
    with pytest.raises(AlreadyHandled):
        services.act(tree.branch_b, t, "approve", by=admins.branch_b, seen_state=State.SENDING)
    assert Transfer.objects.get(pk=t.pk).state == State.RECEIVING


def test_guard_refusals_word_for_word(tree, admins, member):
    """SEC-04 / TRF-12: who may withdraw (the initiating org; the member for their own application)
    and who may approve, each refusal with its words."""
    from django.core.exceptions import PermissionDenied

    def denied(call):
        with pytest.raises(PermissionDenied) as caught:
            call()
        return str(caught.value)

    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    for org in (None, tree.branch_a, tree.uni):
        assert denied(lambda org=org: services.act(org, t, "withdraw", by=admins.col_a)) == "只有发起方可以撤销。"
    assert denied(lambda: services.act(None, t, "approve", by=admins.branch_b)) == (
        "隔级无法操作：只有转出/转入团支部或其直属上级团组织的管理员可以审批此环节。"
    )
    services.act(tree.col_a, t, "withdraw", by=admins.col_a)
    own = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    other = f.person("王团员", branch=tree.branch_a, password="x")
    for org in (None, tree.branch_a):
        assert denied(lambda org=org: services.act(org, own, "withdraw", by=other)) == "只有发起方可以撤销。"
    assert services.act(tree.branch_a, own, "withdraw", by=member).state == State.WITHDRAWN


def test_each_step_belongs_to_its_own_side(tree, admins, member):
    """TRF-02/03/04, ROLE-03: the receiving branch can't take the sending step, nor the sending
    side the receiving step; an allocation is the target committee's alone."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    assert [services.may_act(org, t) for org in (tree.branch_a, tree.col_a, tree.branch_b, tree.col_b, None)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    assert [services.may_act(org, t) for org in (tree.branch_a, tree.col_a, tree.branch_b, tree.col_b)] == [
        False,
        False,
        True,
        True,
    ]
    services.act(tree.branch_b, t, "reject", by=admins.branch_b, note="x")
    assert not any(services.may_act(org, t) for org in (tree.branch_a, tree.col_a, tree.branch_b, tree.col_b))

    (t,) = services.start_outbound(tree.col_a, [member], tree.col_b, by=admins.col_a, reason=Reason.OTHER)
    # a committee target: it approves itself; its parent (uni) can't, a receiving step not being a branch's
    assert [services.may_act(org, t) for org in (tree.col_b, tree.uni, tree.branch_a, tree.col_a)] == [
        True,
        False,
        False,
        False,
    ]
    services.act(tree.col_b, t, "approve", by=admins.col_b)
    assert [services.may_act(org, t) for org in (tree.col_b, tree.uni, tree.branch_b, tree.branch_a)] == [
        True,
        False,
        False,
        False,
    ]


def test_the_special_unit_pool_is_approved_by_its_province(tree, admins, member):
    """TRF-09 / ORG-02: a transfer into the 特殊单位专属库 is approved by its provincial committee,
    never by the pool itself."""
    pool = f.OrgFactory(parent=tree.province, category=OrgCategory.SPECIAL_UNIT_POOL, name="特殊单位专属库")
    (t,) = services.start_outbound(
        tree.col_a, [member], pool, by=admins.col_a, reason=Reason.GRADUATION, destination=Destination.MILITARY
    )
    assert [services.may_act(org, t) for org in (pool, tree.province, tree.city)] == [False, True, False]
    assert services.act(tree.province, t, "approve", by=admins.province).state == State.COMPLETED


def test_target_refusals_word_for_word(tree, member, settings):
    """TRF-03 / TRF-06: a leadership organ, the member's own branch, a committee in a branch-only
    province (the setting's list, read each time) -- each with its words; a target under no
    province is not refused by TRF-06."""
    check = lambda target: _refusal(lambda: services.check_target(target, tree.branch_a))  # noqa: E731
    assert check(tree.city) == "团的领导机关不能接收团员组织关系，请选择团委/团工委/团总支或团支部。"
    assert check(tree.branch_a) == "转入组织不能与转出团支部相同。"
    services.check_target(tree.col_b, tree.branch_a)
    settings.ZHTJ = {**settings.ZHTJ, "TRF_BRANCH_ONLY_PROVINCES": ("团山东省委",)}
    assert check(tree.col_b) == "转往团山东省委所辖团组织的，须选择具体的团支部，不能选择团委/团工委/团总支。"
    services.check_target(tree.branch_b, tree.branch_a)
    settings.ZHTJ = {**settings.ZHTJ, "TRF_BRANCH_ONLY_PROVINCES": ("团中央", "")}
    central_unit = f.OrgFactory(parent=tree.central, name="中央直属机关团委")
    services.check_target(central_unit, tree.branch_a)  # no 省级团委 above it


def _destination(member, target, destination, reason=Reason.GRADUATION):
    return _refusal(lambda: services.check_destination(member, target, destination, reason))


def test_drop_out_goes_to_a_township_street_or_floating_branch(tree, member):
    """TRF-13: 退学 is accepted into a 乡镇 or 街道 org, a 流动团员团支部 or a 学社衔接临时团支部 --
    the refusal otherwise word for word."""
    ok = [
        f.OrgFactory(parent=tree.city, category=OrgCategory.WORKING_COMMITTEE, industry=Industry.TOWNSHIP),
        f.OrgFactory(parent=tree.city, category=OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET),
        f.OrgFactory(parent=tree.city, category=OrgCategory.FLOATING),
        f.OrgFactory(parent=tree.city, category=OrgCategory.SCHOOL_SOCIETY),
    ]
    for target in ok:
        assert services.check_destination(member, target, "", Reason.DROP_OUT) is None
    for target in (tree.branch_b, f.OrgFactory(parent=tree.city, category=OrgCategory.GRADUATE)):
        assert (
            _destination(member, target, "", Reason.DROP_OUT)
            == "退学学生的团组织关系应转回户籍所在地的乡镇街道团组织。"
        )
    assert services.check_destination(member, tree.branch_b, "", Reason.OTHER) is None


def test_destination_refusals_word_for_word(tree, member):
    """TRF-09: each destination type's refusal with its words, and the target it accepts."""
    from members.choices import Occupation

    def org(category=OrgCategory.BRANCH, industry="", parent=None):
        return f.OrgFactory(parent=parent or tree.city, category=category, industry=industry)

    company = org(industry=Industry.PRIVATE_ENTERPRISE)
    school = org(industry=Industry.UNIVERSITY)
    floating, society = org(OrgCategory.FLOATING), org(OrgCategory.SCHOOL_SOCIETY)
    pool = org(OrgCategory.SPECIAL_UNIT_POOL, parent=tree.province)
    abroad = org(OrgCategory.ABROAD, Industry.UNIVERSITY, tree.col_b)
    delayed = org(OrgCategory.DELAYED_GRADUATION, Industry.UNIVERSITY, tree.col_b)
    assert _destination(member, school, "", Reason.GRADUATION) == "毕业（学社衔接）转接请选择毕业去向。"
    assert _destination(member, company, Destination.KEEP_AT_SCHOOL) == (
        "尚未落实就业去向的毕业生可在原学校保留团组织关系不超过6个月，无需办理转接。"
    )
    cases = {
        Destination.EMPLOYED: (company, school, "已就业的毕业生应转至工作单位团组织或其所在地的乡镇街道团组织。"),
        Destination.FURTHER_STUDY: (school, company, "升学的毕业生应转至录取学校的团组织，不得转回户籍所在地。"),
        Destination.MILITARY: (pool, company, "参军入伍或到涉密单位工作的毕业生应转入省级团委的特殊单位专属库。"),
        Destination.UNEMPLOYED: (
            society,
            company,
            "未就业的毕业生应转至居住地乡镇街道的流动团员团支部（或学社衔接临时团支部）。",
        ),
        Destination.STUDY_ABROAD: (
            abroad,
            delayed,
            "出国（境）学习研究的毕业生团组织关系保留在原就读学校，应转入本校的出国(境)学习研究团员团支部。",
        ),
        Destination.WORK_ABROAD: (
            company,
            school,
            "出国（境）工作的毕业生应转至派出单位团组织或居住地乡镇街道团组织。",
        ),
        Destination.DELAYED: (delayed, abroad, "延迟毕业的团员应转入本校的延迟毕业团组织。"),
    }
    for destination, (good, bad, message) in cases.items():
        for reason in (Reason.GRADUATION, Reason.OTHER):
            assert services.check_destination(member, good, destination, reason) is None, destination
            assert _destination(member, bad, destination, reason) == message, destination
    assert services.check_destination(member, floating, Destination.UNEMPLOYED, Reason.GRADUATION) is None
    Person.objects.filter(pk=member.pk).update(occupation=Occupation.MILITARY)
    member.refresh_from_db()
    assert _destination(member, floating, Destination.UNEMPLOYED) == (
        "已落实工作单位的毕业生不能选择“未就业”将团组织关系转往户籍地，请转至工作单位团组织。"
    )
    Person.objects.filter(pk=member.pk).update(occupation=Occupation.STUDENT)
    member.refresh_from_db()
    assert services.check_destination(member, floating, Destination.UNEMPLOYED, Reason.GRADUATION) is None


def test_own_school_is_the_topmost_school_org_below_the_leadership(tree, member):
    """TRF-09: the member's school is the topmost school-domain org above their branch (the
    university, not the college), never a leadership organ of the school industry."""
    assert services.school_of(tree.branch_a) == tree.uni
    assert services.school_of(tree.col_b) == tree.uni
    company = f.OrgFactory(parent=tree.city, industry=Industry.PRIVATE_ENTERPRISE)
    assert services.school_of(f.branch(company)) is None
    edu = f.leadership("团市教育工委", tree.city, LeadershipLevel.COUNTY, industry=Industry.UNIVERSITY)
    school = f.OrgFactory(parent=edu, name="某学院团委", industry=Industry.UNIVERSITY)
    assert services.school_of(f.branch(school)) == school
    # a school's own 团支部 right under a leadership organ (a 中学团支部 under its 县团委) is its school
    lone = f.branch(tree.city, "某中学团支部", industry=Industry.MIDDLE_SCHOOL)
    assert services.school_of(lone) == lone


def test_batch_reads_only_what_is_open_or_pending(tree, admins):
    """TRF-05 with TRF-12 / MEM-09: a closed transfer or a decided deletion request holds nobody
    back; a pending deletion does, named; the same person ticked twice moves once; each row carries
    its branches and who moved them; a graduate org keeps the 毕业生 flag."""
    from members.models import DeletionRequest

    graduates = f.OrgFactory(parent=tree.col_b, category=OrgCategory.GRADUATE, name="B毕业生团支部")
    closed = f.person("曾转过", branch=tree.branch_a, password="x")
    t = services.start_by_member(closed, tree.branch_b, reason=Reason.RESIDENCE)
    services.act(tree.branch_a, t, "reject", by=admins.branch_a, note="重填")
    decided = f.person("删除已驳回", branch=tree.branch_a, password="x")
    request_deletion(decided, tree.branch_a, admins.branch_a, "重复录入")
    DeletionRequest.objects.filter(person=decided).update(state=DeletionRequest.State.REJECTED)
    waiting = f.person("待删除", branch=tree.branch_a, password="x")
    request_deletion(waiting, tree.branch_a, admins.branch_a, "重复录入")
    moved, refused = services.batch(
        tree.uni,
        tree.branch_a,
        graduates,
        [closed.pk, decided.pk, waiting.pk, closed.pk],
        by=admins.uni,
        reason=Reason.ADJUSTMENT,
    )
    assert (moved, refused) == (2, {waiting.pk: "待删除有待审批的删除人员申请，不能办理组织关系转接。"})
    assert set(Person.objects.filter(branch=graduates).values_list("pk", "is_graduate")) == {
        (closed.pk, True),
        (decided.pk, True),
    }
    rows = Transfer.objects.filter(kind=Kind.BATCH).order_by("person_id")
    assert list(rows.values_list("person_id", "from_branch_id", "target_id", "requested_by_id", "reason")) == [
        (p.pk, tree.branch_a.pk, graduates.pk, admins.uni.pk, Reason.ADJUSTMENT) for p in (closed, decided)
    ]


def test_an_open_transfer_refuses_a_deletion_request(tree, admins, member):
    """MEM-09 / TRF-12: a person in an open transfer can't be filed for deletion (word for word);
    once it is closed, they can."""
    assert services.deletion_refusal(member) is None
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    assert services.deletion_refusal(member) == "李团员有正在办理的组织关系转接，请待转接办结或撤销后再申请删除。"
    services.act(tree.branch_a, t, "reject", by=admins.branch_a, note="重填")
    assert services.deletion_refusal(member) is None


def test_no_note_is_an_empty_note(tree, admins, member):
    """TRF-12: an approval without a note (None from a form without the field) stores none."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    services.act(tree.branch_a, t, "approve", by=admins.branch_a, note=None)
    assert Transfer.objects.get(pk=t.pk).decision_note == ""
    street = f.OrgFactory(parent=tree.city, category=OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET)
    other = f.person("王团员", branch=tree.branch_a, password="x")
    t = services.start_by_member(other, street, reason=Reason.RESIDENCE, school_name=None, school_address=None)
    assert _row(t)["school"] == ("", "")


def test_only_a_pending_deletion_holds_a_transfer_back(tree, admins, member):
    """MEM-09 / TRF-12: a deletion request refused earlier doesn't stop a transfer, nor another
    person's pending one."""
    from members.models import DeletionRequest

    request_deletion(f.person("待删除", branch=tree.branch_a, password="x"), tree.branch_a, admins.branch_a, "重复录入")
    request_deletion(member, tree.branch_a, admins.branch_a, "重复录入")
    DeletionRequest.objects.filter(person=member).update(state=DeletionRequest.State.REJECTED)
    assert services.pending_deletion(member) is False
    assert services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE).state == State.SENDING
