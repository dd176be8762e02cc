"""组织录入情况's figures kept per (org, level) by triggers in the transaction of the change
(ORG-11, STAT-03, BEY-01): every path that changes one of the four figures -- an org created (one
or a batch, ORG-08), deleted (ORG-13), moved, its first admin login, its info completed or no longer
(ORG-10), its first direct sub-org -- and after each, the figures equal a fresh count of the orgs.

Absolute levels on the `tree` fixture: 团中央 一级, 团山东省委 二级, 团青岛市委 三级, 测试大学团委 四级,
学院A/B团委 五级, A1/B1团支部 六级. The kept orgs are 团中央, the province and the city.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.choices import PostTitle
from members.models import CadrePost
from orgs import completeness, level_figures
from orgs.choices import Industry, LeadershipLevel, OrgCategory
from orgs.models import LevelDelta, LevelFigure, LevelTransaction, Organization
from orgs.suborgs import CATEGORY, NAME, create_suborg, delete_suborg, import_suborgs
from tests import factories as f
from tests.concurrency import at_once
from zhtj.core.excel import Row

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the figures are kept by PostgreSQL triggers; SQLite counts live"
)

STAFFING = dict.fromkeys(("admin_staff_quota", "admin_staff_actual", "career_staff_quota", "career_staff_actual"), 0)
SECRETARY = {"secretary_name": "书记", "secretary_id_number": "370211199001011233", "secretary_mobile": "13912345678"}
ZERO = dict.fromkeys(level_figures.FIGURES, 0)


@pytest.fixture(autouse=True)
def _fast_hasher(fast_hasher):
    pass


def figures(org, level):
    """The summary of absolute `level` below `org`, as the page reads it (the kept figures)."""
    assert level_figures.kept(org)
    summary = completeness.level_summary(org, level)
    return {k: summary[k] for k in level_figures.FIGURES}


def assert_fresh():
    """Every kept org's figures, at every level of the country, equal a fresh count of the orgs."""
    for org in Organization.objects.filter(level__lte=level_figures.DEEPEST):
        kept = level_figures.by_level(org)
        deepest = completeness.deepest_level(org)
        assert max([org.level + 1, *(n + 1 for n in kept)]) == deepest, org.name
        for level in range(org.level + 2, deepest + 2):
            live = completeness.live_level_summary(org, level)
            assert kept.get(level - 1, ZERO) == {k: live[k] for k in level_figures.FIGURES}, (org.name, level)


def fill_info(org):
    fields = {**SECRETARY, **({"phone": "0532-1", "email": "a@b.cn"} if org.category == "leadership" else {})}
    if org.category != OrgCategory.LEADERSHIP:
        fields["industry"] = Industry.UNIVERSITY
    if org.category not in (OrgCategory.BRANCH,):
        fields.update(STAFFING)
    Organization.objects.filter(pk=org.pk).update(**fields)


def register_secretary(org, mobile="13800000000"):
    person = f.person(f"{org.name}书记", mobile=mobile)
    return CadrePost.objects.create(person=person, org=org, title=PostTitle.SECRETARY)


def test_a_created_org_counts_at_every_kept_org_above_it(tree):
    """ORG-08 / ORG-11: a branch created under 学院A团委 counts at 六级 for 团中央, the province and
    the city, in the transaction that created it; 学院A团委 already had a sub-org (已建下级 unchanged)."""
    before = {org: figures(org, 6) for org in (tree.central, tree.province, tree.city)}
    assert before[tree.central] == {"total": 2, "logged_in": 0, "complete": 0, "with_children": 0}
    create_suborg(tree.col_a, "A2团支部", OrgCategory.BRANCH, "A2团支部")
    for org in (tree.central, tree.province, tree.city):
        assert figures(org, 6) == {**before[org], "total": 3}
    assert figures(tree.central, 5)["with_children"] == 2
    assert_fresh()


