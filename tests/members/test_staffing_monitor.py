"""重点领域基层团干部配备 (CAD-04, BEY-07, SEC-05, CAD-05 student cadres as 兼职)."""

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from members.choices import Occupation, PostNature
from members.models import CadrePost
from orgs.choices import Industry, LeadershipLevel, OrgCategory
from orgs.models import Organization
from tests import factories as f

pytestmark = pytest.mark.usefixtures("fast_hasher")
URL = "/members/cadres/staffing/"
DOWNLOAD = "/members/cadres/staffing/download/"


def post(org, nature=PostNature.PART_TIME, person=None, **person_fields):
    person = person or f.person(**person_fields)
    return CadrePost.objects.create(person=person, org=org, title="committee_member", nature=nature)


@pytest.fixture
def domain(tree):
    """The tree's university (高校本级, 学校标识码) with staffing, a county with a second university,
    and an SOE with a sub-org of its own."""
    t = tree
    t.uni.school_code, t.uni.student_count = "4137010422", 20000
    t.uni.save()
    t.county = f.leadership("团市南区委", t.city, LeadershipLevel.COUNTY)
    t.uni2 = f.OrgFactory(
        name="区职业学院团委", parent=t.county, industry=Industry.VOCATIONAL_COLLEGE, school_code="4137013001"
    )
    t.soe = f.OrgFactory(
        name="港口集团团委",
        parent=t.city,
        industry=Industry.STATE_ENTERPRISE,
        enterprise_level="provincial",
        enterprise_location="青岛市",
    )
    t.soe_sub = f.OrgFactory(name="港口分公司团委", parent=t.soe, industry=Industry.STATE_ENTERPRISE)
    full = post(t.uni, PostNature.FULL_TIME)
    post(t.col_a, PostNature.SECONDED)
    post(t.branch_a, PostNature.PART_TIME)
    post(t.col_b, PostNature.FULL_TIME, occupation=Occupation.STUDENT)  # a student: counted as 兼职
    post(t.branch_b, PostNature.PART_TIME, person=full.person)  # one person, two posts: counted once
    ended = post(t.uni, PostNature.FULL_TIME)
    CadrePost.objects.filter(pk=ended.pk).update(ended_on=date(2025, 1, 1))
    post(t.soe_sub, PostNature.FULL_TIME)
    t.city_admin = f.admin_of(t.city, "市委管理员")
    t.county = t.county.__class__.objects.get(pk=t.county.pk)
    return t


def row_of(page, org):
    return page.split(f'data-org="{org.pk}"')[1].split("</tr>")[0]


def cells(row):
    return [c.split(">", 1)[1] for c in row.split("</td>")[:-1]]


def test_universities_by_default_with_figures(client, login, domain):
    """CAD-04: 高校本级 orgs of the subtree by default; cadres of each school's subtree by nature,
    student cadres as 兼职 (CAD-05), ended posts not counted, 在校学生数 per 专职 cadre."""
    page = login(domain.city_admin, domain.city).get(URL).content.decode()
    assert "测试大学团委" in page and "区职业学院团委" in page
    assert "学院A团委" not in page  # no 学校标识码: not 高校本级
    assert "港口集团团委" not in page
    values = cells(row_of(page, domain.uni))
    # 组织简称, 组织全称, 上级组织, 学校标识码, 在校学生数, 专职, 挂职, 兼职, 合计, 在校学生数/专职
    assert values[3:] == ["4137010422", "20000", "1", "1", "3", "4", "20000.0"]
    assert cells(row_of(page, domain.uni2))[5:] == ["0", "0", "0", "0", "—"]


def test_students_per_full_time_rounds_to_one_decimal(client, login, domain):
    """CAD-04: 在校学生数 per 专职团干部 with one decimal (20000 / 3 = 6666.7); no 专职 cadre, or no
    在校学生数, shows —."""
    post(domain.col_a, PostNature.FULL_TIME)
    post(domain.branch_a, PostNature.FULL_TIME)
    domain.uni2.student_count = 5000
    domain.uni2.save()
    c = login(domain.city_admin, domain.city)
    page = c.get(URL).content.decode()
    assert cells(row_of(page, domain.uni))[5:] == ["3", "1", "3", "6", "6666.7"]
    assert cells(row_of(page, domain.uni2))[4:] == ["5000", "0", "0", "0", "0", "—"]


def test_soe_button(client, login, domain):
    """CAD-04: 国企 switches to the topmost 国有企业 orgs, with 企业层级 and 驻地 and their subtree's cadres."""
    page = login(domain.city_admin, domain.city).get(URL, {"domain": "soe"}).content.decode()
    assert "港口集团团委" in page and "港口分公司团委" not in page and "测试大学团委" not in page
    assert cells(row_of(page, domain.soe))[3:] == ["省属企业", "青岛市", "1", "0", "0", "1"]


def test_left_tree_picks_the_scope(client, login, domain):
    """CAD-04: clicking a leadership org of the left tree shows the universities of its subtree only."""
    c = login(domain.city_admin, domain.city)
    page = c.get(URL).content.decode()
    assert f'?domain=university&org={domain.county.pk}"' in page
    page = c.get(URL, {"org": domain.county.pk}).content.decode()
    assert "区职业学院团委" in page and "测试大学团委" not in page


@pytest.mark.parametrize("path", [URL, DOWNLOAD])
@pytest.mark.parametrize("params", [{"domain": "farm"}, {"org": "x1"}, {"org": "9" * 40}])
def test_bad_query_is_400(client, login, domain, path, params):
    """SEC-06: a malformed query string is a 400 with a Chinese message, on the page and the download."""
    r = login(domain.city_admin, domain.city).get(path, params)
    assert r.status_code == 400 and "无效" in r.content.decode()


