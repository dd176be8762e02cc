"""The June 1 graduate conversion (ORG-16, JOB-01, JOB-08) and graduate orgs staying usable (ORG-17)."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from members.models import Person
from orgs import graduation
from orgs.choices import LeadershipLevel, OrgCategory
from orgs.graduation import run_day
from orgs.models import Organization
from orgs.suborgs import _insert_leaves
from tests import factories as f
from zhtj.core import jobs
from zhtj.core.audit import acting_as
from zhtj.core.models import AuditLog, JobRun
from zhtj.core.tasks import run_scheduled_job

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


def _mark(org, month=None, reason=""):
    Organization.objects.filter(pk=org.pk).update(
        graduation_month=month, graduation_unknown_reason=reason, graduation_marked_at=datetime(2027, 2, 1, tzinfo=TZ)
    )
    return org


@pytest.fixture
def classes(tree):
    """Branches of 学院A团委 marked for 2027 (two), 2028, a reason, and one unmarked; members in each."""

    class Classes:
        pass

    c = Classes()
    c.tree = tree
    c.y2027a = _mark(tree.branch_a, date(2027, 7, 1))
    c.y2027b = _mark(f.branch(tree.col_b, "2023级2班团支部"), date(2027, 1, 1))
    c.y2028 = _mark(f.branch(tree.col_a, "2024级1班团支部"), date(2028, 7, 1))
    c.reason = _mark(f.branch(tree.col_a, "教职工团支部"), reason="教职工团支部，成员不是在校学生")
    c.unmarked = f.branch(tree.col_a, "2025级1班团支部")
    c.members = {
        name: [f.person(f"{name}团员{i}", branch=getattr(c, name)) for i in range(3)]
        for name in ("y2027a", "y2027b", "y2028", "reason", "unmarked")
    }
    return c


def category(org):
    return Organization.objects.values_list("category", flat=True).get(pk=org.pk)


def graduates():
    return set(Person.objects.filter(is_graduate=True).values_list("pk", flat=True))


def test_june_first_converts_this_years_branches(classes):
    """ORG-16 / JOB-01: run for 2027-06-01, every 团支部 marked for a month of 2027 becomes 毕业生团组织
    and all its members are flagged 毕业生; marks of 2028, reasons and unmarked branches are untouched;
    one audit row per converted org; the counts go to the JobRun."""
    out = StringIO()
    call_command("run_job", "graduate_conversion", "--date", "2027-06-01", stdout=out)
    assert category(classes.y2027a) == category(classes.y2027b) == OrgCategory.GRADUATE
    for name in ("y2028", "reason", "unmarked"):
        assert category(getattr(classes, name)) == OrgCategory.BRANCH
    expected = {p.pk for name in ("y2027a", "y2027b") for p in classes.members[name]}
    assert graduates() == expected
    run = JobRun.objects.get()
    assert (run.changed, run.summary["orgs"], run.summary["members"], run.summary["year"]) == (8, 2, 6, 2027)
    assert "变更 8 条" in out.getvalue()
    logs = AuditLog.objects.filter(action="graduate_conversion")
    assert set(logs.values_list("object_id", flat=True)) == {classes.y2027a.pk, classes.y2027b.pk}
    assert logs.first().changes == {"category": ["branch", "graduate"]}


def test_second_run_changes_nothing(classes):
    """ORG-16 / JOB-08: the job is idempotent: a second run finds nothing to change."""
    call_command("run_job", "graduate_conversion", "--date", "2027-06-01", stdout=StringIO())
    before = (graduates(), list(Organization.objects.order_by("pk").values_list("pk", "category")))
    call_command("run_job", "graduate_conversion", "--date", "2027-06-01", stdout=StringIO())
    assert (graduates(), list(Organization.objects.order_by("pk").values_list("pk", "category"))) == before
    assert list(JobRun.objects.order_by("started_at").values_list("changed", flat=True)) == [8, 0]
    assert AuditLog.objects.filter(action="graduate_conversion").count() == 2


def test_next_year_converts_next_years_marks(classes):
    """ORG-16: each year's run converts that year's marks only: --date picks the year."""
    call_command("run_job", "graduate_conversion", "--date", "2028-06-01", stdout=StringIO())
    assert category(classes.y2028) == OrgCategory.GRADUATE
    assert category(classes.y2027a) == OrgCategory.BRANCH
    assert graduates() == {p.pk for p in classes.members["y2028"]}


def test_the_run_date_decides_the_year_even_on_new_years_eve(classes):
    """JOB-08: a run for 2027-12-31 acts as of the end of that day, which is still 2027."""
    assert run_day(jobs.moment_for(date(2027, 12, 31))) == date(2027, 12, 31)
    call_command("run_job", "graduate_conversion", "--date", "2027-12-31", stdout=StringIO())
    assert JobRun.objects.get().summary["year"] == 2027
    assert category(classes.y2027a) == OrgCategory.GRADUATE and category(classes.y2028) == OrgCategory.BRANCH


def test_today_runs_for_this_year(classes):
    """JOB-01: without --date (as from Celery beat on June 1) the year is today's."""
    with time_machine.travel(datetime(2028, 6, 1, 1, 0, tzinfo=TZ), tick=False):
        call_command("run_job", "graduate_conversion", stdout=StringIO())
    assert category(classes.y2028) == OrgCategory.GRADUATE and category(classes.y2027a) == OrgCategory.BRANCH


