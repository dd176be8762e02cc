"""ARC-01 / ARC-05: the 2020 boundary (ARCHIVE_REQUIRED_FROM_YEAR) at its edge — 2019-12 and 2020-01 —
in each place that uses it: who needs an e-archive, transfers (TRF-07) and statistics (STAT-02)."""

from datetime import date

from members.archives import needs_archive_q, transfer_refusal, transfer_refusals
from members.models import Person
from members.stats import new_member_count
from tests import factories as f


def _people(tree):
    december = f.person("十二月入团", branch=tree.branch_a, joined_month=date(2019, 12, 1))
    january = f.person("一月入团", branch=tree.branch_a, joined_month=date(2020, 1, 1))
    return december, january


def test_archives_needed_from_january_2020(tree):
    december, january = _people(tree)
    assert set(Person.objects.filter(needs_archive_q())) == {january}


def test_transfers_refuse_from_january_2020(tree):
    december, january = _people(tree)
    assert transfer_refusal(december) is None
    assert transfer_refusal(january).startswith("一月入团为2020年及以后入团的新发展团员")
    assert set(transfer_refusals(Person.objects.filter(pk__in=[december.pk, january.pk]))) == {january.pk}


def test_statistics_count_from_january_2020_only_when_verified(tree):
    """STAT-02: 2019's new members count without an archive; 2020's only once it is approved."""
    _people(tree)
    assert new_member_count(tree.uni, 2019) == 1
    assert new_member_count(tree.uni, 2020) == 0


def test_the_boundary_follows_the_setting(tree, settings):
    december, january = _people(tree)
    settings.ZHTJ = {**settings.ZHTJ, "ARCHIVE_REQUIRED_FROM_YEAR": 2021}
    assert set(Person.objects.filter(needs_archive_q())) == set()
    assert transfer_refusal(january) is None
    assert new_member_count(tree.uni, 2020) == 1
