"""荣誉激励 (INC-07 … INC-09)."""

import re

import pytest

from incentives.choices import HonorTitle, Kind, State
from incentives.models import IncentiveRecord
from tests import factories as f


def honor(client, people=(), **extra):
    data = {
        "honor_type": "personal",
        "person": [p.pk for p in people],
        "title": HonorTitle.EXCELLENT_MEMBER,
        "grantor_name": "测试大学",
        "awarded_month": "2024-05",
        **extra,
    }
    return client.post(f"/incentives/honors/new/?type={data['honor_type']}", data)


def honors():
    return IncentiveRecord.objects.filter(kind=Kind.HONOR)


def test_search_finds_members_by_name_or_id(inc, login):
    """INC-07: 搜索姓名 by name or ID number, within the acting subtree only."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    assert "团员3" in client.get("/incentives/honors/new/?type=personal&q=团员3").content.decode()
    page = client.get(f"/incentives/honors/new/?type=personal&q={inc.members[4].id_number}").content.decode()
    assert "团员4" in page
    outsider = f.person("外校生", branch=inc.tree.branch_b, password="x")
    page = client.get("/incentives/honors/new/?type=personal&q=外校生").content.decode()
    assert f'id="pick-{outsider.pk}"' not in page and "请先在上方搜索" in page


def test_several_searches_add_up_to_the_recipients(inc, login):
    """INC-07: 搜索 adds the people found to those already ticked (and keeps what was typed), so
    one honor goes to members found by separate searches; searching stores nothing."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    first, second = inc.members[2], inc.members[7]
    page = client.post(
        "/incentives/honors/new/?type=personal",
        {
            "honor_type": "personal",
            "q": second.id_number,
            "search": "1",
            "person": [first.pk],
            "grantor_name": "测试大学",
        },
    )
    text = page.content.decode()
    assert page.status_code == 200 and f'id="pick-{first.pk}"' in text and f'id="pick-{second.pk}"' in text
    assert 'value="测试大学"' in text and not honors().exists()
    assert honor(client, [first, second], grantor=inc.tree.uni.pk).status_code == 302
    assert set(honors().get().honor.recipients.all()) == {first, second}


def test_a_search_offers_its_matches_unticked(inc, login):
    """Issue 21: the people found are offered, not chosen -- only those ticked before stay
    ticked, so a broad search can't push the honor past its 5 recipients unseen."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    kept, found = inc.members[2], inc.members[7]
    text = client.post(
        "/incentives/honors/new/?type=personal",
        {"honor_type": "personal", "q": found.id_number, "search": "1", "person": [kept.pk]},
    ).content.decode()
    assert re.search(rf'id="pick-{kept.pk}" checked>', text)
    assert re.search(rf'id="pick-{found.pk}">', text)


def test_sixth_recipient_is_refused(inc, login):
    """INC-07: at most 5 recipients per honor; the 6th is refused, nothing written."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    response = honor(client, inc.members[:6], grantor=inc.tree.uni.pk)
    assert response.status_code == 400 and "最多添加5名" in response.content.decode()
    assert not honors().exists()
    assert honor(client, inc.members[:5], grantor=inc.tree.uni.pk).status_code == 302
    assert honors().get().honor.recipients.count() == 5


def test_date_before_2020_is_refused(inc, login):
    """INC-07: 荣誉获得时间 from 2020 by default."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    response = honor(client, inc.members[:1], grantor=inc.tree.uni.pk, awarded_month="2019-12")
    assert response.status_code == 400 and "不能早于2020年" in response.content.decode()
    response = honor(client, inc.members[:1], grantor=inc.tree.uni.pk, awarded_month="junk")
    assert response.status_code == 400 and not honors().exists()


def test_overlong_grantor_name_is_refused_with_the_limit(inc, login):
    """SEC-06: 授予组织名称 longer than its column is refused with the limit, not cut short."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    response = honor(client, inc.members[:1], grantor=inc.tree.uni.pk, grantor_name="校" * 101)
    assert response.status_code == 400 and "授予组织名称不能超过100字，当前为101字" in response.content.decode()
    assert not honors().exists()