def test_celery_task_runs_the_same_job(classes):
    """JOB-08: the beat task runs the same code as the command."""
    summary = run_scheduled_job.apply(args=["graduate_conversion", "2027-06-01"]).get()
    assert (summary["orgs"], summary["members"]) == (2, 6)
    assert JobRun.objects.get().via == "celery"


def test_beat_schedule_runs_on_the_conversion_date():
    """JOB-01: the beat entry fires once a year at 01:00 on ZHTJ["GRADUATION_CONVERSION_DATE"] (6月1日)."""
    assert settings.ZHTJ["GRADUATION_CONVERSION_DATE"] == (6, 1)
    entry = settings.CELERY_BEAT_SCHEDULE["graduate_conversion"]
    assert entry["task"] == "zhtj.core.tasks.run_scheduled_job" and entry["args"] == ["graduate_conversion"]
    assert entry["schedule"] == crontab(month_of_year=6, day_of_month=1, hour=1, minute=0)
    assert "graduate_conversion" in jobs.registered()


def _queries_for_members(tree, n):
    branch = _mark(f.branch(tree.col_a, f"{n}人团支部"), date(2027, 7, 1))
    Person.objects.bulk_create(
        [
            Person(id_number=f.new_id_number(), name=f"团员{i}", gender="1", birth_date=date(2005, 1, 1), branch=branch)
            for i in range(n)
        ]
    )
    with CaptureQueriesContext(connection) as ctx:
        call_command("run_job", "graduate_conversion", "--date", "2027-06-01", stdout=StringIO())
    assert Person.objects.filter(branch=branch, is_graduate=True).count() == n
    JobRun.objects.all().delete()
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_members(tree):
    """ORG-16 / JOB-01: set-based: converting a branch of 300 members takes as many queries as one of 3
    (a handful per province: the job runs one share of the country per province, issue 18)."""
    few = _queries_for_members(tree, 3)
    many = _queries_for_members(tree, 300)
    assert many == few
    assert few <= 4 + 5 * len(jobs.parts("graduate_conversion"))


