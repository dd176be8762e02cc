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
