"""The rules of orgs/codes.py (ORG-09) one by one, at their exact edges: the 20-day validity at its
last instant, what consuming checks, whose code it is, and the retries on a collision."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from orgs import codes
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