def test_grantor_must_be_self_or_ancestor(inc, login):
    """INC-07 (decision): 选择授予组织 lists the acting org and its ancestors; a sibling is refused."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    assert honor(client, inc.members[:1], grantor=inc.tree.col_b.pk).status_code == 400
    assert not honors().exists()


def test_chain_branch_superior_grantor(inc, login, client):
    """INC-09: recorded by a 团支部 → direct superior → granting org → effective; the recorder
    may delete before the first approval, not after."""
    login(inc.branch_admin, inc.tree.branch_a)
    honor(client, inc.members[:2], grantor=inc.tree.uni.pk)
    record = honors().get()
    assert record.state == State.PENDING
    login(inc.uni_admin, inc.tree.uni)  # the granting org can't skip the superior
    assert client.post(f"/incentives/certify/{record.pk}/approve/").status_code == 403
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/certify/{record.pk}/approve/").status_code == 302
    record.refresh_from_db()
    assert record.state == State.GRANTOR and record.approval_label() == "已认证" and record.grantor_label() == "待认证"
    login(inc.branch_admin, inc.tree.branch_a)
    response = client.post(f"/incentives/records/{record.pk}/delete/")
    assert response.status_code == 400 and "不能删除" in response.content.decode()
    login(inc.uni_admin, inc.tree.uni)
    assert "待授予组织认证" not in client.get("/incentives/certify/?kind=honor").content.decode()
    assert client.post(f"/incentives/certify/{record.pk}/approve/").status_code == 302
    record.refresh_from_db()
    assert record.state == State.APPROVED and record.grantor_label() == "已认证"


def test_superior_is_grantor_means_one_step(inc, login, client):
    """INC-09: when the direct superior is the granting org, its approval makes it effective."""
    login(inc.branch_admin, inc.tree.branch_a)
    honor(client, inc.members[:1], grantor=inc.tree.col_a.pk)
    record = honors().get()
    login(inc.col_admin, inc.tree.col_a)
    client.post(f"/incentives/certify/{record.pk}/approve/")
    record.refresh_from_db()
    assert record.state == State.APPROVED


def test_recorder_is_grantor_effective_at_once(inc, login, client):
    """INC-09: recorder = granting org → effective at once, even for a committee; the recording
    admin is its 审批人 (decided by); one waiting for its grantor has none yet."""
    login(inc.col_admin, inc.tree.col_a)
    honor(client, inc.members[:1], grantor=inc.tree.col_a.pk)
    record = honors().get()
    assert record.state == State.APPROVED and record.decided_by == inc.col_admin
    honor(client, inc.members[1:2], grantor=inc.tree.uni.pk)
    assert honors().exclude(pk=record.pk).get().decided_by is None


def test_committee_record_goes_to_grantor_directly(inc, login, client):
    """INC-13: only 团(总)支部 records need the superior; a 团委's honor waits for the grantor."""
    login(inc.col_admin, inc.tree.col_a)
    honor(client, inc.members[:1], grantor=inc.tree.city.pk)
    assert honors().get().state == State.GRANTOR


def test_delete_before_first_approval(inc, login, client):
    """INC-09 / INC-13: the recorder deletes a pending honor; nobody else may."""
    login(inc.branch_admin, inc.tree.branch_a)
    honor(client, inc.members[:1], grantor=inc.tree.uni.pk)
    record = honors().get()
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/records/{record.pk}/delete/").status_code == 403
    login(inc.branch_admin, inc.tree.branch_a)
    assert client.post(f"/incentives/records/{record.pk}/delete/").status_code == 302
    assert not honors().exists()


def test_delegate_approves_for_grantor(inc, login, client):
    """INC-09: the granting org names a sub-org (授权审批团组织), which may then approve."""
    login(inc.col_b_admin, inc.tree.col_b)
    honor(
        client,
        [],
        honor_type="collective",
        title=HonorTitle.RED_FLAG_BRANCH,
        org_recipient=inc.tree.branch_b.pk,
        grantor=inc.tree.uni.pk,
    )
    record = honors().get()
    assert record.state == State.GRANTOR
    login(inc.col_admin, inc.tree.col_a)  # not yet delegated: col_a can't see it
    assert client.post(f"/incentives/certify/{record.pk}/approve/").status_code == 404
    login(inc.uni_admin, inc.tree.uni)
    assert client.post(f"/incentives/honors/{record.pk}/delegate/", {"delegate": inc.tree.city.pk}).status_code == 400
    assert client.post(f"/incentives/honors/{record.pk}/delegate/", {"delegate": inc.tree.col_a.pk}).status_code == 302
    login(inc.col_admin, inc.tree.col_a)
    assert record.summary in client.get("/incentives/certify/?kind=honor").content.decode()
    assert client.post(f"/incentives/certify/{record.pk}/approve/").status_code == 302
    record.refresh_from_db()
    assert record.state == State.APPROVED


