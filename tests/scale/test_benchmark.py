"""Issue 10 at a tiny size, so the generator and the benchmark can't rot: the generated tree is a
valid forest of MPTT trees of valid people, the same seed gives the same data, every benchmark operation
gives the same answer as its hand-written floor, query counts don't grow with the data, and the
gunicorn throughput run works. (The figures themselves are in docs/benchmarks.md.)"""

import hashlib
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from stdnum.cn import ric

from members.models import CadrePost, Person
from orgs.models import LectureStudy, LectureStudyCount, Organization, PublicLecture
from tests.forest import assert_forest_consistent
from transfers.choices import OPEN_STATES
from transfers.models import Transfer
from zhtj.scale.bench import Benchmark

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="generate_scale_data and the benchmark need PostgreSQL"
    ),
    pytest.mark.bench,
]

DAY = date(2026, 12, 1)


def generate(orgs, people, seed=7):
    out = StringIO()
    call_command("generate_scale_data", orgs=orgs, people=people, seed=seed, date=DAY, flush=True, stdout=out)
    return out.getvalue()


def digest():
    h = hashlib.sha256()
    for row in Organization.objects.order_by("pk").values_list("name", "category", "lft", "rght", "parent_id"):
        h.update(repr(row).encode())
    for row in Person.objects.order_by("pk").values_list("id_number", "name", "branch_id", "joined_month"):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_generated_data_is_a_valid_national_tree(transactional_db):
    """A national shape at any size: 38 provincial organs under 团中央, a forest whose bounds nest, branches
    of 10–60 people whose ID numbers validate, one 书记 admin per org, and deterministic output."""
    generate(800, 20000)
    orgs = Organization.objects
    assert orgs.filter(parent__isnull=True).count() == 1
    assert orgs.filter(level=1).count() == 38
    assert 640 <= orgs.count() <= 960  # within 20% of the target
    assert Person.objects.count() == 20000
    assert_forest_consistent()  # the generator lays out the forest as the app does (zhtj.core.tree)
    sizes = list(orgs.filter(is_branch_kind=True).annotate(n=Count("members")).values_list("n", flat=True))
    assert min(sizes) >= 10 and max(sizes) <= 60
    for number in Person.objects.values_list("id_number", flat=True)[:3000]:
        ric.validate(number)  # raises on a bad checksum, birth date or region
    assert CadrePost.objects.admins().filter(admin_slot=1).count() == orgs.count()
    assert Transfer.objects.filter(state__in=OPEN_STATES).count() > 0
    with connection.cursor() as cursor:  # what the triggers would have kept, filled by the load
        cursor.execute(
            "SELECT count(*) FROM incentives_incentiverecord r LEFT JOIN members_person p ON p.id = r.person_id"
            " WHERE r.recorder_top_id IS DISTINCT FROM incentives_top_of(r.recorder_id)"
            " OR r.person_top_id IS DISTINCT FROM incentives_top_of(p.branch_id)"
        )
        assert cursor.fetchone()[0] == 0
    central = orgs.get(parent__isnull=True)
    assert PublicLecture.objects.count() == 2 + 38  # EDU-02's page has studies to count
    for lecture in PublicLecture.objects.all():
        studied = LectureStudy.objects.filter(lecture=lecture, person__branch__isnull=False).count()
        assert studied > 0
        assert LectureStudyCount.objects.get(lecture=lecture, org=lecture.publisher).studied == studied
        kept = LectureStudyCount.objects.filter(lecture=lecture, org=central).values_list("studied", flat=True)
        assert list(kept) == [studied]

    first = digest()
    generate(800, 20000)
    assert digest() == first


def test_generator_refuses_a_database_with_data(transactional_db):
    generate(300, 6000)
    with pytest.raises(Exception, match="已有组织或人员数据"):
        call_command("generate_scale_data", orgs=300, people=6000, date=DAY, stdout=StringIO())


def run_benchmark():
    bench = Benchmark(repeat=1, log=lambda *a: None, import_rows=200)
    bench.run()
    return bench


def test_benchmark_agrees_with_its_floors_and_queries_do_not_grow(transactional_db):
    """Every operation's answer equals its floor's; the SQL query count of each operation is the same
    at two sizes (constant queries, whatever the data size); the report renders."""
    generate(300, 6000)
    small = run_benchmark()
    assert {r.key for r in small.results} >= {
        "progress:central:2",
        "progress:province",
        "stats:age",
        "stats:ethnicity",
        "stats:education",
        "staffing",
        "inbox",
        "list:branch",
        "list:search",
        "job:conversion",
        "job:return",
        "import",
    }
    assert [r.name for r in small.results if not r.same] == []
    generate(900, 24000, seed=8)
    large = run_benchmark()
    assert [r.name for r in large.results if not r.same] == []
    before = {r.key: r.queries for r in small.results}
    grew = {r.key: (before[r.key], r.queries) for r in large.results if r.key in before and r.queries != before[r.key]}
    assert grew == {}
    assert "组织录入情况" in large.table()


def test_throughput_run_under_gunicorn(transactional_db):
    generate(300, 6000)
    bench = Benchmark(repeat=1, log=lambda *a: None)
    from zhtj.scale.bench import Landmarks

    bench.lm = Landmarks()
    figures = bench.run_throughput(seconds=1, concurrency=2, workers=2)
    assert figures["ours_rps"] > 0 and figures["floor_rps"] > 0


