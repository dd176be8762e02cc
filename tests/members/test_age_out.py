"""超龄 (MEM-11, JOB-07): the yearly job flags, the branch confirms."""

from datetime import date
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import CadrePost, Person
from tests import factories as f
from tests.members.people_data import person_born


def test_job_flags_28_without_post_idempotent(tree, fast_hasher):
    """MEM-11 / JOB-07 / JOB-08: 28 and no post → flagged; a post or being 27 → not; party
    members at 28 too; run twice via run_job --date, the second changes nothing."""
    old = person_born("超龄", date(1998, 1, 1), branch=tree.branch_a)
    party = person_born("党员", date(1998, 1, 1), branch=tree.branch_a, political_status="party_member")
    young_party = person_born("年轻党员", date(2000, 1, 1), branch=tree.branch_a, political_status="party_member")
    cadre = person_born("团干部", date(1990, 1, 1), branch=tree.branch_a)
    CadrePost.objects.create(person=cadre, org=tree.branch_a, title="secretary")
    young = person_born("年轻", date(1998, 1, 2), branch=tree.branch_a)
    call_command("run_job", "age_out", "--date", "2026-01-01", stdout=StringIO())
    flagged = set(Person.objects.filter(aged_out_on__isnull=False).values_list("pk", flat=True))
    assert flagged == {old.pk, party.pk}
    assert young.pk not in flagged and young_party.pk not in flagged and cadre.pk not in flagged
    before = list(Person.objects.order_by("pk").values_list("aged_out_on", flat=True))
    call_command("run_job", "age_out", "--date", "2026-01-01", stdout=StringIO())
    assert list(Person.objects.order_by("pk").values_list("aged_out_on", flat=True)) == before
    from zhtj.core.models import JobRun

    assert list(JobRun.objects.filter(name="age_out").order_by("pk").values_list("changed", flat=True)) == [2, 0]
    assert "age_out" in settings.CELERY_BEAT_SCHEDULE


def test_branch_confirms_leaving(tree, login, fast_hasher):
    """MEM-11: the flagged member is listed; the branch confirms; the grand-parent can't."""
    old = person_born("超龄", date(1990, 1, 1), branch=tree.branch_a)
    call_command("run_job", "age_out", "--date", "2026-01-01", stdout=StringIO())
    uni = login(f.admin_of(tree.uni), tree.uni)
    assert "超龄" in uni.get(reverse("members:aged_out")).content.decode()
    uni.post(reverse("members:aged_out"), {"ids": [old.pk]})
    assert Person.objects.get(pk=old.pk).branch_id == tree.branch_a.pk
    branch = login(f.admin_of(tree.branch_a), tree.branch_a)
    assert branch.post(reverse("members:aged_out"), {"ids": [old.pk]}).status_code == 302
    old = Person.objects.get(pk=old.pk)
    assert old.branch is None and old.left_league_on is not None


def test_aged_out_list_constant_queries(tree, login, fast_hasher, django_assert_max_num_queries):
    """MEM-11 / performance: 超龄团员 runs the same queries for 2 or 20 flagged members in two branches."""
    second = f.branch(tree.col_a, "A2团支部")

    def flag(n, start):
        for i in range(start, start + n):
            person_born(f"超龄{i}", date(1990, 1, 1), branch=(tree.branch_a, second)[i % 2])
        call_command("run_job", "age_out", "--date", f"2026-01-{1 + start:02d}", stdout=StringIO())

    client = login(f.admin_of(tree.col_a), tree.col_a)
    flag(2, 0)
    client.get(reverse("members:aged_out"))  # warm-up: session, messages
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("members:aged_out"))
    flag(18, 2)
    with django_assert_max_num_queries(len(ctx)):
        html = client.get(reverse("members:aged_out")).content.decode()
    assert html.count('data-person="') == 20


def test_replayed_day_flags_on_the_28th_birthday_not_before(tree, fast_hasher):
    """MEM-11 / JOB-08 at the edge: `run_job age_out --date D` acts as of D — a member turning 28 on
    2026-03-02 is not flagged by the replay of 03-01 and is by the replay of 03-02."""
    turning = person_born("生日", date(1998, 3, 2), branch=tree.branch_a)
    call_command("run_job", "age_out", "--date", "2026-03-01", stdout=StringIO())
    assert Person.objects.get(pk=turning.pk).aged_out_on is None
    call_command("run_job", "age_out", "--date", "2026-03-02", stdout=StringIO())
    assert Person.objects.get(pk=turning.pk).aged_out_on == date(2026, 3, 2)


def test_job_summary_counts_both_ways_per_province(tree, fast_hasher):
    """MEM-11 / JOB-07 / JOB-08: one run flags a member of 28 and unflags a flagged member who has
    since taken a post; the summary counts each, and 山东's share (not 团中央's) does both."""
    from zhtj.core import jobs

    old = person_born("超龄", date(1998, 1, 1), branch=tree.branch_a)
    cadre = person_born("新任团干部", date(1990, 1, 1), branch=tree.branch_a)
    Person.objects.filter(pk=cadre.pk).update(aged_out_on=date(2025, 1, 1))
    CadrePost.objects.create(person=cadre, org=tree.branch_a, title="secretary")
    summary = jobs.run("age_out", date(2026, 1, 1)).summary
    assert summary == {
        "changed": 2,
        "flagged": 1,
        "unflagged": 1,
        "parts": {tree.province.name: 2},
        "part_count": 2,
    }
    assert Person.objects.get(pk=old.pk).aged_out_on == date(2026, 1, 1)
    assert Person.objects.get(pk=cadre.pk).aged_out_on is None
