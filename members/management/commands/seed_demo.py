"""`manage.py seed_demo`: a believable demo tree with people and logins at every level.

团中央 → the 38 provincial-level organs (each province with its 特殊单位专属库) →
团山东省委 → 团青岛市委 → 中国石油大学（华东）团委 → 学院团委 → 年级团总支 → class
branches, and 团青岛市委 → 团黄岛区委 → 长江路街道团工委 → its branches. Every
row is found by a stable key before it is created, so re-running changes nothing.
"""

from datetime import date, datetime
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from members.choices import PostNature, PostTitle
from members.demo import complete_post_fields
from members.models import CadrePost, Person
from orgs.choices import Industry, LeadershipLevel, OrgCategory
from orgs.models import Organization
from orgs.services import suggest_full_name
from zhtj.core.idnumber import make_id_number

PROVINCES = [
    ("团北京市委", "110101"),
    ("团天津市委", "120101"),
    ("团河北省委", "130102"),
    ("团山西省委", "140105"),
    ("团内蒙古自治区委", "150102"),
    ("团辽宁省委", "210102"),
    ("团吉林省委", "220102"),
    ("团黑龙江省委", "230102"),
    ("团上海市委", "310101"),
    ("团江苏省委", "320102"),
    ("团浙江省委", "330102"),
    ("团安徽省委", "340102"),
    ("团福建省委", "350102"),
    ("团江西省委", "360102"),
    ("团山东省委", "370102"),
    ("团河南省委", "410102"),
    ("团湖北省委", "420102"),
    ("团湖南省委", "430102"),
    ("团广东省委", "440103"),
    ("团广西区委", "450102"),
    ("团海南省委", "460105"),
    ("团重庆市委", "500101"),
    ("团四川省委", "510104"),
    ("团贵州省委", "520102"),
    ("团云南省委", "530102"),
    ("团西藏区委", "540102"),
    ("团陕西省委", "610102"),
    ("团甘肃省委", "620102"),
    ("团青海省委", "630102"),
    ("团宁夏区委", "640104"),
    ("团新疆区委", "650102"),
    ("新疆兵团团委", "659001"),
]
# Central-level working committees also sit directly under 团中央 (38 in all).
CENTRAL_ORGANS = [
    "中直机关团工委",
    "中央和国家机关团工委",
    "中央金融团工委",
    "中央企业团工委",
    "全国铁道团委",
    "全国民航团委",
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "子涵",
    "欣怡",
    "浩然",
    "梓萱",
    "宇轩",
    "诗涵",
    "俊杰",
    "雨桐",
    "子墨",
    "一诺",
    "佳怡",
    "明轩",
    "思远",
    "晨曦",
    "文博",
    "嘉怡",
    "皓轩",
    "若汐",
    "天佑",
    "梦琪",
]
REGION = "370211"  # 青岛市黄岛区
# The demo tree is an established one, founded years ago rather than on the day it is seeded:
# a just-created branch is too young for 勾选排名后20% (REC-05) and, from October 2 on, out of
# the year's 对标定级 (GRD-02) -- the branch admin's 团(总)支部自评 menu link answered 403.
FOUNDED = (2019, 9, 1)