def test_feature_benchmark_runs_with_constant_queries(transactional_db):
    """NTC-01 / NTC-03 / EDU-02 (issue 20): `benchmark_features` runs on generated data, leaves nothing
    behind (one rolled-back transaction), its pages cost the same SQL at two sizes, and its section
    replaces itself in docs/benchmarks.md without touching the rest (and `benchmark --write` keeps it)."""
    from orgs.models import LectureStudy, Notice, NoticeRead
    from zhtj.scale.features import END, START, FeatureBenchmark, kept_sections, replace_section

    def run():
        bench = FeatureBenchmark(repeat=1, log=lambda *a: None)
        bench.run()
        return bench

    generate(300, 6000)
    generated = (LectureStudy.objects.count(), LectureStudyCount.objects.count())  # the generator's lectures
    small = run()
    assert not Notice.objects.exists() and not NoticeRead.objects.exists()
    assert (LectureStudy.objects.count(), LectureStudyCount.objects.count()) == generated
    generate(900, 24000, seed=8)
    large = run()
    # every row reads the database: a count of 0 would be a measurement that saw nothing
    assert [r.name for r in small.rows + large.rows if r.queries == 0] == []
    # the same rows in the same order at both sizes (their names carry each size's own org names)
    assert [r.name.split("（")[0] for r in small.rows] == [r.name.split("（")[0] for r in large.rows]
    grew = {
        f"{a.name} / {b.name}": (a.queries, b.queries)
        for a, b in zip(small.rows, large.rows, strict=True)
        if a.queries != b.queries
    }
    assert grew == {}
    section = large.section("今天", "abc1234")
    text = replace_section("# 表\n\n旧内容\n", section)
    assert text.startswith("# 表\n\n旧内容\n") and START in text and END in text
    assert replace_section(text, section.replace("今天", "明天")).count(START) == 1
    assert kept_sections(text).strip() == section


def test_menu_crawl_runs_with_the_same_queries_at_two_sizes(transactional_db):
    """Issue 17: `benchmark --crawl` reaches every role's menu pages, their tabs, page 2 and a detail
    page, all answering 200, and every page crawled at both sizes -- detail pages included -- runs
    exactly the same number of SQL queries (pages read what they show in a fixed shape: an empty
    list still runs its rows query, an optional object's parts are read by their owner)."""
    from zhtj.scale.crawl import Crawl, section

    def run():
        visits = Crawl(repeat=1, log=lambda *a: None).run()
        return {(v.role, v.key): v for v in visits}

    generate(300, 6000)
    small = run()
    assert {role for role, _ in small} >= {"团中央", "省级团委", "市级团委", "团支部", "团员"}
    assert [v.url for v in small.values() if v.status != 200] == []
    assert any(key.startswith("第2页") for _, key in small) and any(key.startswith("详情") for _, key in small)
    assert {("团中央", "详情 公开团课"), ("省级团委", "详情 公开团课")} <= set(small)  # EDU-02's 学习情况
    generate(900, 24000, seed=8)
    large = run()
    # the larger data reaches every page the smaller does (it may add a page 2 or a detail page)
    assert set(small) - set(large) == set()
    differ = {k: (v.queries, large[k].queries) for k, v in small.items() if v.queries != large[k].queries}
    assert differ == {}, "SQL 次数不同的页面（小 → 大）:\n" + "\n".join(
        f"{role} {page}: {a} → {b}" for (role, page), (a, b) in sorted(differ.items())
    )
    assert "全菜单巡检" in section(list(large.values()), "now", "abc", 1, "数据")


def test_mixed_load_runs_every_role_without_errors(transactional_db):
    """Issue 17.4 at a tiny size: `benchmark --load` finds the crawl's pages of every role, serves
    them under gunicorn to concurrent users without an error, beside the trivial view, and its
    section lands in docs/benchmarks.md once, kept by `benchmark --write` like the others."""
    from zhtj.scale.crawl import replace_section
    from zhtj.scale.features import kept_sections
    from zhtj.scale.load import LOAD_END, LOAD_START, load_section, mixed_load

    generate(300, 6000)
    result = mixed_load(seconds=3, clients=4, workers=2, think=0.05, log=lambda *a: None)
    assert result["pages"] > 20
    assert set(result["roles"]) >= {"团中央", "省级团委", "市级团委", "团支部", "团员"}
    assert result["load"]["requests"] > 0 and result["floor"]["requests"] > 0
    assert result["load"]["errors"] == 0 and result["failed"] == [], result["failed"]
    # the trivial view probed during the load; the rate asked is stated
    assert result["probe"]["requests"] > 0 and result["probe"]["errors"] == 0
    assert result["asked_rps"] == 4 / 0.05
    # the CPU each side used (Linux /proc): the server and the database did work, the client little
    cpu = result["load"]["cpu"]
    assert cpu["server"] > 0 and cpu["database"] >= 0 and cpu["client"] < cpu["wall"]
    section = load_section(result, "今天", "abc1234", "数据", "1.0")
    assert "每秒约 80 次" in section and "其间的空视图（探针）" in section and "每次请求的 CPU：gunicorn" in section
    text = replace_section("# 表\n", section, LOAD_START, LOAD_END)
    text = replace_section(text, section.replace("今天", "明天"), LOAD_START, LOAD_END)
    assert text.count(LOAD_START) == 1 and "明天" in text
    assert kept_sections(text).count(LOAD_START) == 1
