"""Demo data of 组织生活 and 团内大数据 (orgs/demo.py through `manage.py seed_demo`): present and idempotent."""

from io import StringIO

from django.core.management import call_command

from members import stats
from orgs.models import AnnualRegistration, LifeRecord, Organization


def test_demo_has_records_registrations_and_statistics(db, fast_hasher):
    """ORG-18 / STAT-01: the demo shows meetings with participants, registrations in every state and
    non-empty distributions; a second run adds nothing."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "组织生活演示数据" in out.getvalue()
    branch = Organization.objects.get(name="计算机专业2023级1班团支部")
    assert LifeRecord.objects.filter(branch=branch).count() == 5
    assert LifeRecord.objects.filter(branch=branch, participants__isnull=False).exists()
    assert set(AnnualRegistration.objects.values_list("state", flat=True)) == {"pending", "approved", "rejected"}
    upc = Organization.objects.get(name="中国石油大学（华东）团委")
    assert len([n for _, n in stats.ethnicity_distribution(upc).rows if n]) > 2
    before = (LifeRecord.objects.count(), AnnualRegistration.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (LifeRecord.objects.count(), AnnualRegistration.objects.count()) == before
