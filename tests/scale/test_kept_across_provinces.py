"""What the database keeps per province and per org, across province boundaries (issues 17.3, 18):
an incentive record's provinces (`recorder_top`, `person_top`, incentives/migrations/0002) and a
lecture's studied counts (`LectureStudyCount`, orgs/migrations/0014) follow a member who moves --
a transfer (TRF-08), an import-like bulk update, a deletion clearing the branch -- in the same
transaction, so each province's 入团激励 list and each 学习情况 figure stay what the rows say."""

import re
import threading
import time
from datetime import date

import pytest
from django.db import connection, connections, transaction

from incentives import services as incentive_services
from incentives.choices import DevelopmentKind, Kind, OpportunityCategory
from incentives.models import IncentiveRecord, Opportunity
from members.models import Person
from orgs import lectures
from orgs.models import LectureStudy, LectureStudyCount, Organization, PublicLecture
from tests import factories as f
from tests.scale.test_forest import country
from transfers import services as transfer_services
from transfers.choices import Reason, State
from zhtj.core import tree

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the kept columns are PostgreSQL's")


def _branches(province):
    return list(Organization.objects.subtree_of(province).filter(is_branch_kind=True).order_by("tree_id", "lft"))


def _listed(client, kind="joining"):
    page = client.get(f"/incentives/{kind}/").content.decode()
    return [int(pk) for pk in re.findall(r'data-record="(\d+)"', page)]


def _by_ranges(province, kind=Kind.JOINING):
    """The scope rule itself (ROLE-02, TRF-08): recorded in the province, or of a member there now."""
    q = tree.subtree_q(province, "recorder") | tree.subtree_q(province, "person__branch")
    rows = IncentiveRecord.objects.filter(q, kind=kind).order_by("-created_at", "-pk")
    return list(rows.values_list("pk", flat=True))


def _tops(record):
    return IncentiveRecord.objects.values_list("recorder_top", "person_top").get(pk=record.pk)


def test_an_incentive_record_moves_between_provinces_with_its_member(db, login, client, fast_hasher):
    """INC-15, INC-10, TRF-08, ROLE-02 (issue 18): a member's 入团激励 and 发展激励 are listed by the
    province that recorded them and by the province the member is in now -- before and after a transfer from A to
    B, a bulk move to C, and the branch cleared -- and by no other; each province's list is what
    the subtree ranges say, newest first."""
    _, made = country(provinces=3, branches=1, members=2)
    (a, _, _, a_college), (b, _, _, b_college), (c, *_) = made
    provinces = (a, b, c)
    admins = {p.pk: f.admin_of(p, f"{p.name}管理员") for p in provinces}
    members = Person.objects.filter(branch__isnull=False)
    members.update(joined_month=date(2018, 5, 1))
    incentive_services.record_joinings(list(members))  # as an import records them (INC-15)
    person = Person.objects.filter(branch__in=_branches(a)).order_by("pk").first()
    record = IncentiveRecord.objects.get(kind=Kind.JOINING, person=person)
    (recommended,) = incentive_services.record_development(  # a 发展激励 record of A's college
        a_college, [person], by=f.admin_of(a_college), dev_kind=DevelopmentKind.MARXISM, recommended_on=date(2026, 5, 1)
    )

    def check(recorded, held):
        assert _tops(record) == _tops(recommended) == (recorded.pk, held.pk if held else None)
        for p in provinces:
            client = login(admins[p.pk], p)
            listed = _listed(client)
            assert listed == _by_ranges(p)
            assert (record.pk in listed) == (p in (recorded, held))
            developments = client.get("/incentives/development/", {"type": DevelopmentKind.MARXISM}).content.decode()
            assert (f'data-person="{person.name}"' in developments) == (p in (recorded, held))

    check(a, a)
    # a transfer to a branch of province B (办理转出, approved by the target's superior)
    target = _branches(b)[0]
    (t,) = transfer_services.start_outbound(
        a_college, [person], target, by=f.admin_of(a_college), reason=Reason.JOB_CHANGE
    )
    t = transfer_services.act(b_college, t, "approve", by=f.admin_of(b_college))
    assert t.state == State.COMPLETED
    check(a, b)
    # a bulk move (as an import or a batch transfer writes it) to province C
    Person.objects.filter(pk=person.pk).update(branch=_branches(c)[0])
    check(a, c)
    # a deletion clears the branch (MEM-09): only the recording province keeps it
    Person.objects.filter(pk=person.pk).update(branch=None)
    check(a, None)


def test_a_record_saved_by_the_orm_keeps_its_provinces(db, fast_hasher):
    """A record made through the ORM is saved again with what it held in memory (no province: the
    trigger set it in the database); the save doesn't clear it, and a record of a member who moves
    later is not put back by a stale copy."""
    _, made = country(provinces=2, branches=1, members=1)
    (a, *_), (b, *_) = made
    branch = _branches(a)[0]
    person = Person.objects.get(branch=branch)
    record = incentive_services.create_record(
        Opportunity,
        kind=Kind.OPPORTUNITY,
        recorder=branch.parent,
        by=f.admin_of(branch.parent),
        person=person,
        summary="挂职锻炼",
        category=OpportunityCategory.values[0],
        title="挂职锻炼",
        occurred_on="2026-05-01",
    )
    assert record.person_top_id is None  # in memory
    record.summary = "挂职锻炼（改）"
    record.save()
    assert _tops(record) == (a.pk, a.pk)
    stale = IncentiveRecord.objects.get(pk=record.pk)
    Person.objects.filter(pk=person.pk).update(branch=_branches(b)[0])
    stale.save()  # writes person_top = A back: the trigger recomputes it from the member's branch
    assert _tops(record) == (a.pk, b.pk)


