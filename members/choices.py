"""Every enumeration of people and posts, with the seeds' Chinese labels."""

from django.db import models


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PostTitle(models.TextChoices):
    """团内现任职务."""

    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    STANDING_MEMBER = "standing_member", "常委"
    COMMITTEE_MEMBER = "committee_member", "委员"
    ORGANIZATION_MEMBER = "organization_member", "组织委员"
    PROPAGANDA_MEMBER = "propaganda_member", "宣传委员"
    DEPARTMENT_HEAD = "department_head", "部长"
    STAFF = "staff", "工作人员"
    OTHER = "other", "其他"


class PostNature(models.TextChoices):
    """团干部性质 (CAD-05)."""

    FULL_TIME = "full_time", "专职"
    SECONDED = "seconded", "挂职"
    PART_TIME = "part_time", "兼职"


class VerificationStatus(models.TextChoices):
    """身份认证状态 (MEM-10)."""

    UNVERIFIED = "unverified", "未认证"
    PASSED = "passed", "认证通过"
    FAILED = "failed", "认证不通过"


# --- MEM-01: the personal fields' national choice lists -------------------------------------

# 民族 (GB/T 3304): the 56 nationalities, plus 其他 and 外国血统中国籍人士.
ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "其他",
    "外国血统中国籍人士",
]  # noqa: SIM905 -- one readable line per row of the standard
Ethnicity = models.TextChoices("Ethnicity", [(e, e) for e in ETHNICITIES])


class Education(models.TextChoices):
    """学历 (GB/T 4658, as the real system groups it)."""

    DOCTORATE = "doctorate", "研究生（博士）"
    MASTER = "master", "研究生（硕士）"
    BACHELOR = "bachelor", "大学本科"
    JUNIOR_COLLEGE = "junior_college", "大学专科"
    SECONDARY_SPECIALIZED = "secondary_specialized", "中等专科"
    VOCATIONAL_HIGH = "vocational_high", "职业高中"
    TECHNICAL_SCHOOL = "technical_school", "技工学校"
    HIGH_SCHOOL = "high_school", "普通高中"
    JUNIOR_HIGH = "junior_high", "初中"
    PRIMARY = "primary", "小学"
    OTHER = "other", "其他"


class Occupation(models.TextChoices):
    """职业. For 学生 the next field is the 在读状况 (StudyStatus); otherwise the 具体职业 in words."""

    STUDENT = "student", "学生"
    PARTY_GOVERNMENT = "party_government", "党政机关工作人员"
    PUBLIC_INSTITUTION = "public_institution", "事业单位工作人员"
    STATE_ENTERPRISE = "state_enterprise", "国有企业员工"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公有制企业员工"
    SOCIAL_ORGANIZATION = "social_organization", "社会组织从业人员"
    FARMER = "farmer", "农民"
    MIGRANT_WORKER = "migrant_worker", "进城务工人员"
    FREELANCE = "freelance", "自由职业者"
    MILITARY = "military", "军人"
    UNEMPLOYED = "unemployed", "待业"
    OTHER = "other", "其他"


class StudyStatus(models.TextChoices):
    """在读状况 of a student."""

    JUNIOR_HIGH = "junior_high", "初中在读"
    HIGH_SCHOOL = "high_school", "普通高中在读"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中职在读"
    VOCATIONAL_COLLEGE = "vocational_college", "高职（专科）在读"
    UNDERGRADUATE = "undergraduate", "本科在读"
    POSTGRADUATE = "postgraduate", "研究生在读"


class PoliticalStatus(models.TextChoices):
    """政治面貌 (GB/T 4762) of a league member: party members under 28 keep their membership."""

    LEAGUE_MEMBER = "league_member", "共青团员"
    PARTY_PROBATIONARY = "party_probationary", "中共预备党员"
    PARTY_MEMBER = "party_member", "中共党员"


PARTY_STATUSES = frozenset({PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PARTY_PROBATIONARY})


class AppointmentMethod(models.TextChoices):
    """任现职方式."""

    ELECTED = "elected", "选举"
    APPOINTED = "appointed", "任命"
    HIRED = "hired", "聘任"
    OTHER = "other", "其他"


class DutyStatus(models.TextChoices):
    """在岗状态."""

    ON_DUTY = "on_duty", "在岗"
    OFF_DUTY = "off_duty", "不在岗"


# --- CAD / GRAD: cadre changes, removals and graduate marks -----------------------------------

# CAD-05: the seed's definitions (操作指引 3.3 / 3.4), shown as help on the cadre forms.
NATURE_HELP = (
    "专职团干部：在单独设置的团的组织机构中，有正式编制（或岗位设置）、职级待遇根据团的岗位确定、以团的工作为主要任务的团干部。"
    "挂职团干部：在团组织中明确挂任一定职务、承担相应工作职责的团干部，一般脱离原单位（岗位）、挂职时间不少于1年。"
    "兼职团干部：日常有自己的主要学业或职业、不以团的工作为主要任务的团干部。"
    "学生团干部：各类学生团组织中的学生团干部，均作为兼职团干部进行录入、统计、监测。"
)
VOLUNTEER_HINT = "团干部都应率先成为注册志愿者：该团干部尚未成为注册志愿者，请提醒其下载“志愿者打卡器”APP进行注册。"


class PostChangeKind(models.TextChoices):
    """What a 职务变更记录 row records (CAD-01, CAD-02)."""

    CHANGE = "change", "职务变更"
    REMOVE = "remove", "移除团干部"


class RemovalDestination(models.TextChoices):
    """移除去向 (CAD-02). **(decision)** the seed shows a list without naming it; 其他 needs text."""

    TRANSFERRED = "transferred", "调任其他团组织"
    PARTY_GOVERNMENT = "party_government", "转任党政机关职务"
    OTHER_UNIT = "other_unit", "转任企事业单位职务"
    FURTHER_STUDY = "further_study", "升学"
    GRADUATED = "graduated", "毕业"
    RETIRED = "retired", "退休"
    RESIGNED = "resigned", "辞职"
    AGED_OUT = "aged_out", "超龄离团"
    OTHER = "other", "其他"


class GraduateMarkKind(models.TextChoices):
    """被标记成员身份 in a 毕业生团组织 (GRAD-01)."""

    DELAYED = "delayed", "延迟毕业生"
    TEACHER = "teacher", "教师"