def test_a_first_child_counts_its_parent_once_under_with_children(tree):
    """ORG-11 是否已创建下级组织: a new 团总支 has no sub-org; its first branch counts it once, a second
    branch doesn't again; deleting both (ORG-13) uncounts it, and the branches."""
    total = create_suborg(tree.uni, "数学学院团总支", OrgCategory.GENERAL_BRANCH, "测试大学数学学院团总支")
    assert figures(tree.central, 5) == {"total": 3, "logged_in": 0, "complete": 0, "with_children": 2}
    first = create_suborg(total, "2024级1班团支部", OrgCategory.BRANCH, "2024级1班团支部")
    assert figures(tree.central, 5)["with_children"] == 3
    second = create_suborg(total, "2024级2班团支部", OrgCategory.BRANCH, "2024级2班团支部")
    assert figures(tree.central, 5)["with_children"] == 3
    assert figures(tree.city, 6)["total"] == 4
    assert_fresh()
    delete_suborg(first)
    assert figures(tree.central, 5)["with_children"] == 3
    delete_suborg(second)
    assert figures(tree.central, 5)["with_children"] == 2
    assert figures(tree.city, 6)["total"] == 2
    assert_fresh()
    delete_suborg(total)
    assert figures(tree.province, 5) == {"total": 2, "logged_in": 0, "complete": 0, "with_children": 2}
    assert_fresh()


def test_a_batch_counts_in_one_statement(tree):
    """ORG-08 批量创建: 30 branches inserted by one statement count 30 at 六级; three committees
    under the city organ (each a tree of its own) count at 四级."""
    rows = [Row(i + 2, {NAME: f"2024级{i + 1}班团支部", CATEGORY: "团支部"}, []) for i in range(30)]
    import_suborgs(tree.col_b, rows)
    assert figures(tree.central, 6)["total"] == 32
    committees = [Row(i + 2, {NAME: f"第{i}中学团委", CATEGORY: "团委"}, []) for i in range(3)]
    import_suborgs(tree.city, committees)
    assert figures(tree.central, 4)["total"] == 4
    assert figures(tree.central, 3)["with_children"] == 1
    assert_fresh()


def test_the_first_admin_login_counts_once(tree, login):
    """ORG-11 是否已登录过系统: the first login of an admin of 学院A团委 counts it as logged in at 五级;
    a second login, or another admin's, changes nothing."""
    admin = f.admin_of(tree.col_a)
    login(admin)
    assert figures(tree.central, 5)["logged_in"] == 1
    assert figures(tree.city, 5)["logged_in"] == 1
    login(admin)
    login(f.admin_of(tree.col_a, name="第二管理员"))
    assert figures(tree.central, 5)["logged_in"] == 1
    assert_fresh()


def test_info_completed_counts_and_uncounts(tree):
    """ORG-10 / ORG-11 组织信息是否完整: the fields alone don't make an org complete; its 书记
    registering (members' trigger sets secretary_ready on the org row) does, and counts it; the
    post ending uncounts it. Every category: leadership organ, committee and branch."""
    city2 = f.leadership("团烟台市委", tree.province, LeadershipLevel.CITY)
    for org in (tree.city, city2, tree.uni, tree.branch_a):
        fill_info(org)
    assert figures(tree.province, 3)["complete"] == 0
    assert_fresh()
    posts = {org.name: register_secretary(org) for org in (tree.city, city2, tree.uni, tree.branch_a)}
    assert figures(tree.central, 3)["complete"] == 2
    assert figures(tree.central, 4)["complete"] == 1
    assert figures(tree.city, 6)["complete"] == 1
    assert_fresh()
    CadrePost.objects.filter(pk=posts["团烟台市委"].pk).update(ended_on=timezone.localdate())
    Organization.objects.filter(pk=tree.uni.pk).update(industry="")
    assert figures(tree.central, 3)["complete"] == 1
    assert figures(tree.province, 4)["complete"] == 0
    assert_fresh()


def test_a_graduation_conversion_keeps_a_complete_branch_complete(tree):
    """ORG-02: the June 1 job makes a branch 毕业生团组织, still a branch kind: complete stays."""
    fill_info(tree.branch_a)
    register_secretary(tree.branch_a)
    Organization.objects.filter(pk=tree.branch_a.pk).update(category=OrgCategory.GRADUATE)
    assert figures(tree.central, 6)["complete"] == 1
    assert_fresh()