def _queries_for_orgs(tree, n):
    """Run the June 1 job over `n` newly made 团支部 of 2027 under 学院A团委 (one member each)."""
    with transaction.atomic():
        _insert_leaves(
            Organization.objects.get(pk=tree.col_a.pk),
            [(f"{n}个之{i}团支部", f"{n}个之{i}团支部", OrgCategory.BRANCH) for i in range(n)],
        )
    made = Organization.objects.filter(name__startswith=f"{n}个之")
    made.update(graduation_month=date(2027, 7, 1), graduation_marked_at=datetime(2027, 2, 1, tzinfo=TZ))
    Person.objects.bulk_create(
        [
            Person(id_number=f.new_id_number(), name="团员", gender="1", birth_date=date(2005, 1, 1), branch=b)
            for b in made
        ]
    )
    with CaptureQueriesContext(connection) as ctx:
        call_command("run_job", "graduate_conversion", "--date", "2027-06-01", stdout=StringIO())
    assert made.filter(category=OrgCategory.GRADUATE).count() == n
    assert AuditLog.objects.filter(action="graduate_conversion", object_id__in=made.values("pk")).count() == n
    JobRun.objects.all().delete()
    return len(ctx.captured_queries)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL; SQLite goes by ids")
def test_query_count_does_not_grow_with_orgs_converted(tree):
    """ORG-16 / JOB-01 / BEY-05 (issue 18.3): a share's audit rows are one INSERT … SELECT fed by the
    UPDATE, not one INSERT per 500 orgs: converting 501 团支部 takes as many queries as converting 1."""
    assert _queries_for_orgs(tree, 1) == _queries_for_orgs(tree, 501)


