"""Pages: 组织关系转接办理, 组织关系转接审批, 关系转接 (TRF-02…05, TRF-12, ROLE-02, SEC-06)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Person
from tests import factories as f
from transfers import services
from transfers.choices import Reason, State
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def test_inbound_page_search_and_submit(tree, admins, member, login):
    """TRF-02: search by name + ID number, choose the reason, submit."""
    c = login(admins.col_b, tree.col_b)
    url = reverse("transfers:handle")
    r = c.get(url, {"tab": "in", "name": member.name, "id_number": member.id_number})
    assert r.status_code == 200 and r.context["found"] == member
    form = {"tab": "in", "name": member.name, "id_number": member.id_number, "reason": Reason.JOB_CHANGE}
    r = c.post(url + "?tab=in", form)
    assert r.status_code == 302
    assert Transfer.objects.get(person=member).state == State.SENDING


def test_inbound_needs_name_and_id_number_not_a_bare_id(tree, admins, login):
    """TRF-02 / ROLE-02: 办理转入 reaches a member outside the subtree only through name + 身份证号码;
    a posted person id (guessable) or a wrong pair opens nothing and reveals nobody."""
    stranger = f.person("外校团员", branch=tree.branch_a, password="x")
    c = login(admins.col_b, tree.col_b)
    url = reverse("transfers:handle") + "?tab=in"
    for form in (
        {"tab": "in", "person": stranger.pk, "reason": Reason.JOB_CHANGE},
        {"tab": "in", "name": "别人", "id_number": stranger.id_number, "reason": Reason.JOB_CHANGE},
    ):
        r = c.post(url, form)
        assert r.status_code == 400 and "未查询到该团员" in r.content.decode()
        assert "外校团员" not in r.content.decode()
    assert not Transfer.objects.exists()


def test_overlong_text_is_a_clear_400(tree, admins, member, login):
    """SEC-06: a crafted 审批意见 or 新学校名称 longer than its column is refused with a message
    (PostgreSQL would otherwise fail with a 500); nothing changes."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    c = login(admins.branch_b, tree.branch_b)
    r = c.post(reverse("transfers:detail", args=[t.pk]), {"action": "reject", "note": "长" * 201})
    assert r.status_code == 400 and "审批意见不能超过200个字" in r.content.decode()
    assert Transfer.objects.get(pk=t.pk).state == State.RECEIVING
    other = f.person("王团员", branch=tree.branch_a, password="x")
    c = login(other)
    r = c.post(
        reverse("transfers:my"),
        {"target": tree.col_b.pk, "reason": Reason.FURTHER_STUDY, "school_name": "校" * 101, "school_address": "址"},
    )
    assert r.status_code == 400 and "新学校名称不能超过100个字" in r.content.decode()
    assert not Transfer.objects.filter(person=other).exists()


def test_outbound_page_bad_input(tree, admins, member, login):
    """TRF-03 / SEC-06: same branch, no reason → Chinese message, 400, nothing stored."""
    c = login(admins.col_a, tree.col_a)
    url = reverse("transfers:handle") + "?tab=out"
    r = c.post(url, {"tab": "out", "people": [member.pk], "target": tree.branch_a.pk, "reason": Reason.OTHER})
    assert r.status_code == 400 and "不能与转出团支部相同" in r.content.decode()
    r = c.post(url, {"tab": "out", "people": ["x"], "target": tree.branch_b.pk, "reason": Reason.OTHER})
    assert r.status_code == 400
    assert not Transfer.objects.exists()


def test_outbound_out_of_scope_member_is_404(tree, admins, login):
    """ROLE-02: transferring someone outside the acting org's subtree → 404."""
    stranger = f.person("外人", branch=tree.branch_b, password="x")
    c = login(admins.col_a, tree.col_a)
    r = c.post(
        reverse("transfers:handle") + "?tab=out",
        {"tab": "out", "people": [stranger.pk], "target": tree.branch_a.pk, "reason": Reason.OTHER},
    )
    assert r.status_code == 404
    assert not Transfer.objects.exists()


def test_batch_page_over_limit(tree, admins, login, settings):
    """TRF-05: more than the limit → 400 with the message, nobody moved."""
    settings.ZHTJ = {**settings.ZHTJ, "TRF_BATCH_MAX": 1}
    people = [f.person(f"团员{i}", branch=tree.branch_a, password="x") for i in range(2)]
    c = login(admins.uni, tree.uni)
    r = c.post(
        reverse("transfers:handle") + "?tab=batch",
        {
            "tab": "batch",
            "source": tree.branch_a.pk,
            "target": tree.branch_b.pk,
            "people": [p.pk for p in people],
            "reason": Reason.OTHER,
        },
    )
    assert r.status_code == 400 and "最多转出1人" in r.content.decode()
    assert Person.objects.filter(branch=tree.branch_a).count() == 2