def test_list_columns_and_status_filter(inc, login, client):
    """INC-07 / INC-09: the list with 上级认证 / 团组织认证 columns and a status filter."""
    login(inc.branch_admin, inc.tree.branch_a)
    honor(client, inc.members[:1], grantor=inc.tree.uni.pk)
    honor(client, inc.members[1:2], grantor=inc.tree.branch_a.pk)
    page = client.get("/incentives/honors/?type=personal").content.decode()
    assert "上级认证" in page and "团组织认证" in page and "团员0" in page and "团员1" in page
    page = client.get("/incentives/honors/?type=personal&status=approved").content.decode()
    assert "团员1" in page and "团员0" not in page
    assert client.get("/incentives/honors/?status=bogus").status_code == 400


def test_collective_needs_an_org(inc, login, client):
    """INC-08: 集体荣誉记载 records an org; without it the form is refused."""
    login(inc.col_admin, inc.tree.col_a)
    response = honor(client, [], honor_type="collective", title=HonorTitle.RED_FLAG_ORG, grantor=inc.tree.col_a.pk)
    assert response.status_code == 400 and "团组织" in response.content.decode()
    response = honor(
        client,
        [],
        honor_type="collective",
        title=HonorTitle.RED_FLAG_ORG,
        grantor=inc.tree.col_a.pk,
        org_recipient=inc.tree.branch_a.pk,
    )
    assert response.status_code == 302 and honors().get().honor.org_recipient == inc.tree.branch_a


