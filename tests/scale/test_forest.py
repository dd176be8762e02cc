"""The forest (issue 18, `zhtj.core.tree`) across province boundaries: subtree answers, creations
under a province and inside a school, a transfer between provinces, and national jobs fanned out
per province -- a share killed mid-way, rerun, changes every row exactly once."""

import os
import signal
import time
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from members.models import Person
from orgs.choices import Industry, LeadershipLevel, OrgCategory
from orgs.models import Organization
from orgs.suborgs import create_suborg
from tests import factories as f
from tests.core.test_celery_worker import needs_services
from tests.core.test_celery_worker import worker as worker  # noqa: F401,PLC0414 -- the real worker fixture
from tests.forest import assert_forest_consistent
from transfers.choices import Kind, Reason, State
from transfers.models import Transfer
from zhtj.core import jobs, tree
from zhtj.core.models import AuditLog, JobRun

YEAR = 2027
CREATION_QUERIES = 10  # create_suborg's statements, the same however many orgs the country holds


def country(provinces=2, branches=2, members=3):
    """团中央 → provinces → a city each → a university → a college → branches graduating in YEAR."""
    central = f.leadership("团中央")
    made = []
    for i in range(provinces):
        province = f.leadership(f"团测试{i}省委", central, LeadershipLevel.PROVINCE)
        city = f.leadership(f"团测试{i}市委", province, LeadershipLevel.CITY)
        uni = f.OrgFactory(name=f"测试{i}大学团委", parent=city, industry=Industry.UNIVERSITY)
        college = f.OrgFactory(name=f"测试{i}学院团委", parent=uni, industry=Industry.UNIVERSITY)
        for b in range(branches):
            branch = f.branch(college, f"{YEAR - 4}级{b + 1}班团支部", graduation_month=date(YEAR, 6, 1))
            for m in range(members):
                f.person(f"团员{i}{b}{m}", branch=branch)
        made.append((province, city, uni, college))
    return central, made


def test_subtrees_and_creations_across_provinces(db):
    """A province's subtree is its block of tree ids: an org created under it (a tree of its own),
    under its city, and inside its university lands in it and in no other province; the bounds of
    every tree stay whole."""
    central, [(a, a_city, a_uni, _), (b, _, b_uni, _)] = country()
    under_province = create_suborg(a, "测试直属团工委", OrgCategory.WORKING_COMMITTEE, "测试直属团工委")
    under_city = create_suborg(a_city, "测试集团团委", OrgCategory.COMMITTEE, "测试集团团委")
    in_school = create_suborg(a_uni, "新学院团委", OrgCategory.COMMITTEE, "测试0大学新学院团委")
    assert (under_province.lft, under_province.tree_parent_id) == (1, None)  # a new tree in A's block
    assert in_school.tree_id == a_uni.tree_id and in_school.tree_parent_id == a_uni.pk
    in_a = set(Organization.objects.subtree_of(a).values_list("pk", flat=True))
    in_b = set(Organization.objects.subtree_of(b).values_list("pk", flat=True))
    assert {under_province.pk, under_city.pk, in_school.pk} <= in_a and not in_a & in_b
    assert b_uni.pk in in_b and a.contains(in_school) and not b.contains(in_school)
    assert Organization.objects.subtree_of(central).count() == Organization.objects.count()
    assert_forest_consistent()


def _bounds_outside(tree_id):
    return set(Organization.objects.exclude(tree_id=tree_id).values_list("pk", "tree_id", "lft", "rght"))


@pytest.mark.parametrize("provinces", [2, 5])
def test_creating_an_org_touches_only_its_own_tree(db, provinces, django_assert_num_queries):
    """BEY-10: creating an org inside a university shifts only that university's tree — no row of any
    other tree (the rest of the country) changes — with the same queries whatever the country's size
    (exactly the same count for 2 and 5 provinces)."""
    _, made = country(provinces=provinces, branches=1, members=0)
    uni = made[0][2]
    before = _bounds_outside(uni.tree_id)
    with django_assert_num_queries(CREATION_QUERIES):
        created = create_suborg(uni, "新学院团委", OrgCategory.COMMITTEE, "测试0大学新学院团委")
    assert created.tree_id == uni.tree_id
    assert _bounds_outside(uni.tree_id) == before
    assert_forest_consistent()


