"""rectification.demo adds a campaign to the seed_demo tree, idempotently."""

import io

from django.core.management import call_command

from rectification import demo
from rectification.models import CampaignRecord, GradingRecord


def test_demo_seed_is_idempotent(db, fast_hasher, clock):
    call_command("seed_demo", stdout=io.StringIO())
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    states = sorted(CampaignRecord.objects.values_list("state", flat=True))
    assert states == ["key", "pending", "qualified"]
    assert GradingRecord.objects.count() == 2