def test_detail_out_of_scope_404_and_approve_twice_409(tree, admins, member, login):
    """ROLE-02 / TRF-12: a transfer not touching the subtree is 404; approving a done step is 409."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    outsider = f.OrgFactory(parent=tree.city, name="别处团委")
    c = login(f.admin_of(outsider), outsider)
    assert c.get(reverse("transfers:detail", args=[t.pk])).status_code == 404
    c = login(admins.branch_b, tree.branch_b)
    url = reverse("transfers:detail", args=[t.pk])
    assert c.post(url, {"action": "approve"}).status_code == 302
    r = c.post(url, {"action": "approve"})
    assert r.status_code == 409 and "已被处理" in r.content.decode()


def test_grandparent_cannot_approve(tree, admins, member, login):
    """ROLE-03: the receiving branch's grand-parent gets 403 (隔级无法操作)."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    c = login(admins.uni, tree.uni)
    assert c.post(reverse("transfers:detail", args=[t.pk]), {"action": "approve"}).status_code == 403
    assert Transfer.objects.get(pk=t.pk).state == State.RECEIVING


@pytest.mark.parametrize("tab", ["in", "out", "done", "inbox"])
def test_approval_lists_constant_queries(tree, admins, login, tab):
    """Performance: 转入审批, 转出审批, 转接记录 and the 操作中心 run the same number of queries for
    1 or 6 transfers."""
    from transfers.choices import Kind

    c = login(admins.col_b, tree.col_b)
    url = reverse("inbox") if tab == "inbox" else reverse("transfers:approvals") + f"?tab={tab}"
    # 转出审批 lists steps leaving col_b's branch; the others steps arriving at it
    sending = tab == "out"
    state = {"out": State.SENDING, "done": State.COMPLETED}.get(tab, State.RECEIVING)

    def add(n):
        for i in range(n):
            p = f.person(f"团员{i}", branch=tree.branch_b if sending else tree.branch_a, password="x")
            Transfer.objects.create(
                kind=Kind.MEMBER if sending else Kind.OUTBOUND,
                person=p,
                from_branch=p.branch,
                target=tree.branch_a if sending else tree.branch_b,
                initiator_org=None if sending else tree.col_a,
                requested_by=p,
                reason=Reason.OTHER,
                state=state,
            )

    add(1)
    with CaptureQueriesContext(connection) as small:
        r = c.get(url)
    assert r.status_code == 200 and r.content.decode().count("团员0") == 1
    add(5)
    with CaptureQueriesContext(connection) as large:
        r = c.get(url)
    assert r.content.decode().count("团员0") == 2  # both 团员0 rows (the first and the second add)
    if tab != "inbox":
        assert len(r.context["page"]) == 6
    assert len(large) == len(small)


def test_member_applies_and_sees_history(tree, admins, member, login):
    """TRF-04: the member applies, sees the progress, and after completion the history."""
    c = login(member)
    url = reverse("transfers:my")
    r = c.post(url, {"target": tree.branch_b.pk, "reason": Reason.RESIDENCE})
    assert r.status_code == 302
    assert "待转出组织审批" in c.get(url).content.decode()
    t = Transfer.objects.get(person=member)
    services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    body = c.get(url).content.decode()
    assert "已完成" in body
    r = c.post(url, {"target": "abc", "reason": Reason.RESIDENCE})
    assert r.status_code == 400 and "请选择转入组织" in r.content.decode()


def test_my_transfers_page_constant_queries(tree, admins, member, login):
    """ME-01 / TRF-04: 关系转接 (progress and 我的组织关系转接历史) runs the same number of queries
    for 1 or 5 earlier transfers."""
    c = login(member)
    url = reverse("transfers:my")

    def apply():
        return services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)

    def cost():
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(url)
        assert r.status_code == 200 and r.context["current"]
        return len(ctx), len(r.context["history"])

    services.act(None, apply(), "withdraw", by=member)
    current = apply()
    small, rows = cost()
    services.act(None, current, "withdraw", by=member)
    for _ in range(3):
        services.act(None, apply(), "withdraw", by=member)
    apply()
    large, more = cost()
    assert (rows, more) == (1, 5) and large == small


def test_inbox_shows_pending_step(tree, admins, member, login):
    """OPC-01 / OPC-02: the step shows in the entitled org's 操作中心 until handled."""
    from zhtj.core import inbox

    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    c = login(admins.branch_a, tree.branch_a)
    assert "李团员" in c.get(reverse("inbox")).content.decode()
    services.act(tree.col_a, t, "approve", by=admins.col_a)
    r = c.get(reverse("inbox"))
    assert "李团员组织关系转接" not in r.content.decode()
    assert inbox  # provider registered