def test_a_transfer_between_provinces_moves_the_member_between_scopes(db):
    """A member who moves from a branch of province A to one of province B leaves A's subtree and
    enters B's (the lists of each are range queries on the branch); the open transfer is seen from
    both ends (its branch of origin in A, its target in B)."""
    _, [(a, *_), (b, _, _, b_college)] = country(members=1)
    person = Person.objects.filter(branch__parent__parent__parent__parent=a).first()
    target = Organization.objects.filter(parent=b_college).first()
    transfer = Transfer.objects.create(
        kind=Kind.MEMBER,
        person=person,
        from_branch=person.branch,
        target=target,
        requested_by=person,
        reason=Reason.GRADUATION,
        state=State.RECEIVING,
    )
    assert Transfer.objects.filter(tree.subtree_q(a, "from_branch")).get() == transfer
    assert Transfer.objects.filter(tree.subtree_q(b, "target")).get() == transfer
    members_of = lambda org: set(tree.in_subtree(Person.objects.all(), org, "branch"))  # noqa: E731
    assert person in members_of(a) and person not in members_of(b)
    person.branch = target
    person.save(update_fields=["branch"])
    assert person in members_of(b) and person not in members_of(a)


def test_national_job_runs_per_province_and_says_what_changed(db, capsys):
    """JOB-01 fanned out: `run_job` runs one share per province, each its own transaction, and says
    per province what changed; a second run changes nothing."""
    country(provinces=3)
    call_command("run_job", "graduate_conversion", "--date", f"{YEAR}-06-01")
    out = capsys.readouterr().out
    assert "变更 24 条" in out  # 3 provinces × (2 branches + 6 members)
    for i in range(3):
        assert f"团测试{i}省委: 变更 8 条" in out
    assert (
        "团中央" in [p.label for p in jobs.parts("graduate_conversion")] and len(jobs.parts("graduate_conversion")) == 4
    )
    assert jobs.run("graduate_conversion", date(YEAR, 6, 1)).changed == 0


def test_a_share_that_died_is_redone_by_the_rerun_exactly_once(db):
    """A share whose transaction never committed (its worker killed) left nothing; the rerun changes
    exactly the rows still to change, so every org and member is converted once, with one audit row
    per org."""
    country(provinces=3)
    parts = jobs.parts("graduate_conversion")
    done = jobs.run_part("graduate_conversion", date(YEAR, 6, 1), parts[1])  # only A finished
    assert done["changed"] == 8
    record = jobs.run("graduate_conversion", date(YEAR, 6, 1))
    assert record.changed == 16 and record.summary["parts"] == {"团测试1省委": 8, "团测试2省委": 8}
    assert not Person.objects.filter(is_graduate=False).exists()
    converted = AuditLog.objects.filter(action="graduate_conversion").values_list("object_id", flat=True)
    assert sorted(converted) == sorted(set(converted)) and len(converted) == 6


def test_age_out_and_transfer_deadlines_run_per_province(db):
    """JOB-07 and JOB-02 are national sweeps too: run per province, with the same totals."""
    country(provinces=2, members=1)
    old = Person.objects.first()
    old.birth_date = date(1990, 1, 1)
    old.save(update_fields=["birth_date"])
    record = jobs.run("age_out", date(YEAR, 6, 1))
    assert record.changed == 1 and record.summary["part_count"] == 3
    assert jobs.registered()["transfer_deadlines"].by_province


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(needs_services and os.environ.get("CI") != "true", reason="needs REDIS_URL and PostgreSQL")
def test_real_worker_fans_out_and_a_killed_run_is_finished_by_the_rerun(worker):  # noqa: F811
    """JOB-01 through Redis to a real worker: one task per province and a chord that records the
    run; the worker is killed as soon as the first province has committed, and `run_job` then
    changes exactly the rows the dead run left, so each row is changed once."""
    from zhtj.core.tasks import run_scheduled_job

    country(provinces=4)
    total = 4 * 8
    run_scheduled_job.delay("graduate_conversion", f"{YEAR}-06-01")
    deadline = time.time() + 120
    while not Organization.objects.filter(category=OrgCategory.GRADUATE).exists() and time.time() < deadline:
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=20)
    before = (
        Organization.objects.filter(category=OrgCategory.GRADUATE).count()
        + Person.objects.filter(is_graduate=True).count()
    )
    assert 0 < before <= total
    rerun = jobs.run("graduate_conversion", date(YEAR, 6, 1))
    assert rerun.changed == total - before
    assert Organization.objects.filter(category=OrgCategory.GRADUATE).count() == 8
    assert not Person.objects.filter(is_graduate=False).exists()
    converted = list(AuditLog.objects.filter(action="graduate_conversion").values_list("object_id", flat=True))
    assert len(converted) == len(set(converted)) == 8
    assert JobRun.objects.filter(name="graduate_conversion", finished_at__gte=timezone.now() - timedelta(hours=1))