def test_honor_list_constant_queries(inc, login, client):
    """The honor list runs the same number of queries for 2 and 12 honors."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(inc.branch_admin, inc.tree.branch_a)
    for n in range(2):
        honor(client, inc.members[n : n + 2], grantor=inc.tree.uni.pk)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/incentives/honors/").status_code == 200
        return len(ctx)

    small = count()
    for n in range(10):
        honor(client, inc.members[n % 8 : n % 8 + 3], grantor=inc.tree.uni.pk)
    assert honors().count() == 12
    assert count() == small


def _request(user, org):
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user, request.acting_org = user, org
    return request


def test_recording_refusals_word_for_word_and_five_recipients_at_most(inc, settings):
    """INC-07 / INC-08: each refusal of recording an honor says exactly why and writes nothing;
    5 recipients (INC_HONOR_MAX_RECIPIENTS) are taken, a 6th is refused with the figures; the
    事项 names the title and the recipients, cut to its 200 characters."""
    from incentives import services
    from incentives.choices import HonorType
    from zhtj.core.workflow import WorkflowError

    org, by = inc.tree.branch_a, inc.branch_admin
    personal = dict(
        honor_type=HonorType.PERSONAL,
        title=HonorTitle.EXCELLENT_MEMBER,
        grantor=inc.tree.uni,
        grantor_name="测试大学",
        awarded_month="2024-05-01",
        recipients=inc.members[:2],
    )
    collective = {
        **personal,
        "honor_type": HonorType.COLLECTIVE,
        "title": HonorTitle.RED_FLAG_BRANCH,
        "recipients": (),
        "org_recipient": inc.tree.branch_a,
    }

    def refusal(base, **kw):
        with pytest.raises(WorkflowError) as exc:
            services.record_honor(org, by=by, **{**base, **kw})
        return str(exc.value)

    assert refusal(personal, recipients=()) == "请搜索并添加荣誉获得者。"
    assert refusal(personal, recipients=inc.members[:6]) == "每次最多添加5名荣誉获得者，当前为6名。"
    assert refusal(personal, title=HonorTitle.RED_FLAG_BRANCH) == "请选择个人所获荣誉。"
    assert refusal(collective, org_recipient=None) == "请选择获得荣誉的团组织。"
    assert refusal(collective, title=HonorTitle.EXCELLENT_MEMBER) == "请选择集体所获荣誉。"
    assert refusal(personal, honor_type="bogus") == "荣誉类型无效。"
    assert refusal(personal, grantor_name="  ") == "请填写授予组织名称。"
    assert refusal(collective, grantor_name="  ") == "请填写授予组织名称。"
    assert refusal(personal, grantor=None) == "请选择授予组织在系统内的名称。"
    assert refusal(personal, grantor_name="名" * 101) == "授予组织名称不能超过100字，当前为101字。"
    assert not honors().exists()

    settings.ZHTJ = {**settings.ZHTJ, "INC_HONOR_MAX_RECIPIENTS": 6}
    six = services.record_honor(org, by=by, **{**personal, "recipients": inc.members[:6]})
    assert six.honor.recipients.count() == 6
    settings.ZHTJ = {**settings.ZHTJ, "INC_HONOR_MAX_RECIPIENTS": 5}
    for n, p in enumerate(inc.members[:5]):
        p.name = f"{n}" + "名" * 49  # 50 characters, the longest a name may be
        p.save()
    five = services.record_honor(
        org, by=by, **{**personal, "recipients": inc.members[:5], "grantor_name": " 测试大学 "}
    )
    names = "、".join(p.name for p in inc.members[:5])
    assert five.summary == f"各级优秀共青团员 {names}"[:200] and len(five.summary) == 200
    assert five.honor.grantor_name == "测试大学" and set(five.honor.recipients.all()) == set(inc.members[:5])
    assert five.honor.org_recipient is None and five.grantor == inc.tree.uni and five.recorder == org
    group = services.record_honor(org, by=by, **collective)
    assert group.summary == "五四红旗团支部(总支) A1团支部" and group.honor.org_recipient == inc.tree.branch_a
    assert group.honor.recipients.count() == 0 and group.person is None


def test_delegation_refusals_word_for_word_and_what_it_writes(inc):
    """INC-09: only the granting org names a 授权审批团组织, only one of its sub-orgs (not itself,
    not outside), only while the honor waits; naming and cancelling are audited with the org's
    name / 取消授权."""
    from django.core.exceptions import PermissionDenied

    from incentives import services
    from incentives.choices import HonorType
    from zhtj.core.models import AuditLog
    from zhtj.core.workflow import WorkflowError

    record = services.record_honor(
        inc.tree.col_b,
        by=inc.col_b_admin,
        honor_type=HonorType.COLLECTIVE,
        title=HonorTitle.RED_FLAG_BRANCH,
        grantor=inc.tree.uni,
        grantor_name="测试大学",
        awarded_month="2024-05-01",
        org_recipient=inc.tree.branch_b,
    )
    assert record.state == State.GRANTOR
    grantor = _request(inc.uni_admin, inc.tree.uni)

    def refusal(request, org, exc_type=WorkflowError):
        with pytest.raises(exc_type) as exc:
            services.delegate_approval(request, record, org)
        return str(exc.value)

    assert refusal(_request(inc.col_b_admin, inc.tree.col_b), inc.tree.col_a, PermissionDenied) == (
        "只有授予组织可以授权审批团组织。"
    )
    assert refusal(grantor, inc.tree.uni) == "授权审批团组织须为本组织的下级组织。"
    assert refusal(grantor, inc.tree.city) == "授权审批团组织须为本组织的下级组织。"
    assert services.delegate_approval(grantor, record, inc.tree.col_a).delegate == inc.tree.col_a
    record.refresh_from_db()
    assert record.delegate == inc.tree.col_a
    assert services.delegate_approval(grantor, record, None).delegate is None
    record.refresh_from_db()
    assert record.delegate is None
    notes = list(
        AuditLog.objects.filter(object_id=record.pk, action="delegate").order_by("pk").values_list("note", "actor")
    )
    assert notes == [("学院A团委", inc.uni_admin.pk), ("取消授权", inc.uni_admin.pk)]
    for state in (State.APPROVED, State.REJECTED):
        IncentiveRecord.objects.filter(pk=record.pk).update(state=state)
        assert refusal(grantor, inc.tree.col_a) == "该荣誉已审批完毕，无需授权。"
    assert IncentiveRecord.objects.get(pk=record.pk).delegate is None