class Demo:
    def __init__(self):
        self.seq = 0
        self.logins = []

    # --- orgs -----------------------------------------------------------------------------
    def org(self, parent, name, category, **fields):
        existing = Organization.objects.filter(parent=parent, name=name).first()
        if existing:
            return existing
        if category == OrgCategory.LEADERSHIP:
            fields.setdefault("phone", f"010-6{sum(map(ord, name)) % 10**7:07d}")
        return Organization.objects.create(
            parent=parent,
            name=name,
            full_name=suggest_full_name(parent, name),
            category=category,
            created_at=timezone.make_aware(datetime(*FOUNDED, 9)),
            **fields,
        )

    # --- people ---------------------------------------------------------------------------
    def person(self, name, birth, branch=None, region=REGION, mobile=True):
        self.seq += 1
        id_number = make_id_number(region, birth, self.seq)
        existing = Person.objects.filter(id_number=id_number).first()
        if existing:
            return existing
        return Person.objects.create_user(
            id_number, name=name, branch=branch, mobile=f"138{self.seq:08d}" if mobile else ""
        )

    def cadre(self, person, org, title=PostTitle.SECRETARY, admin=False, nature=PostNature.PART_TIME):
        post = CadrePost.objects.filter(person=person, org=org, ended_on__isnull=True).first()
        if post is None:
            slot = None
            if admin:
                slot = next(iter(CadrePost.objects.free_admin_slots(org.pk)), None)
            post = CadrePost.objects.create(
                person=person,
                org=org,
                title=title,
                nature=nature,
                admin_slot=slot,
                started_on=date(2023, 9, 1),
                **complete_post_fields(title),
            )
        elif not post.appointment_method:  # seeded before demo cadres were complete
            for field, value in complete_post_fields(title).items():
                setattr(post, field, value)
            post.save()
        if admin and post.admin_slot and not org.secretary_name and title == PostTitle.SECRETARY:
            org.secretary_name, org.secretary_id_number, org.secretary_mobile = (
                person.name,
                person.id_number,
                person.mobile,
            )
            org.save()
        return post

    def name(self):
        n = self.seq
        return SURNAMES[n * 7 % len(SURNAMES)] + GIVEN[n * 3 % len(GIVEN)]

    def login(self, role, person, note=""):
        self.logins.append((role, person, note))

    # --- the tree -------------------------------------------------------------------------
    def build(self):
        central = self.org(
            None, "团中央", OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.CENTRAL, sort_order=0
        )
        admin = self.person("赵建国", date(1988, 3, 12), region="110101")
        self.cadre(admin, central, PostTitle.STAFF, admin=True, nature=PostNature.FULL_TIME)
        self.login("团中央管理员", admin)

        provinces = {}
        for i, (name, region) in enumerate(PROVINCES, start=1):
            prov = self.org(
                central, name, OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.PROVINCE, sort_order=i
            )
            provinces[name] = (prov, region)
            self.org(prov, f"{name.removeprefix('团').removesuffix('委')}特殊单位专属库", OrgCategory.SPECIAL_UNIT_POOL)
        for i, name in enumerate(CENTRAL_ORGANS, start=len(PROVINCES) + 1):
            self.org(central, name, OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.PROVINCE, sort_order=i)

        shandong, _ = provinces["团山东省委"]
        p_admin = self.person("孙立新", date(1987, 6, 1), region="370102")
        self.cadre(p_admin, shandong, PostTitle.STAFF, admin=True, nature=PostNature.FULL_TIME)
        self.login("省级团委管理员（团山东省委）", p_admin)

        qingdao = self.org(shandong, "团青岛市委", OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.CITY)
        c_admin = self.person("钱晓峰", date(1989, 2, 2), region="370202")
        self.cadre(c_admin, qingdao, PostTitle.STAFF, admin=True, nature=PostNature.FULL_TIME)
        self.login("市级团委管理员（团青岛市委）", c_admin)

        self.university(qingdao)
        self.county(qingdao)
        self.org_pages(shandong, qingdao)
        self.people_with_problems()
        # Last, so the people above keep their ID numbers (they follow `seq`).
        for organ, secretary, birth, region in (
            (central, "刘振华", date(1979, 10, 8), "110101"),
            (shandong, "王晓明", date(1984, 5, 20), "370102"),
            (qingdao, "张立军", date(1983, 8, 16), "370202"),
            (Organization.objects.get(name="团黄岛区委", parent=qingdao), "陈海燕", date(1986, 11, 3), REGION),
        ):
            self.complete_organ(organ, secretary, birth, region)
        self.personal_details()

    def complete_organ(self, organ, secretary_name, birth, region):
        """ORG-07 / ORG-10: a leadership organ with a login has its info complete — 电子邮箱, the
        staffing numbers and a registered 书记 with a mobile number — so its admin isn't told
        "本组织信息尚未完整录入" on the demo."""
        secretary = self.person(secretary_name, birth, region=region)
        self.cadre(secretary, organ, PostTitle.SECRETARY, nature=PostNature.FULL_TIME)
        if organ.admin_staff_quota is None:
            organ.email = organ.email or f"tuanwei{organ.pk}@example.cn"
            organ.admin_staff_quota, organ.admin_staff_actual = 12, 11
            organ.career_staff_quota, organ.career_staff_actual = 4, 4
            organ.secretary_name, organ.secretary_id_number = secretary.name, secretary.id_number
            organ.secretary_mobile = secretary.mobile
            organ.info_submitted_at = organ.created_at
            organ.save()

    def personal_details(self):
        """MEM-01 fields for demo people still without them (joined_month empty), so the lists
        look real: students in school branches, workers elsewhere; some party members and
        volunteers. Only blank people are filled, so a re-run changes nothing."""
        from members.choices import Education, Occupation, PoliticalStatus, StudyStatus

        for person in Person.objects.filter(joined_month__isnull=True, is_superuser=False).select_related("branch"):
            n = person.pk
            joined = date(person.birth_date.year + 14, 5 + n % 6, 1)
            student = person.branch is not None and person.branch.industry == Industry.UNIVERSITY
            person.ethnicity = ("汉族", "汉族", "回族", "满族", "汉族")[n % 5]
            person.education = Education.BACHELOR if student or n % 3 else Education.MASTER
            person.occupation = Occupation.STUDENT if student else Occupation.PUBLIC_INSTITUTION
            person.occupation_detail = StudyStatus.UNDERGRADUATE if student else "团务工作人员"
            person.political_status = PoliticalStatus.LEAGUE_MEMBER
            if not student and n % 2:
                person.political_status = PoliticalStatus.PARTY_MEMBER
                person.party_joined_month = date(joined.year + 8, 7, 1)
            person.joined_month = joined
            # A 1 after the year keeps these clear of members.demo's numbers (year + 0000050x):
            # the pk alone met them once earlier seeds in the same database had used up pks.
            person.development_number = f"{joined.year}1{n:07d}" if joined.year >= 2017 else ""
            person.party_application_submitted = n % 4 == 0
            person.party_application_date = date(joined.year + 4, 10, 1) if n % 4 == 0 else None
            person.is_volunteer = n % 3 != 0
            person.volunteer_since = date(joined.year + 2, 3, 1) if n % 3 else None
            if not person.mobile:
                person.mobile = f"139{n:08d}"
            person.save()

    def people_with_problems(self):
        """For the prompts and filters (MEM-04, MEM-08): a member with a bad 发展团员编号 and
        one with an incomplete record, in 2班 (its secretary and the 2023级团总支 admin see the prompt)."""
        from members.choices import Occupation, PoliticalStatus, StudyStatus

        branch = Organization.objects.get(name="计算机专业2023级2班团支部")
        for name, number, complete in (("蒋浩宇", "2019123", True), ("沈佳琪", "", False)):
            self.seq += 1
            id_number = make_id_number(REGION, date(2005, 9, 9), 900 + self.seq % 100)
            if Person.objects.filter(id_number=id_number).exists():
                continue
            fields = dict(joined_month=date(2019, 5, 1) if complete else date(2016, 5, 1), development_number=number)
            if complete:
                fields |= dict(
                    ethnicity="汉族",
                    education="bachelor",
                    occupation=Occupation.STUDENT,
                    occupation_detail=StudyStatus.UNDERGRADUATE,
                    political_status=PoliticalStatus.LEAGUE_MEMBER,
                    party_application_submitted=False,
                    is_volunteer=False,
                    mobile=f"137{self.seq:08d}",
                )
            Person.objects.create_user(id_number, name=name, branch=branch, **fields)

    def org_pages(self, shandong, qingdao):
        """Content for the 组织管理 pages: filled-in org info (some complete, some not),
        open 管理员注册码 for the county's sub-orgs, and graduation marks on one grade."""
        from orgs.codes import generate
        from orgs.graduation import mark_branches

        for org in Organization.objects.filter(
            name__in=["中国石油大学（华东）团委", "计算机科学与技术学院团委", "2023级团总支"]
        ):
            if org.admin_staff_quota is None:
                org.admin_staff_quota = org.admin_staff_actual = org.career_staff_quota = org.career_staff_actual = 0
                org.info_submitted_at = org.created_at
                org.save()
        huangdao = Organization.objects.get(name="团黄岛区委", parent=qingdao)
        by = CadrePost.objects.admins().filter(org=huangdao).first().person
        for sub in huangdao.get_children():
            if not sub.registration_codes.filter(used_at__isnull=True, expired=False).exists():
                generate(sub, by=by)
        grade = Organization.objects.get(name="2022级团总支")
        unmarked = grade.get_children().filter(graduation_month__isnull=True, graduation_unknown_reason="")
        if unmarked.exists():
            grade_admin = CadrePost.objects.admins().filter(org=grade.parent).first().person
            year = timezone.localdate().year + 1
            mark_branches(
                grade.parent,
                list(unmarked.values_list("pk", flat=True)),
                month=date(year, 6, 1),
                reason="",
                by=grade_admin,
            )

    def university(self, city):
        upc = self.org(
            city,
            "中国石油大学（华东）团委",
            OrgCategory.COMMITTEE,
            industry=Industry.UNIVERSITY,
            school_code="4137010425",
            student_count=31000,
            phone="0532-86981234",
        )
        u_sec = self.person("周文静", date(1985, 9, 9))
        self.cadre(u_sec, upc, PostTitle.SECRETARY, admin=True, nature=PostNature.FULL_TIME)
        self.login("高校团委管理员（中国石油大学（华东）团委）", u_sec)

        multi = None
        for college, major, year in [
            ("计算机科学与技术学院团委", "计算机专业", 2023),
            ("石油工程学院团委", "石油工程专业", 2022),
        ]:
            col = self.org(upc, college, OrgCategory.COMMITTEE, industry=Industry.UNIVERSITY)
            col_sec = self.person(self.name(), date(1992, 4, 4))
            self.cadre(col_sec, col, PostTitle.SECRETARY, admin=True, nature=PostNature.FULL_TIME)
            grade = self.org(col, f"{year}级团总支", OrgCategory.GENERAL_BRANCH, industry=Industry.UNIVERSITY)
            if multi is None:
                # One counsellor administers both the college committee and its grade 总支:
                # the demo's 切换其他组织 account.
                multi = col_sec
                self.cadre(multi, grade, PostTitle.SECRETARY, admin=True)
                self.login("多岗团干部（学院团委 + 年级团总支，可切换组织）", multi)
            for klass in (1, 2, 3):
                branch = self.org(
                    grade, f"{major}{year}级{klass}班团支部", OrgCategory.BRANCH, industry=Industry.UNIVERSITY
                )
                self.branch_people(
                    branch, date(year - 18, 3, 1), first_branch=(college, klass) == ("计算机科学与技术学院团委", 1)
                )
                if (college, klass) == ("计算机科学与技术学院团委", 3):  # members.demo: new members' e-archives
                    secretary = CadrePost.objects.admins().filter(org=branch).first().person
                    self.login(f"团支部管理员（{branch.name}，有新团员的入团志愿书待上传）", secretary)

    def county(self, city):
        huangdao = self.org(city, "团黄岛区委", OrgCategory.LEADERSHIP, leadership_level=LeadershipLevel.COUNTY)
        h_admin = self.person("吴海涛", date(1990, 7, 7))
        self.cadre(h_admin, huangdao, PostTitle.STAFF, admin=True, nature=PostNature.FULL_TIME)
        self.login("县级团委管理员（团黄岛区委）", h_admin)
        street = self.org(huangdao, "长江路街道团工委", OrgCategory.WORKING_COMMITTEE, industry=Industry.STREET)
        s_sec = self.person(self.name(), date(1993, 1, 15))
        self.cadre(s_sec, street, PostTitle.SECRETARY, admin=True, nature=PostNature.SECONDED)
        self.login("街道团工委管理员（长江路街道团工委）", s_sec)
        self.org(street, "长江路街道流动团员团支部", OrgCategory.FLOATING, industry=Industry.STREET)
        community = self.org(street, "香江路社区团支部", OrgCategory.BRANCH, industry=Industry.COMMUNITY)
        self.branch_people(community, date(1999, 5, 1))

    def branch_people(self, branch, born_around, first_branch=False):
        people = [self.person(self.name(), born_around.replace(day=1 + i), branch=branch) for i in range(6)]
        secretary = people[0]
        self.cadre(secretary, branch, PostTitle.SECRETARY, admin=True)
        self.cadre(people[1], branch, PostTitle.ORGANIZATION_MEMBER)
        if first_branch:
            self.login(f"团支部管理员（{branch.name}）", secretary)
            self.login("团员（个人中心）", people[3])


class Command(BaseCommand):
    help = "生成演示数据（可重复运行，不会重复创建），并打印各角色的登录账号。"

    def handle(self, *args, **options):
        demo = Demo()
        with transaction.atomic():
            demo.build()
            # Each app may add its own demo data in `<app>/demo.py`: `seed(stdout)`, idempotent.
            # Found through the app registry, so members does not import the apps above it.
            for config in apps.get_app_configs():
                if module_has_submodule(config.module, "demo"):
                    import_module(f"{config.name}.demo").seed(self.stdout)
            ops = Person.objects.filter(id_number=make_id_number("110101", date(1980, 1, 1), 999)).first()
            if ops is None:
                ops = Person.objects.create_superuser(make_id_number("110101", date(1980, 1, 1), 999), name="郑志远")
        demo.login("运维人员（运维后台 /ops/admin/）", ops)
        self.stdout.write(
            f"演示数据就绪：{Organization.objects.count()} 个组织，{Person.objects.count()} 人。"
            "初始密码为身份证号码后8位，首次登录须修改密码。"
        )
        for role, person, _note in demo.logins:
            password = person.id_number[-8:] if person.must_change_password else "（已修改）"
            self.stdout.write(f"  {role}\n      账号 {person.id_number}  密码 {password}")