def test_old_org_keeps_read_only_history(tree, admins, member, login):
    """TRF-08: after completion the old branch still lists and views the transfer, without actions."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    services.act(tree.branch_b, t, "approve", by=admins.branch_b)
    c = login(admins.branch_a, tree.branch_a)
    r = c.get(reverse("transfers:approvals") + "?tab=done")
    assert [x.pk for x in r.context["page"]] == [t.pk]
    r = c.get(reverse("transfers:detail", args=[t.pk]))
    assert r.status_code == 200 and not r.context["can_act"] and "已完成" in r.content.decode()


def test_actions_say_what_was_done(tree, admins, member, login):
    """Every action ends with a message naming it and the new state (同意 → 已完成 here)."""
    (t,) = services.start_outbound(tree.col_a, [member], tree.branch_b, by=admins.col_a, reason=Reason.OTHER)
    c = login(admins.branch_b, tree.branch_b)
    r = c.post(reverse("transfers:detail", args=[t.pk]), {"action": "approve"}, follow=True)
    assert "已同意该组织关系转接。当前状态：已完成。" in r.content.decode()


def test_withdraw_offered_only_while_allowed(tree, admins, member, login):
    """TRF-10: 撤销 shows for a 学社衔接 application in 申请期 only; later the member is told why."""
    import time_machine

    from transfers.choices import Destination

    with time_machine.travel("2026-06-01 09:00 +0800", tick=False):
        services.start_by_member(member, tree.branch_b, reason=Reason.GRADUATION, destination=Destination.EMPLOYED)
        assert "撤销申请" in login(member).get(reverse("transfers:my")).content.decode()
    with time_machine.travel("2026-09-05 09:00 +0800", tick=False):
        body = login(member).get(reverse("transfers:my")).content.decode()
    assert "撤销申请" not in body and "只能在申请期内撤销" in body


def test_member_inbox_shows_progress(tree, admins, member, login):
    """TRF-04 / OPC-01: the member's 操作中心 shows the open transfer at its current step."""
    t = services.start_by_member(member, tree.branch_b, reason=Reason.RESIDENCE)
    c = login(member)
    assert "我的组织关系转接（A1团支部 → B1团支部）：待转出组织审批" in c.get(reverse("inbox")).content.decode()
    services.act(tree.branch_a, t, "approve", by=admins.branch_a)
    assert "我的组织关系转接（A1团支部 → B1团支部）：待转入组织审批" in c.get(reverse("inbox")).content.decode()


def test_batch_tab_only_for_committees(tree, admins, login):
    """TRF-05: a 团支部 sees no 组织关系批量转接 tab, and `?tab=batch` typed in is refused (403 with
    the reason, no form); a 团委 has the tab. A 团的领导机关 has no 办理转入 tab (TRF-01)."""
    url = reverse("transfers:handle")
    branch = login(admins.branch_a, tree.branch_a)
    assert "?tab=batch" not in branch.get(url).content.decode()
    r = branch.get(url + "?tab=batch")
    assert r.status_code == 403 and "只有团委/团工委/团总支可以办理组织关系批量转接" in r.content.decode()
    assert 'name="source"' not in r.content.decode() and 'name="people"' not in r.content.decode()
    assert "?tab=batch" in login(admins.uni, tree.uni).get(url).content.decode()
    province = login(admins.province, tree.province)
    page = province.get(url)
    assert page.status_code == 200 and "?tab=in" not in page.content.decode() and "?tab=out" in page.content.decode()
    assert province.get(url + "?tab=in").status_code == 403


def test_batch_with_everyone_refused_says_so_without_a_success(tree, admins, login):
    """TRF-05 / TRF-12: when every chosen member is refused, the page says nobody was moved and
    why — no "已将0人…" beside it; one moved of two gives the success and the one refusal."""
    from transfers.choices import Reason as R

    busy = f.person("忙碌", branch=tree.branch_a, password="x")
    free = f.person("空闲", branch=tree.branch_a, password="x")
    services.start_outbound(tree.col_a, [busy], tree.branch_b, by=admins.col_a, reason=R.OTHER)
    c = login(admins.uni, tree.uni)
    data = {"tab": "batch", "source": tree.branch_a.pk, "target": tree.branch_b.pk, "reason": R.OTHER}
    page = c.post(reverse("transfers:handle") + "?tab=batch", {**data, "people": [busy.pk]}, follow=True)
    text = page.content.decode()
    assert "已将0人" not in text and "所选团员均未能转接" in text and "已有正在办理的组织关系转接" in text
    page = c.post(reverse("transfers:handle") + "?tab=batch", {**data, "people": [busy.pk, free.pk]}, follow=True)
    assert "已将1人的组织关系转入" in page.content.decode()
