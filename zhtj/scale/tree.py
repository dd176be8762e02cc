"""The shape of a national org tree for `generate_scale_data`, built in memory.

团中央 → 32 provinces and 6 central organs (38) → cities → counties and universities →
townships, SOEs, schools, colleges → grade 团总支 → branches. Each province gets a share of the
org budget by its population; cities keep adding counties and universities until their share is
spent, so any target size keeps the same shape. MPTT bounds (lft, rght, level) are numbered here
in one walk, so the rows go to the database ready-made.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from members.management.commands.seed_demo import CENTRAL_ORGANS, PROVINCES
from orgs.choices import BRANCH_KINDS, EnterpriseLevel, Industry, LeadershipLevel, OrgCategory
from orgs.services import unit_name
from zhtj.core.tree import BLOCKS, Numbering

# Population in millions (rounded): each province's share of the orgs and people.
PROVINCE_WEIGHTS = {
    "团北京市委": 22,
    "团天津市委": 14,
    "团河北省委": 75,
    "团山西省委": 35,
    "团内蒙古自治区委": 24,
    "团辽宁省委": 42,
    "团吉林省委": 24,
    "团黑龙江省委": 31,
    "团上海市委": 25,
    "团江苏省委": 85,
    "团浙江省委": 65,
    "团安徽省委": 61,
    "团福建省委": 42,
    "团江西省委": 45,
    "团山东省委": 102,
    "团河南省委": 99,
    "团湖北省委": 58,
    "团湖南省委": 66,
    "团广东省委": 127,
    "团广西区委": 50,
    "团海南省委": 10,
    "团重庆市委": 32,
    "团四川省委": 84,
    "团贵州省委": 39,
    "团云南省委": 47,
    "团西藏区委": 4,
    "团陕西省委": 40,
    "团甘肃省委": 25,
    "团青海省委": 6,
    "团宁夏区委": 7,
    "团新疆区委": 26,
    "新疆兵团团委": 3,
}
CENTRAL_ORGAN_WEIGHT = 3

PLACE = "安宁平江山阳城海华兴东西南北昌州德泰长新丰庆广顺和永定临清河源湖岭林云泉溪桥川嘉盛隆福康"
GRADE_NAMES = [
    "计算机",
    "机械",
    "电子",
    "化学",
    "数学",
    "物理",
    "经济",
    "管理",
    "法学",
    "文学",
    "外语",
    "土木",
    "材料",
    "能源",
    "医学",
    "艺术",
]

# People per branch (before scaling to the target): (low, high) by the branch's sort.
BRANCH_SIZES = {
    "university": (30, 50),
    "high": (35, 55),
    "middle": (10, 25),
    "graduate": (25, 45),
    "village": (10, 25),
    "community": (12, 30),
    "enterprise": (10, 40),
    "private": (10, 25),
    "floating": (20, 60),
    "pool": (10, 60),
    "staff": (10, 30),
    "abroad": (10, 20),
    "delayed": (10, 15),
    "organ": (15, 40),
}
# Cadres who are not members of a branch (older staff), by the kind of org.
OWN_CADRES = {
    OrgCategory.LEADERSHIP: (4, 8),
    OrgCategory.COMMITTEE: (2, 4),
    OrgCategory.WORKING_COMMITTEE: (2, 3),
    OrgCategory.GENERAL_BRANCH: (1, 2),
}


# Provinces created after the oldest generated birth year: their people carry the codes of the
# province they were part of (as real ID numbers do).
REGION_FALLBACK = {"50": "51", "46": "44", "71": "35", "81": "44", "82": "44"}
OLDEST_BIRTH_YEAR = 1984


@cache
def regions():
    """{province prefix: {city prefix: [county codes]}} of the 6-digit region codes python-stdnum
    accepts for every birth year from OLDEST_BIRTH_YEAR on, so each generated ID number validates."""
    from stdnum import numdb

    def valid(county):
        for part in county.split(","):
            if not part.startswith("["):
                return True
            span, _ = part[1:].split("]")
            start, end = span.split("-")
            if (not start or int(start) <= OLDEST_BIRTH_YEAR) and not end:
                return True
        return False

    found = {}
    for _, province, _, _, counties in numdb.get("cn/loc").prefixes:
        for _, code, _, props, _ in counties:
            if not code.endswith("00") and valid(props.get("county", "")):
                found.setdefault(province, {}).setdefault(code[:2], []).append(province + code)
    return found


def province_regions(code):
    prefix = code[:2]
    return regions().get(prefix) or regions()[REGION_FALLBACK.get(prefix, "11")]


@dataclass(eq=False, slots=True)
class Node:
    id: int
    parent: "Node | None"
    name: str
    category: str
    industry: str = ""
    leadership_level: int | None = None
    sort: str = ""  # the branch's sort, for its number of people (BRANCH_SIZES)
    region: str = ""  # 6-digit region code for the ID numbers of its people
    cohort: int | None = None  # entry year of a class branch
    graduation_month: date | None = None
    school_code: str = ""
    student_count: int | None = None
    enterprise_level: str = ""
    enterprise_location: str = ""
    prefix: str = ""  # units of the grassroots ancestors, for 组织全称 (ORG-05)
    child_prefix: str | None = None  # its children's prefix
    children: list = field(default_factory=list)
    lft: int = 0
    rght: int = 0
    depth: int = 0
    tree_id: int = 0
    tree_last: int = 0
    tree_level: int = 0
    tree_parent: "Node | None" = None

    @property
    def is_branch_kind(self):
        return self.category in BRANCH_KINDS

    @property
    def full_name(self):
        return self.prefix + self.name


class Shape:
    """The whole tree for a target number of orgs, deterministic for a given random source."""

    def __init__(self, orgs, rng, today, hot_branches=40):
        self.target = orgs
        self.rng = rng
        self.today = today
        self.hot_branches = hot_branches
        self.nodes = []
        self.hot = None  # a 街道团工委 whose 操作中心 gets the benchmark's pending items
        self._school_codes = 0
        conv = date(today.year, 6, 1)
        # the newest cohort has started once September has come
        self.newest_cohort = today.year if today >= date(today.year, 9, 1) else today.year - 1
        self.conversion_passed = today >= conv
        self._build()
        self._number()

    # --- building ------------------------------------------------------------------------------
    def add(self, parent, name, category, **fields):
        node = Node(len(self.nodes) + 1, parent, name, category, **fields)
        if parent is not None:
            node.region = node.region or parent.region
            if parent.child_prefix is None:  # once per parent, not per child
                own = "" if parent.category == OrgCategory.LEADERSHIP else unit_name(parent.name)
                parent.child_prefix = parent.prefix + own
            node.prefix = parent.child_prefix
            parent.children.append(node)
        self.nodes.append(node)
        return node

    def place(self, used, suffix):
        """A two-character place name not yet used under the same parent."""
        for _ in range(50):
            name = self.rng.choice(PLACE) + self.rng.choice(PLACE)
            if name not in used:
                used.add(name)
                return name + suffix
        name = f"{self.rng.choice(PLACE)}{len(used)}"
        used.add(name)
        return name + suffix

    def _build(self):
        rng = self.rng
        central = self.add(None, "团中央", OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.CENTRAL)
        central.region = province_regions("11")["01"][0]
        total_weight = sum(PROVINCE_WEIGHTS.values()) + CENTRAL_ORGAN_WEIGHT * len(CENTRAL_ORGANS)
        budget = max(self.target - 1, 0)
        # the largest province gets the hot committee
        largest = max(PROVINCE_WEIGHTS, key=PROVINCE_WEIGHTS.get)
        for name, region in PROVINCES:
            share = budget * PROVINCE_WEIGHTS[name] / total_weight
            cities_of = province_regions(region)
            first_city = next(iter(cities_of.values()))
            province = self.add(
                central, name, OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.PROVINCE, region=first_city[0]
            )
            self.add(
                province,
                f"{name.removeprefix('团').removesuffix('委')}特殊单位专属库",
                OrgCategory.SPECIAL_UNIT_POOL,
                sort="pool",
            )
            cities = min(21, max(1, round(share / 280)))
            used = set()
            for i in range(cities):
                codes = list(cities_of.values())[i % len(cities_of)]
                self.city(province, share / cities - 2 / cities, used, codes, hot=(name == largest and i == 0))
        for name in CENTRAL_ORGANS:
            share = budget * CENTRAL_ORGAN_WEIGHT / total_weight
            organ = self.add(
                central, name, OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.PROVINCE, region=central.region
            )
            spent = 1
            n = 0
            while spent < share:
                n += 1
                committee = self.add(organ, f"第{n}机关团委", OrgCategory.COMMITTEE, industry=Industry.PARTY_GOVERNMENT)
                branches = rng.randint(3, 8)
                for b in range(branches):
                    self.add(
                        committee,
                        f"第{b + 1}团支部",
                        OrgCategory.BRANCH,
                        industry=Industry.PARTY_GOVERNMENT,
                        sort="organ",
                    )
                spent += 1 + branches

    def city(self, province, budget, used, codes, hot=False):
        rng = self.rng
        city = self.add(
            province,
            "团" + self.place(used, "市委"),
            OrgCategory.LEADERSHIP,
            leadership_level=LeadershipLevel.CITY,
            region=codes[0],
        )
        start = len(self.nodes)
        places = set()
        first = True
        # stop when what is left is less than half a county (about 37 orgs), so the total lands
        # near the target instead of one unit over it per city
        while first or budget - (len(self.nodes) - start) > 18:
            left = budget - (len(self.nodes) - start)
            if (rng.random() < 0.15 and left > 60) or (hot and first):
                # the hot city always has a university, so even tiny data has one to measure
                self.university(city, places)
            self.county(city, places, codes, hot=hot and first, lean=left < 40)
            first = False
        return city

    def county(self, city, places, codes, hot=False, lean=False):
        """A county: its 流动团员团支部, townships or streets with their branches, an SOE, private
        firms and schools. `lean` (a small budget) keeps one township and the high school only."""
        rng = self.rng
        county = self.add(
            city,
            "团" + self.place(places, "区委" if rng.random() < 0.4 else "县委"),
            OrgCategory.LEADERSHIP,
            leadership_level=LeadershipLevel.COUNTY,
            region=rng.choice(codes),
        )
        local = set()
        self.add(county, "流动团员团支部", OrgCategory.FLOATING, industry=Industry.OTHER, sort="floating")
        for _ in range(1 if lean else rng.randint(1, 3)):
            street = rng.random() < 0.4
            unit = self.place(local, "街道" if street else "镇")
            township = self.add(
                county,
                unit + "团工委",
                OrgCategory.WORKING_COMMITTEE,
                industry=Industry.STREET if street else Industry.TOWNSHIP,
            )
            branches = rng.randint(3, 8)
            if hot:
                self.hot, hot, branches = township, False, self.hot_branches
            for _ in range(branches):
                sort = "community" if street else "village"
                label = "社区" if street else "村"
                self.add(
                    township,
                    f"{self.place(set(), label)}团支部",
                    OrgCategory.BRANCH,
                    industry=Industry.COMMUNITY if street else Industry.VILLAGE,
                    sort=sort,
                )
        if not lean and rng.random() < 0.5:
            soe = self.add(
                county,
                self.place(local, "集团有限公司团委"),
                OrgCategory.COMMITTEE,
                industry=Industry.STATE_ENTERPRISE,
                enterprise_level=rng.choice(
                    [EnterpriseLevel.PROVINCIAL, EnterpriseLevel.MUNICIPAL, EnterpriseLevel.COUNTY]
                ),
                enterprise_location=county.name.removeprefix("团").removesuffix("委"),
            )
            for b in range(rng.randint(2, 5)):
                self.add(
                    soe,
                    f"第{b + 1}分公司团支部",
                    OrgCategory.BRANCH,
                    industry=Industry.STATE_ENTERPRISE,
                    sort="enterprise",
                )
        for _ in range(0 if lean else rng.randint(0, 3)):
            self.add(
                county,
                self.place(local, "科技有限公司团支部"),
                OrgCategory.BRANCH,
                industry=Industry.PRIVATE_ENTERPRISE,
                sort="private",
            )
        classes = (1, 1) if lean else (2, 4)
        self.school(
            county, self.place(local, "第一中学团委"), Industry.HIGH_SCHOOL, years=3, classes=classes, sort="high"
        )
        if not lean and rng.random() < 0.5:
            self.school(
                county,
                self.place(local, "初级中学团委"),
                Industry.MIDDLE_SCHOOL,
                years=3,
                classes=(2, 3),
                sort="middle",
                marks=False,
            )
        return county

    def cohorts(self, years):
        """(entry year, graduation month) of a school's cohorts: the current ones and the one that
        graduated at the last conversion (still there until its members transfer out)."""
        out = []
        for cohort in range(self.newest_cohort - years, self.newest_cohort + 1):
            out.append((cohort, date(cohort + years, 6, 1)))
        # a cohort whose June 1 has passed is a 毕业生团组织; only the latest such cohort remains
        passed = [c for c in out if c[1] <= self.today]
        current = [c for c in out if c[1] > self.today]
        return passed[-1:], current

    def _class(self, parent, label, cohort, n, graduation_month, industry, sort, graduated):
        category = OrgCategory.GRADUATE if graduated else OrgCategory.BRANCH
        return self.add(
            parent,
            f"{label}{cohort}级{n}班团支部",
            category,
            industry=industry,
            sort="graduate" if graduated else sort,
            cohort=cohort,
            graduation_month=graduation_month,
        )

    def school(self, county, name, industry, years, classes, sort, marks=True):
        school = self.add(county, name, OrgCategory.COMMITTEE, industry=industry)
        graduated, current = self.cohorts(years)
        for cohort, month in graduated + current:
            for n in range(1, self.rng.randint(*classes) + 1):
                self._class(
                    school, "", cohort, n, month if marks else None, industry, sort, bool(marks and month <= self.today)
                )
        return school

    def university(self, city, places):
        rng = self.rng
        vocational = rng.random() < 0.35
        industry = Industry.VOCATIONAL_COLLEGE if vocational else Industry.UNIVERSITY
        years = 3 if vocational else 4
        self._school_codes += 1
        uni = self.add(
            city,
            self.place(places, "职业技术学院团委" if vocational else "大学团委"),
            OrgCategory.COMMITTEE,
            industry=industry,
            school_code=f"4{city.region[:2]}{self._school_codes:07d}",
            student_count=rng.randint(8, 40) * 1000,
        )
        graduated, current = self.cohorts(years)
        for c in range(rng.randint(3, 8)):
            major = GRADE_NAMES[c % len(GRADE_NAMES)]
            college = self.add(uni, f"{major}学院团委", OrgCategory.COMMITTEE, industry=industry)
            for cohort, month in graduated + current:
                grade = self.add(college, f"{cohort}级团总支", OrgCategory.GENERAL_BRANCH, industry=industry)
                for n in range(1, rng.randint(2, 4) + 1):
                    self._class(grade, f"{major}专业", cohort, n, month, industry, "university", month <= self.today)
        self.add(uni, "教工团支部", OrgCategory.BRANCH, industry=industry, sort="staff")
        self.add(uni, "出国(境)学习研究团员团支部", OrgCategory.ABROAD, industry=industry, sort="abroad")
        self.add(uni, "延迟毕业团组织", OrgCategory.DELAYED_GRADUATION, industry=industry, sort="delayed")
        return uni

    # --- the forest's numbers (zhtj.core.tree) -------------------------------------------------
    def _number(self):
        """Tree ids, lft/rght and levels by one iterative depth-first walk (children in creation
        order), laid out as the app lays out the orgs it creates (`core.tree.Numbering`)."""
        numbering = Numbering()
        root = self.nodes[0]
        stack = [(root, 0, False)]
        while stack:
            node, depth, done = stack.pop()
            if done:
                node.rght = numbering.leave(node)[3]
                continue
            block = BLOCKS[node.leadership_level] if node.category == OrgCategory.LEADERSHIP else None
            node.tree_id, node.tree_last, node.lft, _, node.tree_level, node.tree_parent = numbering.enter(
                node, node.parent, block
            )
            node.depth = depth
            stack.append((node, depth, True))
            for child in reversed(node.children):
                stack.append((child, depth + 1, False))

    def branches(self):
        return [n for n in self.nodes if n.is_branch_kind]
