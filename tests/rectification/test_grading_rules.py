"""对标定级 rules of rectification/grading.py with more than one org and more than one year in the
data (issue 22): a branch's record is its own, the review list is the acting committee's own, and
the JOB-05 lock takes the years up to the one whose lock instant has passed."""

from datetime import datetime

from django.utils import timezone

from rectification import grading
from rectification.choices import GrdState
from rectification.models import GradingRecord


def _record(org, year, state=GrdState.REVIEWED, level="3"):
    return GradingRecord.objects.create(org=org, year=year, self_level=level, review_level=level, state=state)


def test_a_branch_record_is_its_own_and_of_its_year(camp):
    first, second = camp.branches[:2]
    mine = _record(first, 2025)
    _record(second, 2025)
    _record(first, 2024)
    assert grading.record_of(first, 2025) == mine
    assert grading.record_of(camp.branches[2], 2025) is None


def test_lock_takes_the_years_whose_instant_has_passed(camp, clock):
    """JOB-05 at its default (December 31, 12:00): at 11:59:59 last year's reviewed records lock,
    this year's don't; from 12:00 this year's do. Unreviewed records never lock."""
    old, last, this = (_record(camp.branches[i], year) for i, year in enumerate((2023, 2024, 2025)))
    pending = _record(camp.branches[3], 2023, state=GrdState.PENDING)
    before = timezone.make_aware(datetime(2025, 12, 31, 11, 59, 59))
    assert grading.lock(before) == {"changed": 2, "year": 2024}
    assert [GradingRecord.objects.get(pk=r.pk).state for r in (old, last, this, pending)] == [
        GrdState.LOCKED,
        GrdState.LOCKED,
        GrdState.REVIEWED,
        GrdState.PENDING,
    ]
    clock.shift(3600)  # the job runs later than the records were written
    locking = timezone.now()
    assert grading.lock(timezone.make_aware(datetime(2025, 12, 31, 12, 0))) == {"changed": 1, "year": 2025}
    locked = GradingRecord.objects.get(pk=this.pk)
    assert locked.state == GrdState.LOCKED and locked.updated_at >= locking  # 处理时间: when it locked


def test_review_list_shows_each_branch_its_own_record(camp):
    """GRD-04/GRD-06: each row of the review list carries its own branch's record of the year, not
    another branch's nor another year's; a branch not yet rated has none."""
    first, second = camp.branches[:2]
    _record(first, 2026, state=GrdState.PENDING, level="5")
    _record(second, 2026, state=GrdState.PENDING, level="2")
    _record(camp.branches[2], 2025, level="4")
    rows = {row.pk: (row.g_self, row.g_state) for row in grading.review_rows(camp.committee, 2026)}
    assert rows[first.pk] == ("5", GrdState.PENDING)
    assert rows[second.pk] == ("2", GrdState.PENDING)
    assert rows[camp.branches[2].pk] == (None, None)
