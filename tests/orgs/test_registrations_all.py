"""年度团籍注册审批 on the whole filtered set: "全部 N 条符合当前筛选条件的" (issue 17, ORG-18, ROLE-02,
SEC-04, SEC-07). The list's filters decide the set across its pages, only the acting branch's
pending registrations are taken, each is approved on its locked row with its audit row and the
member's result, refusals are listed with their reasons, two clicks have one effect, and 3,000 is
one click plus a confirmation with a progress page."""

import time

import pytest
from django.db import connection
from django.test import Client

from orgs.models import AnnualRegistration
from tests import factories as f
from tests.batch_helpers import bulk_people, button_count, click_all, one_click_at_scale, status_page, summary
from tests.concurrency import at_once
from zhtj.core import batch
from zhtj.core.models import AuditLog, Notification

LIST = "/orgs/life/registrations/"
ALL = "/orgs/life/registrations/all/"
YEAR = 2026


def filed(people, year=YEAR):
    return AnnualRegistration.objects.bulk_create(
        AnnualRegistration(person=p, branch_id=p.branch_id, year=year) for p in people
    )


@pytest.fixture
def regs(tree, fast_hasher):
    class R:
        pass

    r = R()
    r.tree = tree
    r.admin = f.admin_of(tree.branch_a, "A1支书")
    r.wanted = filed(bulk_people(tree.branch_a, 5, "甲团员"))
    r.others = filed(bulk_people(tree.branch_a, 3, "乙团员"))
    r.foreign = filed(bulk_people(tree.branch_b, 2, "甲外支"))
    done = filed(bulk_people(tree.branch_a, 1, "甲已批"))[0]
    AnnualRegistration.objects.filter(pk=done.pk).update(state="approved")
    return r


def approved():
    return set(AnnualRegistration.objects.filter(state="approved").values_list("pk", flat=True))


def test_the_whole_filtered_set_across_pages(regs, login, settings):
    """ORG-18 / ROLE-02: with the name filter and 2 rows a page, the button counts the branch's 5
    pending 甲 registrations (not the page's 2, not the approved one, not another branch's); the
    confirmed click approves exactly those, each with one audit row and one result for the member."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 2}
    client = login(regs.admin, regs.tree.branch_a)
    page = client.get(f"{LIST}?name=甲").content.decode()
    assert button_count(page) == 5 and 'data-check-all="#registration-table .pick"' in page
    before = approved()
    notices = Notification.objects.count()
    count, token, _ = click_all(client, ALL, {}, "name=甲")
    assert count == 5
    assert summary(status_page(client, token)) == (5, 0)
    assert approved() - before == {r.pk for r in regs.wanted}
    assert AuditLog.objects.filter(action="approve", object_id__in=[r.pk for r in regs.wanted]).count() == 5
    assert Notification.objects.count() == notices + 5
    assert set(
        AnnualRegistration.objects.filter(pk__in=[r.pk for r in regs.wanted]).values_list("decided_by", flat=True)
    ) == {regs.admin.pk}


def test_confirmed_with_the_count_and_bad_filters(regs, login):
    """The first post changes nothing; a stale count is shown again (409); a bad filter is a 400
    with its reason; a committee (not a branch) is refused with the reason (ORG-18)."""
    client = login(regs.admin, regs.tree.branch_a)
    first = client.post(f"{ALL}?name=甲")
    assert first.status_code == 200 and "全部 5 条" in first.content.decode()
    stale = client.post(f"{ALL}?name=甲", {"confirmed": "9"})
    assert stale.status_code == 409 and "现为 5 条" in stale.content.decode()
    bad = client.post(f"{ALL}?start=2026-13-01", {"confirmed": "1"})
    assert bad.status_code == 400 and "开始日期格式应为" in bad.content.decode()
    assert AnnualRegistration.objects.filter(state="approved").count() == 1
    committee = login(f.admin_of(regs.tree.col_a), regs.tree.col_a)
    response = committee.post(ALL, {"confirmed": "10"}, follow=True)
    assert "只有本团支部的管理员" in response.content.decode()
    assert AnnualRegistration.objects.filter(state="approved").count() == 1


def test_refused_items_are_listed_with_their_reason(regs):
    """SEC-07 on each locked row: one decided meanwhile is "已被处理", another branch's is refused
    with the branch rule; the rest are approved."""
    pending = regs.wanted[0]
    gone = regs.wanted[1]
    AnnualRegistration.objects.filter(pk=gone.pk).update(state="rejected")
    job = {"pks": [pending.pk, gone.pk, regs.foreign[0].pk], "org": regs.tree.branch_a, "actor": regs.admin}
    done, failures = batch._actions["orgs.registrations"](job, lambda *_: None)
    reasons = {str(label): reason for label, reason in failures}
    assert done == 1 and len(failures) == 2
    assert "已被处理" in reasons[str(AnnualRegistration.objects.get(pk=gone.pk))]
    assert "只有本团支部的管理员" in reasons[str(AnnualRegistration.objects.get(pk=regs.foreign[0].pk))]
    assert AnnualRegistration.objects.get(pk=regs.foreign[0].pk).state == "pending"


@pytest.mark.django_db(transaction=True)
def test_two_clicks_have_one_effect(tree, fast_hasher):
    """SEC-04 / SEC-07: the confirmation posted twice at once (two tabs, a double click that
    slipped past the form token) approves each registration once: one audit row and one
    result each."""
    admin = f.admin_of(tree.branch_a, "A1支书")
    wanted = filed(bulk_people(tree.branch_a, 6, "甲团员"))
    clients = []
    for _ in range(2):
        c = Client()
        c.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        session = c.session
        session["acting_org_id"] = tree.branch_a.pk
        session.save()
        clients.append(c)
    statuses = []
    at_once(lambda c: statuses.append(c.post(ALL, {"confirmed": "6"}).status_code), [(c,) for c in clients])
    assert statuses == [302, 302]
    ids = [r.pk for r in wanted]
    assert AnnualRegistration.objects.filter(pk__in=ids, state="approved").count() == 6
    assert AuditLog.objects.filter(action="approve", object_id__in=ids).count() == 6
    assert Notification.objects.filter(kind=AnnualRegistration.inbox_kind).count() == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the 3,000-row figure is PostgreSQL's")
def test_three_thousand_is_one_click_and_a_confirmation(tree, fast_hasher, login, monkeypatch):
    """Issue 17's bar on PostgreSQL: 3,000 pending registrations, one click and one confirmation,
    the background task (in-process here) moving the progress bar per chunk, all approved."""
    admin = f.admin_of(tree.branch_a, "A1支书")
    started = time.perf_counter()
    filed(bulk_people(tree.branch_a, 3000, "甲团员"))
    client = login(admin, tree.branch_a)
    print(f"\n3,000 registrations made in {time.perf_counter() - started:.1f} s")
    seconds = one_click_at_scale(client, LIST, ALL, {}, monkeypatch, 3000)
    print(f"年度团籍注册审批: 3,000 approved in {seconds:.2f} s")
    assert AnnualRegistration.objects.filter(state="approved").count() == 3000
    assert AuditLog.objects.filter(action="approve").count() == 3000
