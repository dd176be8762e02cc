"""下级团员电子档案审批 in batches (issue 17; ARC-02, ARC-03, ROLE-02, ROLE-03, SEC-04, SEC-07): tick
some (全选本页) or take "全部 N 条符合当前筛选条件的" — the list's filters decide the set across its
pages, only archives waiting for the acting org are taken, each is decided on its locked row with
its audit row and the uploader's result, refusals are listed with their reasons, two clicks have
one effect, and 3,000 is one click plus a confirmation with a progress page."""

import pytest
from django.db import connection
from django.test import Client

from members.models_archive import MemberArchive
from tests import factories as f
from tests.batch_helpers import bulk_people, button_count, click_all, one_click_at_scale, status_page, summary
from tests.concurrency import at_once
from zhtj.core import batch
from zhtj.core.models import AuditLog, Notification

from .archive_helpers import arc, media  # noqa: F401 -- fixtures

LIST = "/members/archives/approvals/"
ALL = "/members/archives/approvals/all/"
TICKED = "/members/archives/approvals/batch/"


def uploaded(people, by, org, approver, state=MemberArchive.State.PENDING):
    """Archives as a branch upload leaves them (the file itself plays no part in deciding)."""
    return MemberArchive.objects.bulk_create(
        MemberArchive(
            person=p,
            file=f"archives/{p.pk}.pdf",
            size=1024,
            pages=1,
            uploaded_by=by,
            uploaded_by_org=org,
            approver_org=approver,
            state=state,
        )
        for p in people
    )


@pytest.fixture
def archives(arc):  # noqa: F811
    t = arc.tree
    arc.wanted = uploaded(bulk_people(t.branch_a, 5, "甲团员"), arc.branch_admin, t.branch_a, t.col_a)
    arc.others = uploaded(bulk_people(t.branch_a, 3, "乙团员"), arc.branch_admin, t.branch_a, t.col_a)
    arc.foreign = uploaded(bulk_people(t.branch_b, 2, "甲外院"), arc.col_b_admin, t.branch_b, t.col_b)
    arc.verified = uploaded(
        bulk_people(t.branch_a, 1, "甲已认证"), arc.branch_admin, t.branch_a, t.col_a, MemberArchive.State.VERIFIED
    )
    return arc


def states(rows):
    return {a.pk: s for a, s in zip(rows, (MemberArchive.objects.get(pk=a.pk).state for a in rows), strict=True)}


def test_the_whole_filtered_set_across_pages(archives, login, settings):
    """ARC-03 / ROLE-02: with 2 rows a page and the name filter, the button counts the 5 pending 甲
    archives waiting for 学院A团委 (not the page's 2, not the verified one, not 学院B's); the
    confirmed click approves exactly those, one audit row and one result for the uploader each."""
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 2}
    client = login(archives.col_a_admin, archives.tree.col_a)
    page = client.get(f"{LIST}?q=甲").content.decode()
    assert button_count(page) == 5 and 'data-check-all="#approval-table .pick"' in page
    notices = Notification.objects.filter(recipient_org=archives.tree.branch_a).count()
    count, token, _ = click_all(client, ALL, {"decision": "approve"}, "q=甲")
    assert count == 5 and summary(status_page(client, token)) == (5, 0)
    assert set(states(archives.wanted).values()) == {"verified"}
    assert set(states(archives.others + archives.foreign).values()) == {"pending"}
    ids = [a.pk for a in archives.wanted]
    assert AuditLog.objects.filter(action="approve", object_id__in=ids, to_state="verified").count() == 5
    assert Notification.objects.filter(recipient_org=archives.tree.branch_a).count() == notices + 5


def test_reject_needs_its_reason_and_the_count_is_confirmed(archives, login):
    """ARC-03: 不同意 needs a reason before anything is tried (400); the first post changes
    nothing; a stale count is shown again (409); the reason reaches each uploader."""
    client = login(archives.col_a_admin, archives.tree.col_a)
    bad = client.post(ALL, {"decision": "reject"})
    assert bad.status_code == 400 and "不同意时须填写理由" in bad.content.decode()
    stale = client.post(f"{ALL}?q=乙", {"decision": "reject", "note": "扫描不清", "confirmed": "9"})
    assert stale.status_code == 409 and "现为 3 条" in stale.content.decode()
    assert set(states(archives.others).values()) == {"pending"}
    count, token, _ = click_all(client, ALL, {"decision": "reject", "note": "扫描不清"}, "q=乙")
    assert count == 3 and summary(status_page(client, token)) == (3, 0)
    assert set(
        MemberArchive.objects.filter(pk__in=[a.pk for a in archives.others]).values_list("reason", flat=True)
    ) == {"扫描不清"}
    assert set(states(archives.wanted).values()) == {"pending"}