def test_a_move_recounts_the_kept_orgs_above_both_places(tree):
    """A move (no page does one today; an operator might): the university moved from 团青岛市委 to
    团烟台市委 leaves the first city's figures empty and gives the second its four levels; the
    province and 团中央 are unchanged. The recount follows parent_id, not the bounds."""
    city2 = f.leadership("团烟台市委", tree.province, LeadershipLevel.CITY)
    before = level_figures.by_level(tree.city)
    central = level_figures.by_level(tree.central)
    Organization.objects.filter(pk=tree.uni.pk).update(parent=city2)
    assert level_figures.by_level(tree.city) == {}
    assert level_figures.by_level(city2) == before
    assert level_figures.by_level(tree.central) == central


def test_the_rebuild_gives_what_the_triggers_kept(tree, login):
    """The migration's backfill and generate_scale_data's rebuild count what the triggers keep."""
    create_suborg(tree.col_a, "A2团支部", OrgCategory.BRANCH, "A2团支部")
    fill_info(tree.uni)
    register_secretary(tree.uni)
    login(f.admin_of(tree.branch_b))
    kept = {org.pk: level_figures.by_level(org) for org in Organization.objects.filter(level__lte=2)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT orgs_level_figures_rebuild()")
    assert not LevelDelta.objects.exists()
    assert {org.pk: level_figures.by_level(org) for org in Organization.objects.filter(level__lte=2)} == kept
    assert_fresh()


def test_the_page_reads_the_kept_figures(tree, login):
    """ORG-11 at 团中央: the summary is one read of the kept rows -- no aggregate over the level's
    orgs -- and the sentence says the figures."""
    create_suborg(tree.col_a, "A2团支部", OrgCategory.BRANCH, "A2团支部")
    client = login(f.admin_of(tree.central), tree.central)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/orgs/progress/?level=6").content.decode()
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("orgs_levelfigure" in s for s in sql)
    assert not any("COUNT(" in s and '"level" = 5' in s for s in sql)
    assert "团中央下共有六级组织3个，其中0个已登录系统，3个未登录系统" in html


@pytest.mark.django_db(transaction=True)
def test_committed_changes_reach_the_shared_rows_without_waiting_on_each_other(tree):
    """STAT-03 / BEY-08: a transaction's changes are its own deltas until COMMIT, then added to the
    shared rows, the deltas gone: six creations at the same moment in two provinces all count."""
    province2 = f.leadership("团江苏省委", tree.central, LeadershipLevel.PROVINCE)
    city2 = f.leadership("团南京市委", province2, LeadershipLevel.CITY)
    assert not LevelDelta.objects.exists() and not LevelTransaction.objects.exists()
    jobs = [(tree.city, f"青岛{i}中学团委") for i in range(3)] + [(city2, f"南京{i}中学团委") for i in range(3)]
    at_once(lambda parent, name: create_suborg(parent, name, OrgCategory.COMMITTEE, name), jobs)
    assert not LevelDelta.objects.exists() and not LevelTransaction.objects.exists()
    rows = {(r.org_id, r.level): r.total for r in LevelFigure.objects.filter(level=3)}
    assert rows[(tree.central.pk, 3)] == 7
    assert rows[(province2.pk, 3)] == 3 and rows[(city2.pk, 3)] == 3
    assert_fresh()


def test_every_category_is_complete_by_its_own_required_fields(tree):
    """ORG-07 / ORG-10: the trigger's frozen copy of the completeness rule agrees with
    `completeness.complete_q` for every category (the special branch kinds of ORG-02 included):
    each org filled with its category's fields and with a registered 书记 counts as complete."""
    for category in OrgCategory:
        if category == OrgCategory.LEADERSHIP:
            org = f.leadership(f"团{category.value}市委", tree.province, LeadershipLevel.CITY)
        else:
            org = f.OrgFactory(name=f"{category.value}组织", parent=tree.uni, category=category)
        fill_info(org)
        register_secretary(org)
    assert figures(tree.central, 3)["complete"] == len([OrgCategory.LEADERSHIP])
    assert figures(tree.central, 5)["complete"] == len(OrgCategory) - 1
    assert_fresh()


def test_the_trigger_never_compiles_with_jit(db):
    """BEY-08 at national size: the trigger's walk up parent_id is estimated past jit_above_cost on
    3.7 million orgs, and compiling cost 280–310 ms a statement (orgs/0015): its function turns JIT off."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'orgs_level_figures'")
        assert cursor.fetchone()[0] == ["jit=off"]