def _rates(lecture, scope):
    """(kept, live): {child: (studied, members)} by `study_rates` and by the live grouped query."""
    children = list(scope.get_children())
    kept = {c.pk: (c.studied_count, c.member_count) for c in lectures.study_rates(lecture, scope, children)}
    live = lectures._live_rates(lecture, sorted(children, key=tree.key))
    return kept, {c.pk: (live.get(c.pk, {}).get("studied", 0), live.get(c.pk, {}).get("members", 0)) for c in children}


def test_study_counts_follow_the_member_between_provinces(db, fast_hasher):
    """EDU-02, TRF-08, STAT-03: the studied / members figures per direct child, from the kept counts
    and the subtree figures, equal the live grouped query at every level -- after studies, a
    transfer from province A to B, a bulk move, a branch cleared and a study deleted; a provincial
    lecture seen from 团中央 counts its own province only."""
    central, made = country(provinces=3, branches=2, members=3)
    (a, a_city, a_uni, a_college), (b, _, _, b_college), (c, *_) = made
    national = PublicLecture.objects.create(publisher=central, title="全国团课", speaker="讲者", link="https://e.org/")
    provincial = PublicLecture.objects.create(publisher=a, title="省团课", speaker="讲者", link="https://e.org/")
    people = list(Person.objects.filter(branch__isnull=False).order_by("pk"))
    for i, person in enumerate(people):
        if i % 2 == 0:
            lectures.record_study(national, person)
        if person.branch.tree_id == a_uni.tree_id and i % 3 == 0:
            lectures.record_study(provincial, person)
    lectures.record_study(national, people[0])  # twice: counted once

    def same_everywhere():
        for lecture in (national, provincial):
            for scope in (central, a, a_city, a_uni, a_college, b, b_college):
                kept, live = _rates(lecture, scope)
                assert kept == live, (lecture.title, scope.name)

    same_everywhere()
    kept, _ = _rates(national, central)
    assert kept[a.pk] == (3, 6) and kept[b.pk] == (3, 6)
    kept, _ = _rates(provincial, central)
    assert kept[b.pk] == kept[c.pk] == (0, 0) and kept[a.pk][1] == 6

    mover = people[0]  # studied both, in province A
    (t,) = transfer_services.start_outbound(
        a_college, [mover], _branches(b)[0], by=f.admin_of(a_college), reason=Reason.JOB_CHANGE
    )
    assert transfer_services.act(b_college, t, "approve", by=f.admin_of(b_college)).state == State.COMPLETED
    same_everywhere()
    kept, _ = _rates(national, central)
    assert kept[a.pk] == (2, 5) and kept[b.pk] == (4, 7)

    Person.objects.filter(pk=people[2].pk).update(branch=_branches(c)[1])  # a bulk move A → C
    Person.objects.filter(pk=people[4].pk).update(branch=None)  # a deletion (MEM-09)
    LectureStudy.objects.filter(person=people[6]).delete()
    same_everywhere()
    assert not LectureStudyCount.objects.filter(studied__lt=0).exists()


def _while_moving(person, branch, act):
    """Run `act()` in a second connection while this member's move to `branch` is written but not yet
    committed (a transfer's transaction still open); the move commits half a second later."""
    moved, release = threading.Event(), threading.Event()

    def move():
        try:
            with transaction.atomic():
                Person.objects.filter(pk=person.pk).update(branch=branch)
                moved.set()
                release.wait(10)
        finally:
            connections.close_all()

    mover = threading.Thread(target=move)
    mover.start()
    assert moved.wait(10)
    outcome = []
    actor = threading.Thread(target=lambda: (outcome.append(act()), connections.close_all()))
    actor.start()
    time.sleep(0.5)  # the act is waiting for the move (or, unlocked, would be done already)
    release.set()
    mover.join(10)
    actor.join(10)
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_a_study_or_a_record_made_while_the_member_moves_lands_on_the_new_path(fast_hasher):
    """EDU-02, INC-15, TRF-08 under a race: a member studies a lecture, and is given a record, while
    their transfer to another province is being written. Each waits for the move and is counted
    where the member is now -- not on the path the move has just left (which the move, not seeing
    the uncommitted study or record, would never correct)."""
    central, made = country(provinces=2, branches=1, members=1)
    (a, *_), (b, *_) = made
    lecture = PublicLecture.objects.create(publisher=central, title="全国团课", speaker="讲者", link="https://e.org/")
    person = Person.objects.get(branch=_branches(a)[0])
    _while_moving(person, _branches(b)[0], lambda: lectures.record_study(lecture, person))
    kept, live = _rates(lecture, central)
    assert kept == live and kept[b.pk] == (1, 2) and kept[a.pk] == (0, 0)

    branch, admin = _branches(a)[0], f.admin_of(b)
    record = _while_moving(
        person,
        branch,
        lambda: incentive_services.create_record(
            Opportunity,
            kind=Kind.OPPORTUNITY,
            recorder=b,
            by=admin,
            person=person,
            summary="重大活动",
            category=OpportunityCategory.MAJOR_EVENT,
            title="重大活动",
            occurred_on="2026-05-01",
        ),
    )
    assert _tops(record) == (b.pk, a.pk)
    kept, live = _rates(lecture, central)
    assert kept == live and kept[a.pk] == (1, 1) and kept[b.pk] == (0, 1)