def _audit_rows(action):
    fields = ("at", "actor_id", "acting_org_id", "content_type_id", "object_id", "action")
    return list(
        AuditLog.objects.filter(action=action)
        .order_by("object_id")
        .values_list(*fields, "from_state", "to_state", "changes", "note")
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement form is PostgreSQL's")
@pytest.mark.parametrize("explicit", [True, False])
def test_one_statement_writes_the_audit_rows_record_many_wrote(classes, explicit):
    """BEY-05: the conversion's audit rows written by the UPDATE's own INSERT … SELECT are, column
    for column, those `_record_many` wrote from the ids in Python -- with an actor and acting org
    given, and taken from the request's context (`acting_as`) when not."""
    admin = f.admin_of(classes.tree.uni)
    due = Organization.objects.filter(graduation_month__year=2027, category=OrgCategory.BRANCH)
    ids = sorted(due.values_list("pk", flat=True))
    changes = {"category": ["branch", "graduate"]}
    kw = {"actor": admin, "acting_org_id": classes.tree.uni.pk} if explicit else {}
    with (
        time_machine.travel(datetime(2027, 6, 1, 1, 0, tzinfo=TZ), tick=False),
        acting_as(admin, classes.tree.col_a.pk),
    ):
        with transaction.atomic():
            sid = transaction.savepoint()
            graduation._record_many(ids, "graduate_conversion", changes, note="说明", **kw)
            by_ids = _audit_rows("graduate_conversion")
            transaction.savepoint_rollback(sid)
        assert graduation._convert_recorded(due, changes, note="说明", **kw) == len(ids) == 2
    assert _audit_rows("graduate_conversion") == by_ids
    assert by_ids[0][1:3] == ((admin.pk, classes.tree.uni.pk) if explicit else (admin.pk, classes.tree.col_a.pk))
    assert category(classes.y2027a) == category(classes.y2027b) == OrgCategory.GRADUATE


# --- ORG-17: graduate orgs stay usable ---------------------------------------------------------------


def test_graduate_org_stays_branch_kind_editable_and_listed(client, login, classes):
    """ORG-17: a 毕业生团组织 is still branch-kind: the database trigger accepts new members in it and
    members transferring out of it; its info can be edited; it shows in 管理下级组织 and its page."""
    call_command("run_job", "graduate_conversion", "--date", "2027-06-01", stdout=StringIO())
    org = Organization.objects.get(pk=classes.y2027a.pk)
    assert org.category == OrgCategory.GRADUATE and org.is_branch_kind
    newcomer = f.person("延迟毕业团员", branch=org)  # the trigger refuses non-branch-kind orgs
    assert newcomer.branch_id == org.pk
    leaver = Person.objects.get(pk=classes.members["y2027a"][0].pk)
    leaver.branch = classes.unmarked
    leaver.save()
    leaver.refresh_from_db()
    assert leaver.branch_id == classes.unmarked.pk and leaver.is_graduate
    org.phone = "0532-88888888"
    org.save()
    assert Organization.objects.get(pk=org.pk).phone == "0532-88888888"
    c = login(f.admin_of(classes.tree.col_a))
    listing = c.get("/orgs/children/").content.decode()
    assert org.name in listing and "毕业生团组织" in listing
    assert c.get(f"/orgs/{org.pk}/").status_code == 200
    assert login(f.admin_of(org)).get("/members/").status_code == 200


def test_replay_of_may_31_converts_nothing_of_its_year(classes):
    """JOB-01 / JOB-08 at the edge: `run_job --date 2027-05-31` acts as of May 31, before the
    year's conversion date — 2027's classes stay 团支部; the replay of June 1 converts them."""
    call_command("run_job", "graduate_conversion", "--date", "2027-05-31", stdout=StringIO())
    assert JobRun.objects.get().summary["year"] == 2026
    assert category(classes.y2027a) == OrgCategory.BRANCH and not graduates()
    call_command("run_job", "graduate_conversion", "--date", "2027-06-01", stdout=StringIO())
    assert category(classes.y2027a) == OrgCategory.GRADUATE


def test_each_province_converts_its_own_branches(classes):
    """ORG-16 / JOB-01 / JOB-08: the national conversion runs per province; 山东's branches are
    converted in 山东's share (团中央's own share converts none of them), the year taken once."""
    guangdong = f.leadership("团广东省委", classes.tree.central, LeadershipLevel.PROVINCE)
    south = _mark(
        f.branch(f.OrgFactory(name="广州某大学团委", parent=guangdong), "广州2023级1班团支部"), date(2027, 7, 1)
    )
    f.person("广州团员", branch=south)
    run = jobs.run("graduate_conversion", date(2027, 6, 1))
    assert run.summary["parts"] == {classes.tree.province.name: 8, guangdong.name: 2}
    assert (run.summary["year"], run.summary["part_count"]) == (2027, 3)


# --- the conversion, called directly (issue 22: the year's edges, what it writes) --------------------


@pytest.fixture(params=["one_statement", "by_ids"])
def conversion_path(request, monkeypatch):
    """Each test of the conversion's rows runs both ways it writes them: PostgreSQL's one statement
    (`_convert_recorded`) and the ids through Python that SQLite takes (`_record_many`), the
    latter on PostgreSQL too by telling the conversion its database is not PostgreSQL."""
    from types import SimpleNamespace

    if request.param == "by_ids":
        monkeypatch.setattr(graduation, "connection", SimpleNamespace(vendor="sqlite"))
    elif connection.vendor != "postgresql":
        pytest.skip("the one-statement form is PostgreSQL's")
    return request.param


def test_a_years_run_takes_its_first_and_last_month_only(classes, conversion_path):
    """ORG-16: the run for 2027 converts marks of 2027-01 to 2027-12, not 2026-12 nor 2028-01; it
    returns its year and counts; each converted org's audit row says which year's run, by nobody."""
    from orgs.graduation import convert_year

    before = _mark(f.branch(classes.tree.col_a, "2026届团支部"), date(2026, 12, 1))
    december = _mark(f.branch(classes.tree.col_a, "2027届12月团支部"), date(2027, 12, 1))
    after = _mark(f.branch(classes.tree.col_a, "2028届1月团支部"), date(2028, 1, 1))
    f.person("十二月团员", branch=december)
    assert convert_year(2027) == {"changed": 10, "year": 2027, "orgs": 3, "members": 7}
    assert category(december) == category(classes.y2027b) == OrgCategory.GRADUATE
    assert category(before) == category(after) == OrgCategory.BRANCH
    logs = AuditLog.objects.filter(action="graduate_conversion")
    assert {log.object_id for log in logs} == {classes.y2027a.pk, classes.y2027b.pk, december.pk}
    assert {(log.note, log.actor, log.acting_org_id) for log in logs} == {("2027年毕业生团组织转换", None, None)}


def test_convert_records_who_and_why_or_nothing(classes, conversion_path):
    """ORG-16 / BEY-05: a conversion made by a person (a late mark) records them, their org and the
    note; without one, the person acting (audit.acting_as); `record=False` (a correction, which
    writes its own row) none. Members already flagged are not counted again."""
    from orgs.graduation import convert
    from zhtj.core.audit import acting_as

    admin = f.admin_of(classes.tree.col_a)
    orgs = Organization.objects.filter(pk=classes.y2027a.pk)
    assert convert(orgs, actor=admin, acting_org_id=classes.tree.col_a.pk, note="补") == (1, 3)
    log = AuditLog.objects.get(action="graduate_conversion")
    assert (log.actor, log.acting_org_id, log.note, log.changes) == (
        admin,
        classes.tree.col_a.pk,
        "补",
        {"category": ["branch", "graduate"]},
    )
    assert convert(orgs) == (0, 0)  # done already: nothing to convert, nobody to flag
    with acting_as(admin, classes.tree.uni.pk):
        assert convert(Organization.objects.filter(pk=classes.y2027b.pk)) == (1, 3)
    log = AuditLog.objects.get(action="graduate_conversion", object_id=classes.y2027b.pk)
    assert (log.actor, log.acting_org_id, log.note) == (admin, classes.tree.uni.pk, "")
    assert convert(Organization.objects.filter(pk=classes.y2028.pk), record=False) == (1, 3)
    assert not AuditLog.objects.filter(action="graduate_conversion", object_id=classes.y2028.pk).exists()


def test_convert_flags_the_members_of_graduate_orgs_in_scope_only(classes):
    """ORG-16 / GRAD-01: the members flagged are those of the 毕业生团组织 in the scope -- converted
    now or before -- except those marked 延迟毕业生 or 教师; a 团支部 outside the scope is left alone."""
    from members.models import GraduateMark
    from orgs.graduation import convert, graduating_members

    Organization.objects.filter(pk=classes.y2027b.pk).update(category=OrgCategory.GRADUATE)
    delayed = classes.members["y2027a"][0]
    GraduateMark.objects.create(
        person=delayed, branch=classes.y2027a, kind="delayed", expected_month=date(2028, 1, 1), reason="补考"
    )
    scope = Organization.objects.filter(pk__in=[classes.y2027a.pk, classes.y2027b.pk])
    assert convert(scope) == (1, 5)
    assert graduates() == {p.pk for p in classes.members["y2027a"][1:] + classes.members["y2027b"]}
    assert set(graduating_members(scope)) == {*classes.members["y2027a"][1:], *classes.members["y2027b"]}
    assert category(classes.y2028) == OrgCategory.BRANCH


def test_revert_makes_a_graduate_org_a_branch_and_unflags_its_members(classes):
    """BEY-02 (decision): a 毕业生团组织 corrected to a later year goes back to 团支部, and its members
    (only its own) lose the 毕业生 flag; a 团支部 is left as it is."""
    from orgs.graduation import convert_year, revert

    convert_year(2027)
    assert revert(classes.y2027a.pk) == (1, 3)
    assert category(classes.y2027a) == OrgCategory.BRANCH
    assert category(classes.y2027b) == OrgCategory.GRADUATE
    assert graduates() == {p.pk for p in classes.members["y2027b"]}
    assert revert(classes.y2027a.pk) == (0, 0)
    assert revert(classes.unmarked.pk) == (0, 0) and category(classes.unmarked) == OrgCategory.BRANCH
