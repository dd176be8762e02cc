"""Year-end carry-over (REC-13, JOB-06): unfinished key branches move into next year's campaign,
set-based and idempotent, from `run_job --date`."""

import time_machine
from django.core.management import call_command

from rectification.models import CampaignRecord

from .conftest import at
from .helpers import as_branch, as_committee, review, state, submit


def make_key(login, camp, i, poor):
    submit(as_branch(login, camp, i), poor)
    review(as_committee(login, camp), camp.branches[i], "start_key")


def test_unfinished_key_branches_carry_over_once(client, login, camp):
    """REC-13 / JOB-06: 重点整改中 / 待审核 / 继续整改 at year end → 2027 record 重点整改中; finished
    ones (已摘牌) and non-key ones don't; a second run changes nothing."""
    make_key(login, camp, 0, 5)  # key
    make_key(login, camp, 1, 5)
    submit(as_branch(login, camp, 1), 3)  # key_pending
    make_key(login, camp, 2, 5)
    submit(as_branch(login, camp, 2), 3)
    review(as_committee(login, camp), camp.branches[2], "pass_key")  # delisted: done
    submit(as_branch(login, camp, 3), 2)  # pending, not key
    with time_machine.travel(at(2027, 1, 1, 0, 30), tick=False):
        call_command("run_job", "rectification_carry_over", "--date", "2027-01-01")
        assert [state(b, 2027) for b in camp.branches[:4]] == ["key", "key", None, None]
        carried = CampaignRecord.objects.get(branch=camp.branches[1], year=2027)
        assert carried.carried_over and carried.poor_count == 3 and carried.key_since
        call_command("run_job", "rectification_carry_over", "--date", "2027-01-01")
    assert CampaignRecord.objects.filter(year=2027).count() == 2
    from zhtj.core.models import JobRun

    assert list(JobRun.objects.order_by("pk").values_list("changed", flat=True)) == [2, 0]


def test_not_before_the_key_deadline(client, login, camp):
    """REC-13 / JOB-08: during December the campaign is still on: a replay of Dec 31 (beat's
    00:30 of that day) carries nothing; the replay of Jan 1 carries, as beat does on Jan 1."""
    make_key(login, camp, 0, 5)
    call_command("run_job", "rectification_carry_over", "--date", "2026-12-31")
    assert not CampaignRecord.objects.filter(year=2027).exists()
    call_command("run_job", "rectification_carry_over", "--date", "2027-01-01")
    assert state(camp.branches[0], 2027) == "key"


def test_carried_branch_resubmits_next_campaign(client, login, camp):
    """REC-13: next September the carried branch's form goes to the key re-review (待审核)."""
    make_key(login, camp, 0, 5)
    call_command("run_job", "rectification_carry_over", "--date", "2027-01-01")
    with time_machine.travel(at(2027, 9, 5, 9, 0), tick=False):
        b = as_branch(login, camp, 0)
        assert "纳入重点整顿团支部" in b.get("/").content.decode()
        submit(b, 1, month="2027-09")
        assert state(camp.branches[0], 2027) == "key_pending"


def test_jobs_are_registered_and_scheduled(settings):
    """JOB-05 / JOB-06 / JOB-08: both jobs are in the registry and in the beat schedule; the lock
    runs at GRD_LOCK_AT (December 31, 12:00)."""
    from zhtj.core.jobs import registered

    beat = settings.CELERY_BEAT_SCHEDULE
    for name in ("grading_lock", "rectification_carry_over"):
        assert name in registered() and beat[name]["args"] == [name]
    lock = beat["grading_lock"]["schedule"]
    assert (lock.month_of_year, lock.day_of_month, lock.hour, lock.minute) == ({12}, {31}, {12}, {0})


def test_carry_over_at_its_edge_with_records_of_two_years(camp, settings):
    """REC-13 / JOB-06, carry_over called directly: the key deadline (December 31) is over at
    January 1, 00:00 local time, not a microsecond before; every campaign year up to the last one over
    is swept (an unfinished 2025 record without a 2026 one is carried into 2026), a record whose branch
    has next year's already is not carried again; 重点整改中 / 待审核 / 继续整改 are carried, 已摘牌 and
    基本合格 not. Each new record is 重点整改中 with the last 较差 count, key since the run, carried over;
    the summary names the campaign year. With REC_KEY_DEADLINE moved to December 20, that year is over
    at December 21, 00:00."""
    from django.utils import timezone

    from rectification import services as s

    b = camp.branches

    def record(branch, year, state, poor=0):
        return CampaignRecord.objects.create(
            branch=branch, year=year, state=state, poor_count=poor, key_since=at(year, 10, 1)
        )

    record(b[0], 2025, "key", 11)  # carried into 2026 already (b[0]'s 2026 record)
    record(b[0], 2026, "key", 12)
    record(b[1], 2026, "key_pending", 4)
    record(b[2], 2026, "continue", 2)
    record(b[3], 2026, "delisted", 1)
    record(b[4], 2026, "basic", 3)
    record(b[5], 2025, "continue", 7)
    with time_machine.travel(at(2026, 12, 31, 23, 59, 59, 999999), tick=False):
        assert s.carry_over(timezone.now()) == {"changed": 1, "campaign_year": 2025, "carried": 1}
    assert list(CampaignRecord.objects.filter(year=2026, branch=b[5]).values_list("state", "poor_count")) == [
        ("key", 7)
    ]
    with time_machine.travel(at(2027, 1, 1, 0, 0), tick=False):
        assert s.carry_over(timezone.now()) == {"changed": 4, "campaign_year": 2026, "carried": 4}
        assert s.carry_over(timezone.now()) == {"changed": 0, "campaign_year": 2026, "carried": 0}
    carried = CampaignRecord.objects.filter(year=2027).order_by("branch__lft")
    assert [(r.branch, r.state, r.poor_count, r.key_since, r.carried_over) for r in carried] == [
        (b[0], "key", 12, at(2027, 1, 1, 0, 0), True),
        (b[1], "key", 4, at(2027, 1, 1, 0, 0), True),
        (b[2], "key", 2, at(2027, 1, 1, 0, 0), True),
        (b[5], "key", 7, at(2027, 1, 1, 0, 0), True),
    ]
    settings.ZHTJ = {**settings.ZHTJ, "REC_KEY_DEADLINE": (12, 20)}
    assert s.carry_over(at(2027, 12, 20, 23, 59, 59, 999999))["campaign_year"] == 2026
    assert s.carry_over(at(2027, 12, 21, 0, 0)) == {"changed": 4, "campaign_year": 2027, "carried": 4}


def test_carry_over_keeps_a_row_written_meanwhile(camp, monkeypatch):
    """REC-13 / JOB-06: a next-year record written between the carry-over's read and its INSERT (a
    second run at once, a replay) is kept as it is, and the other branches are carried all the same."""
    from django.db.models.query import QuerySet

    from rectification import services as s

    b = camp.branches
    for branch in b[:2]:
        CampaignRecord.objects.create(branch=branch, year=2026, state="key", poor_count=5, key_since=at(2026, 10, 1))
    real = QuerySet.bulk_create

    def meanwhile(self, objs, *args, **kwargs):
        CampaignRecord.objects.create(branch=b[0], year=2027, state="key", poor_count=9, carried_over=True)
        return real(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", meanwhile)
    assert s.carry_over(at(2027, 1, 1, 0, 30))["changed"] == 2
    monkeypatch.undo()
    carried = CampaignRecord.objects.filter(year=2027).order_by("branch__lft")
    assert [(r.branch, r.poor_count) for r in carried] == [(b[0], 9), (b[1], 5)]
