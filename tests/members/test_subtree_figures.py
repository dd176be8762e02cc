"""STAT-03 / BEY-08 at national size: the subtree figures PostgreSQL keeps by triggers
(members/models_figures.py, migration 0015) equal the people grouped live after every kind of
change, inside the changing transaction and after its COMMIT, and two transactions changing
members of the same country don't wait for each other.

PostgreSQL only: SQLite groups the people live (members/figures.py).
"""

import threading
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from members import figures, stats
from members.archives import required_from
from members.models import FigureDelta, MemberArchive, Person, SubtreeFigure
from tests import factories as f

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")

TZ = ZoneInfo("Asia/Shanghai")
DIMS = (figures.AGE, figures.ETHNICITY, figures.EDUCATION, figures.NEW, figures.DUE)


def live(org):
    """Each dimension's values grouped from the people themselves (what the triggers must keep)."""
    found = {dim: Counter() for dim in DIMS}
    verified = set(MemberArchive.objects.filter(state=MemberArchive.State.VERIFIED).values_list("person_id", flat=True))
    for p in Person.objects.in_branches_of(org):
        found[figures.AGE][f"{p.birth_date:%Y-%m-%d}"] += 1
        found[figures.ETHNICITY][p.ethnicity] += 1
        found[figures.EDUCATION][p.education] += 1
        if p.joined_month is not None:
            ok = p.pk in verified
            found[figures.NEW][f"{p.joined_month:%Y}" + ("v" if ok else "")] += 1
            if not ok:
                month_end = (p.joined_month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
                start = max(month_end, p.date_joined.astimezone(TZ).date())
                found[figures.DUE][f"{start:%Y-%m-%d}/{p.joined_month:%Y}"] += 1
    return {dim: dict(c) for dim, c in found.items()}


def kept(org):
    return {dim: figures.counts(org, dim) for dim in DIMS}


def agree(tree):
    """团中央, the province and the city keep their figures (level ≤ DEEPEST); nothing below."""
    for org in (tree.central, tree.province, tree.city):
        assert figures.kept(org) and kept(org) == live(org), org.name
    for org in (tree.uni, tree.col_a, tree.branch_a, tree.branch_b):
        assert not figures.kept(org) and kept(org) == {dim: {} for dim in DIMS}, org.name


def member(branch, birth=date(2008, 5, 6), **fields):
    return Person.objects.create(
        id_number=f.new_id_number(birth), name="某团员", gender="M", birth_date=birth, branch=branch, **fields
    )


def test_figures_follow_every_change_inside_the_transaction(tree):
    """STAT-03: entry (one and in bulk), an edit, a transfer, the e-archive verified and then not,
    leaving the branch, deletion -- after each, every subtree's figures equal its people."""
    a = member(tree.branch_a, ethnicity="汉族", education="bachelor", joined_month=date(2024, 5, 1))
    Person.objects.bulk_create(
        Person(
            id_number=f.new_id_number(date(2010, 1, i + 1)),
            name=f"成员{i}",
            birth_date=date(2010, 1, i + 1),
            branch=tree.branch_b,
            ethnicity="回族",
            joined_month=date(2025, 1, 1),
        )
        for i in range(5)
    )
    agree(tree)
    a.education = "master"
    a.save()
    agree(tree)
    Person.objects.filter(pk=a.pk).update(branch=tree.branch_b)  # a transfer: set-based, as the services do
    agree(tree)
    archive = MemberArchive.objects.create(
        person=a,
        file="archives/x.pdf",
        size=1,
        pages=1,
        uploaded_by=f.admin_of(tree.col_b),
        uploaded_by_org=tree.col_b,
        state=MemberArchive.State.VERIFIED,
    )
    agree(tree)
    assert stats.new_member_count(tree.city, 2024) == stats.new_member_count(tree.branch_b, 2024) == 1
    MemberArchive.objects.filter(pk=archive.pk).update(state=MemberArchive.State.REJECTED)
    agree(tree)
    assert stats.new_member_count(tree.city, 2024) == stats.new_member_count(tree.branch_b, 2024) == 0
    Person.objects.filter(pk=a.pk).update(branch=None)
    agree(tree)
    Person.objects.filter(branch=tree.branch_b).delete()
    agree(tree)
    assert kept(tree.central)[figures.AGE] == {}


@pytest.mark.django_db(transaction=True)
def test_commit_adds_the_deltas_to_the_shared_rows(tree):
    """After COMMIT the transaction's deltas are gone and the shared rows hold the figures -- the
    same rows a rebuild from the people gives."""
    with transaction.atomic():
        member(tree.branch_a, joined_month=required_from())
        member(tree.branch_b, ethnicity="壮族")
    assert not FigureDelta.objects.exists()
    agree(tree)
    kept_rows = set(SubtreeFigure.objects.exclude(n=0).values_list("org_id", "dim", "key", "n"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT members_figures_rebuild()")
    assert set(SubtreeFigure.objects.values_list("org_id", "dim", "key", "n")) == kept_rows


@pytest.mark.django_db(transaction=True)
def test_two_transactions_change_one_country_without_waiting(tree):
    """No national lock: while one transaction that entered a member in A1 is still open, another
    enters one in B1 (the same 团中央, the same birth date) and commits; then the first commits,
    and both count."""
    entered, second_done, errors = threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                member(tree.branch_a)
                entered.set()
                assert second_done.wait(20), "the second transaction waited for the first"
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            assert entered.wait(20)
            with transaction.atomic():
                member(tree.branch_b)
            second_done.set()
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert figures.counts(tree.central, figures.AGE) == {"2008-05-06": 2}
    agree(tree)