def test_ticked_batch_and_scope(archives, login):
    """The ticked 批量审批 decides exactly the ticked (with the same per-row rules); an archive of
    another committee's, ticked by hand, is a 404 and nothing is decided (ROLE-02)."""
    client = login(archives.col_a_admin, archives.tree.col_a)
    picked = [a.pk for a in archives.wanted[:2]]
    foreign = client.post(TICKED, {"decision": "approve", "archive": [*picked, archives.foreign[0].pk]})
    assert foreign.status_code == 404
    assert set(states(archives.wanted).values()) == {"pending"}
    response = client.post(TICKED, {"decision": "approve", "archive": picked})
    assert response.status_code == 302
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert summary(status_page(client, token)) == (2, 0)
    assert sorted(
        MemberArchive.objects.filter(state="verified", pk__in=[a.pk for a in archives.wanted]).values_list(
            "pk", flat=True
        )
    ) == sorted(picked)
    empty = client.post(TICKED, {"decision": "approve"})
    assert empty.status_code == 400 and "请先勾选" in empty.content.decode()


def test_refused_items_are_listed_with_their_reason(archives):
    """SEC-07 / ROLE-03 on each locked row: an archive decided meanwhile is "已被处理"; one waiting for
    another committee is refused with the approver rule (as for the university, a grand-parent:
    ARC-02); the rest are approved."""
    pending, gone, foreign = archives.wanted[0], archives.verified[0], archives.foreign[0]
    job = {
        "pks": [pending.pk, gone.pk, foreign.pk],
        "org": archives.tree.col_a,
        "actor": archives.col_a_admin,
        "params": {"action": "approve"},
    }
    done, failures = batch._actions["members.archives"](job, lambda *_: None)
    reasons = {str(label): reason for label, reason in failures}
    assert done == 1 and len(failures) == 2
    assert "已被处理" in reasons["甲已认证0"] and "隔级无法操作" in reasons["甲外院0"]
    grand = {**job, "pks": [a.pk for a in archives.wanted[1:]], "org": archives.tree.uni, "actor": archives.uni_admin}
    done, failures = batch._actions["members.archives"](grand, lambda *_: None)
    assert done == 0 and all("隔级无法操作" in reason for _, reason in failures) and len(failures) == 4


@pytest.mark.django_db(transaction=True)
def test_two_clicks_have_one_effect(tree, fast_hasher, media):  # noqa: F811
    """SEC-04 / SEC-07: the confirmation posted twice at once decides each archive once: one audit
    row and one result each."""
    admin, branch_admin = f.admin_of(tree.col_a), f.admin_of(tree.branch_a)
    wanted = uploaded(bulk_people(tree.branch_a, 6, "甲团员"), branch_admin, tree.branch_a, tree.col_a)
    clients = []
    for _ in range(2):
        c = Client()
        c.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        session = c.session
        session["acting_org_id"] = tree.col_a.pk
        session.save()
        clients.append(c)
    statuses = []
    data = {"decision": "approve", "confirmed": "6"}
    at_once(lambda c: statuses.append(c.post(ALL, data).status_code), [(c,) for c in clients])
    assert statuses == [302, 302]
    ids = [a.pk for a in wanted]
    assert MemberArchive.objects.filter(pk__in=ids, state="verified").count() == 6
    assert AuditLog.objects.filter(action="approve", object_id__in=ids).count() == 6
    assert Notification.objects.filter(kind=MemberArchive.inbox_kind).count() == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the 3,000-row figure is PostgreSQL's")
def test_three_thousand_is_one_click_and_a_confirmation(arc, login, monkeypatch):  # noqa: F811
    """Issue 17's bar on PostgreSQL: 3,000 archives waiting for 学院A团委, one click and one
    confirmation, the background task (in-process here) moving the progress bar per chunk."""
    t = arc.tree
    uploaded(bulk_people(t.branch_a, 3000, "甲团员"), arc.branch_admin, t.branch_a, t.col_a)
    client = login(arc.col_a_admin, t.col_a)
    seconds = one_click_at_scale(client, LIST, ALL, {"decision": "approve"}, monkeypatch, 3000)
    print(f"\n下级团员电子档案审批: 3,000 approved in {seconds:.2f} s")
    assert MemberArchive.objects.filter(state="verified").count() == 3000
    assert AuditLog.objects.filter(action="approve").count() == 3000
