"""The rules of orgs/codes.py (ORG-09) one by one, at their exact edges: the 20-day validity at its
last instant, what consuming checks, whose code it is, and the retries on a collision."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orgs import codes, suborgs
from orgs.models import AdminRegistrationCode
from tests import factories as f
from zhtj.core.models import AuditLog

LATER = timezone.now() + timedelta(days=400)  # a moment no real clock reaches during the tests


def refused(message, call, *args, **kwargs):
    with pytest.raises(codes.CodeRefused) as caught:
        call(*args, **kwargs)
    assert str(caught.value) == message
    return caught


def test_valid_until_the_last_instant_of_day_20(tree):
    """ORG-09 at its default (REGISTRATION_CODE_DAYS = 20): usable one second before the 20 days
    are over, refused at that instant — by `refusal`, `usable_for` and `consume` alike, each by the
    `now` it is given."""
    code = codes.generate(tree.branch_a, by=None, now=LATER)
    assert code.created_at == LATER and code.expires_at == LATER + timedelta(days=20)
    last = LATER + timedelta(days=20, seconds=-1)
    end = LATER + timedelta(days=20)
    assert codes.refusal(code, last) is None
    assert codes.refusal(code, end) == codes.expired_message()
    assert "有效期为20天" in codes.expired_message()
    assert codes.usable_for(code.code, tree.branch_a.name, now=last).pk == code.pk
    refused(codes.expired_message(), codes.usable_for, code.code, tree.branch_a.name, now=end)
    refused(codes.USED, codes.consume, code, f.person(), now=end)
    codes.consume(code, f.person(), now=last)


def test_refusal_reasons_in_order(tree):
    """A used code is USED (even when expired too), an expired one is expired before superseded."""
    code = codes.generate(tree.branch_a, by=None, now=LATER)
    code.expired = True
    assert codes.refusal(code, LATER) == codes.SUPERSEDED
    assert codes.refusal(code, LATER + timedelta(days=20)) == codes.expired_message()
    code.used_at = LATER
    assert codes.refusal(code, LATER + timedelta(days=20)) == codes.USED


def test_consume_takes_only_this_open_code(tree):
    """The conditional UPDATE marks exactly this code, only while unused, not superseded and not
    past its expiry; a second consume is refused."""
    person = f.person()
    first = codes.generate(tree.branch_a, by=None, now=LATER)
    other = codes.generate(tree.branch_b, by=None, now=LATER)
    codes.consume(first, person, now=LATER)
    first.refresh_from_db()
    other.refresh_from_db()
    assert first.used_at == LATER and first.used_by == person
    assert other.used_at is None and other.used_by is None
    refused(codes.USED, codes.consume, first, f.person(), now=LATER)
    superseded = codes.generate(tree.branch_b, by=None, now=LATER)
    refused(codes.USED, codes.consume, other, person, now=LATER)  # superseded by the new one
    assert codes.consume(superseded, person, now=LATER).used_at == LATER


def test_lookup_is_exact_and_locks_when_asked(tree):
    """A code is found only as spelled; with lock=True in a transaction too."""
    code = codes.generate(tree.branch_a, by=None)
    with transaction.atomic():
        assert codes.lookup(code.code, lock=True).pk == code.pk
    refused(codes.WRONG, codes.lookup, code.code.swapcase())
    refused(codes.WRONG, codes.lookup, "Abcdefg2" if code.code != "Abcdefg2" else "Abcdefg3")
    refused(codes.FORMAT, codes.lookup, "Abc")
    refused(codes.FORMAT, codes.clean_code_text, None)
    assert codes.clean_code_text(f"  {code.code} ") == code.code


def test_the_org_is_named_by_its_short_or_full_name(tree):
    """ORG-09: the typed org name is its 组织简称 or 组织全称, blanks and full-width forms aside."""
    org = tree.branch_a
    org.full_name = "测试大学学院A团委A1团支部（一）"
    assert codes.names_org("A1团支部", org)
    assert codes.names_org(" A1 团支部 ", org)
    assert codes.names_org("测试大学学院A团委A1团支部(一)", org)
    assert not codes.names_org("B1团支部", org)
    assert not codes.names_org("", org)
    code = codes.generate(org, by=None)
    refused(codes.OTHER_ORG, codes.usable_for, code.code, "B1团支部")


def test_generating_records_who_and_supersedes_only_that_org(tree):
    admin = f.admin_of(tree.col_a)
    old_a = codes.generate(tree.branch_a, by=admin)
    old_b = codes.generate(tree.branch_b, by=admin)
    codes.generate(tree.branch_a, by=admin)
    old_a.refresh_from_db()
    old_b.refresh_from_db()
    assert old_a.expired and not old_b.expired
    log = AuditLog.objects.filter(action="registration_code_issued", object_id=tree.branch_a.pk).first()
    assert log.actor == admin


def test_a_colliding_code_is_drawn_again(tree, monkeypatch):
    """A new code equal to a stored one (about 1 in 10^13) is drawn again, one at a time and in a batch."""
    taken = codes.generate(tree.branch_a, by=None).code
    draws = iter([taken, "Fresh2aB"])
    monkeypatch.setattr(codes, "new_code", lambda: next(draws))
    assert codes.generate(tree.branch_b, by=None).code == "Fresh2aB"
    draws = iter([taken, "Fresh3aB", "Fresh4aB", "Fresh5aB"])
    monkeypatch.setattr(codes, "new_code", lambda: next(draws))
    rows = codes.generate_for_children(tree.col_a, by=None)  # one child: branch_a
    assert [row.code for _, row in rows] == ["Fresh3aB"]


def test_batch_order_and_record(tree):
    """批量生成 lists the children in 管理下级组织 order (sort_order, then tree order), each with
    its own fresh code, and records who did it and for how many."""
    admin = f.admin_of(tree.uni)
    tree.col_a.sort_order, tree.col_b.sort_order = 2, 1
    tree.col_a.save(update_fields=["sort_order"])
    tree.col_b.save(update_fields=["sort_order"])
    rows = codes.generate_for_children(tree.uni, by=admin, now=LATER)
    assert [org.pk for org, _ in rows] == [tree.col_b.pk, tree.col_a.pk]
    assert all(code.created_at == LATER and code.org_id == org.pk for org, code in rows)
    log = AuditLog.objects.get(action="registration_codes_batch")
    assert log.actor == admin and log.note == "为2个直属下级组织生成管理员注册码"


def test_five_collisions_in_a_row_are_refused(tree, monkeypatch, client, login):
    """ORG-09: five draws in a row equal to stored codes refuse with COLLIDED (one at a time and in
    a batch, the batch page a 409) and change nothing: the open old code stays open; a sixth draw
    is never tried."""
    taken = codes.generate(tree.branch_a, by=None).code
    old = codes.generate(tree.branch_b, by=None)
    draws = iter([taken] * 5 + ["Fresh2aB"])
    monkeypatch.setattr(codes, "new_code", lambda: next(draws))
    refused(codes.COLLIDED, codes.generate, tree.branch_b, by=None)
    assert codes.COLLIDED == "生成管理员注册码失败，请重试。"
    draws = iter([taken] * 5 + ["Fresh3aB"])
    refused(codes.COLLIDED, codes.generate_for_children, tree.col_b, by=None)  # one child: branch_b
    draws = iter([taken] * 5 + ["Fresh4aB"])
    r = login(f.admin_of(tree.col_b)).post("/orgs/children/codes/")
    assert r.status_code == 409 and codes.COLLIDED in r.content.decode()
    old.refresh_from_db()
    assert not old.expired
    assert set(AdminRegistrationCode.objects.values_list("code", flat=True)) == {taken, old.code}


def _locking(queries, *words):
    return [q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and all(w in q["sql"] for w in words)]


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite takes no row locks")
def test_the_locks_are_taken(tree):
    """SEC-04: generating locks the org's row (two admins generating at once), the batch its
    children's rows, and a registration's `usable_for(lock=True)` the code's row; a lookup without
    lock=True locks nothing."""
    org = tree.branch_a
    with CaptureQueriesContext(connection) as generating:
        code = codes.generate(org, by=None)
    assert _locking(generating.captured_queries, "orgs_organization", f'"orgs_organization"."id" = {org.pk}')
    with CaptureQueriesContext(connection) as using:
        codes.usable_for(code.code, org.name, lock=True)
    assert _locking(using.captured_queries, "orgs_adminregistrationcode")
    with CaptureQueriesContext(connection) as looking:
        codes.lookup(code.code)
    assert not _locking(looking.captured_queries)
    with CaptureQueriesContext(connection) as batch:
        codes.generate_for_children(tree.col_a, by=None)
    assert _locking(batch.captured_queries, f'"orgs_organization"."parent_id" = {tree.col_a.pk}')


def test_the_batch_issues_codes_to_the_children_it_locked(tree, monkeypatch):
    """ORG-09 / SEC-04: a sub-org created by someone else between the batch's lock and its read of
    the children gets no code from this batch (its row was not locked)."""
    real = suborgs.with_holdings

    def meanwhile(queryset):
        f.branch(tree.col_a, "后建团支部")
        return real(queryset)

    monkeypatch.setattr(suborgs, "with_holdings", meanwhile)
    rows = codes.generate_for_children(tree.col_a, by=None)
    assert [org.name for org, _ in rows] == ["A1团支部"]


def test_an_org_without_full_name_is_not_named_by_nothing(tree):
    """ORG-09: an empty typed name names no org, not even one whose 组织全称 is empty."""
    org = tree.branch_a
    org.full_name = ""
    assert not codes.names_org("", org)
    assert not codes.names_org(None, org)
    assert codes.names_org("A1团支部", org)