def test_scope_outside_or_not_leadership_is_404(client, login, domain):
    """ROLE-02: the tree only offers leadership organs of the subtree; anything else is a 404."""
    c = login(domain.city_admin, domain.city)
    assert c.get(URL, {"org": domain.uni.pk}).status_code == 404
    assert c.get(URL, {"org": domain.province.pk}).status_code == 404
    assert c.get(DOWNLOAD, {"org": domain.province.pk}).status_code == 404


def test_only_city_level_and_higher(client, login, domain):
    """CAD-04: 地市级 and higher leadership organs; a county organ or a 团委 gets 403 and no menu entry."""
    county_admin = f.admin_of(domain.county)
    r = login(county_admin, domain.county).get(URL)
    assert r.status_code == 403
    assert "重点领域基层团干部配备" not in login(county_admin, domain.county).get("/members/cadres/").content.decode()
    uni_admin = f.admin_of(domain.uni)
    assert login(uni_admin, domain.uni).get(DOWNLOAD).status_code == 403
    province_admin = f.admin_of(domain.province)
    c = login(province_admin, domain.province)
    assert c.get(URL).status_code == 200
    assert "重点领域基层团干部配备" in c.get("/members/cadres/").content.decode()


def test_constant_queries(client, login, domain):
    """CAD-04: the page runs the same number of queries for 2 or 12 universities with cadres."""
    c = login(domain.city_admin, domain.city)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(URL).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(10):
        school = f.OrgFactory(
            name=f"新大学{i}团委", parent=domain.county, industry=Industry.UNIVERSITY, school_code=f"41370{i:05d}"
        )
        post(f.branch(school), PostNature.FULL_TIME)
    assert count() == small


def test_download_is_complete_and_injection_safe(client, login, domain):
    """CAD-04 / BEY-07 / SEC-05: the Excel holds every row (more than the real system's 1000), and a
    cell starting with = is neutralized."""
    parent = f.OrgFactory(name="高校工委", parent=domain.county, category=OrgCategory.WORKING_COMMITTEE)
    f.OrgFactory(name="=HYPERLINK(1)", parent=parent, industry=Industry.UNIVERSITY, school_code="4137099999")
    for i in range(1001):
        f.OrgFactory(name=f"批量大学{i}", parent=parent, industry=Industry.UNIVERSITY, school_code=f"5{i:09d}")
    c = login(domain.city_admin, domain.city)
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(DOWNLOAD)
    assert r.status_code == 200 and len(ctx.captured_queries) < 15
    ws = load_workbook(BytesIO(b"".join(r.streaming_content)), read_only=True).worksheets[0]
    rows = list(ws.values)
    assert rows[0][:2] == ("组织简称", "组织全称")
    assert len(rows) == 1 + 1004  # header + 测试大学 + 区职业学院 + injected + 1001
    names = {row[0] for row in rows[1:]}
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names
    uni = next(row for row in rows if row[0] == "测试大学团委")
    assert list(uni[3:]) == ["4137010422", 20000, 1, 1, 3, 4, 20000.0]
    soe = load_workbook(BytesIO(b"".join(c.get(DOWNLOAD, {"domain": "soe"}).streaming_content))).worksheets[0]
    assert [row[0] for row in soe.values] == ["组织简称", "港口集团团委"]


def read_the_table():
    """PostgreSQL may read the rows by an index (`org_university_subtree` is in tree order already)
    or from the table, where a row lies where it was last written. For the rest of this test's
    transaction it reads the table: only the query's ORDER BY can then give tree order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
                cursor.execute(f"SET LOCAL {setting} = off")


def test_units_in_tree_order_however_the_rows_lie(tree):
    """CAD-04: the universities of a subtree in tree order (tree, then 组织排序 within a tree) however
    their rows lie in the table: three schools under the city, each heading a tree of its own, and
    three under a 高校工委, which share its tree. Each three lie in the table as b, c, a (a rewritten
    last), so an order left to the plan gives b, c, a or, joined to the parents by a hash, a, c, b --
    never a, b, c."""
    from members.cadres import UNIVERSITY, staffing_orgs

    t = tree
    roots = [t.uni] + [
        f.OrgFactory(name=f"{n}大学团委", parent=t.city, industry=Industry.UNIVERSITY) for n in ("乙", "丙")
    ]
    works = f.OrgFactory(name="高校工委", parent=t.city, category=OrgCategory.WORKING_COMMITTEE)
    inner = [f.OrgFactory(name=f"{n}学院团委", parent=works, industry=Industry.UNIVERSITY) for n in ("甲", "乙", "丙")]
    for org in roots + inner:
        org.refresh_from_db()
    roots.sort(key=lambda o: o.tree_id)
    assert {o.lft for o in roots} == {1} and len({o.tree_id for o in inner}) == 1
    assert [o.lft for o in inner] == [2, 4, 6]
    in_order = sorted(roots + inner, key=lambda o: (o.tree_id, o.lft))
    for i, org in enumerate(in_order):  # each row written again, in tree order: a, b, c
        Organization.objects.filter(pk=org.pk).update(school_code=f"413701000{i}")
    Organization.objects.filter(pk__in=[roots[0].pk, inner[0].pk]).update(student_count=1)  # b, c, a
    read_the_table()
    assert list(staffing_orgs(t.city, UNIVERSITY)) == in_order
