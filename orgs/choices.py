"""Every enumeration of the org tree, with the seeds' Chinese labels."""

from django.db import models
from django.db.models import Q


class OrgCategory(models.TextChoices):
    """组织类别 (ORG-02). The last seven are branch kinds: members sit only there (ORG-03)."""

    LEADERSHIP = "leadership", "团的领导机关"
    COMMITTEE = "committee", "团委"
    WORKING_COMMITTEE = "working_committee", "团工委"
    GENERAL_BRANCH = "general_branch", "团总支"
    BRANCH = "branch", "团支部"
    GRADUATE = "graduate", "毕业生团组织"
    FLOATING = "floating", "流动团员团支部"
    PENDING_TRANSFER = "pending_transfer", "待接转团支部"
    SCHOOL_SOCIETY = "school_society", "学社衔接临时团支部"
    DELAYED_GRADUATION = "delayed_graduation", "延迟毕业团组织"
    ABROAD = "abroad", "出国(境)学习研究团员团支部"
    SPECIAL_UNIT_POOL = "special_unit_pool", "特殊单位专属库"


BRANCH_KINDS = frozenset(
    {
        OrgCategory.BRANCH,
        OrgCategory.GRADUATE,
        OrgCategory.FLOATING,
        OrgCategory.PENDING_TRANSFER,
        OrgCategory.SCHOOL_SOCIETY,
        OrgCategory.DELAYED_GRADUATION,
        OrgCategory.ABROAD,
        OrgCategory.SPECIAL_UNIT_POOL,
    }
)
# 特殊单位专属库 (ORG-02): a pool of members of military / classified units, filled only by transfers
# the provincial committee approves (TRF-09). It holds members like a branch but is no branch: nobody
# is entered or registers into it, and it takes no part in 整理整顿 or 对标定级.
POOL_CATEGORIES = frozenset({OrgCategory.SPECIAL_UNIT_POOL})
# 团委 / 团工委 / 团总支: the grassroots committees that hold sub-orgs but no members.
COMMITTEE_KINDS = frozenset({OrgCategory.COMMITTEE, OrgCategory.WORKING_COMMITTEE, OrgCategory.GENERAL_BRANCH})
# Categories a parent admin may pick when creating a sub-org (ORG-08); the special
# branch kinds are made by the system (graduation job, transfers, ops).
CREATABLE_CATEGORIES = (
    OrgCategory.COMMITTEE,
    OrgCategory.WORKING_COMMITTEE,
    OrgCategory.GENERAL_BRANCH,
    OrgCategory.BRANCH,
)


class LeadershipLevel(models.IntegerChoices):
    """Levels of 团的领导机关, highest first; `leadership(level)` policies compare them."""

    CENTRAL = 1, "团中央"
    PROVINCE = 2, "省级团委"
    CITY = 3, "市级团委"
    COUNTY = 4, "县级团委"


class Industry(models.TextChoices):
    """单位所属行业类别."""

    PARTY_GOVERNMENT = "party_government", "党政机关"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公有制企业"
    SOCIAL_ORGANIZATION = "social_organization", "社会组织"
    UNIVERSITY = "university", "普通高等院校"
    VOCATIONAL_COLLEGE = "vocational_college", "高等职业（专科）院校"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中等职业学校"
    HIGH_SCHOOL = "high_school", "普通高中"
    MIDDLE_SCHOOL = "middle_school", "初中"
    TOWNSHIP = "township", "乡镇"
    STREET = "street", "街道"
    COMMUNITY = "community", "城市社区"
    VILLAGE = "village", "农村"
    MILITARY = "military", "军队、武警"
    OTHER = "other", "其他"


# The school domain (ORG-15: who may mark graduation).
SCHOOL_INDUSTRIES = frozenset(
    {
        Industry.UNIVERSITY,
        Industry.VOCATIONAL_COLLEGE,
        Industry.SECONDARY_VOCATIONAL,
        Industry.HIGH_SCHOOL,
        Industry.MIDDLE_SCHOOL,
    }
)
HIGHER_EDUCATION_INDUSTRIES = frozenset({Industry.UNIVERSITY, Industry.VOCATIONAL_COLLEGE})
# 高校本级 (seed 3.2, ORG-14): a 普通高等院校 / 高等职业（专科）院校 org with a 学校标识码
# (重点领域基层团干部配备's rows, CAD-04; a partial index serves it).
UNIVERSITY_Q = Q(industry__in=sorted(HIGHER_EDUCATION_INDUSTRIES)) & ~Q(school_code="")


class EnterpriseLevel(models.TextChoices):
    """企业层级 of a 国有企业 org (ORG-14). **(decision)** by the owning government level."""

    CENTRAL = "central", "中央企业"
    PROVINCIAL = "provincial", "省属企业"
    MUNICIPAL = "municipal", "市属企业"
    COUNTY = "county", "县属企业"
    OTHER = "other", "其他国有企业"


# --- 组织生活 (ORG-18) ------------------------------------------------------------------------


class LifeKind(models.TextChoices):
    """三会 (three meeting kinds), 团课 and 团日活动: one record type, told apart by kind."""

    GENERAL_MEETING = "general_meeting", "支部团员大会"
    COMMITTEE_MEETING = "committee_meeting", "支部委员会"
    GROUP_MEETING = "group_meeting", "团小组会"
    LECTURE = "lecture", "团课"
    ACTIVITY = "activity", "团日活动"


MEETING_KINDS = (LifeKind.GENERAL_MEETING, LifeKind.COMMITTEE_MEETING, LifeKind.GROUP_MEETING)


class RegistrationState(models.TextChoices):
    """年度团籍注册 states (ORG-18)."""

    PENDING = "pending", "待审批"
    APPROVED = "approved", "已注册"
    REJECTED = "rejected", "不同意"


# --- 工作通知 (NTC-01) -------------------------------------------------------------------------

# The kinds of receiving org a notice may be limited to: the four committee categories by
# name, and every branch kind together as 团支部 (the seed's "只发团支部").
AUDIENCE_GROUPS = {
    "leadership": ("团的领导机关", frozenset({OrgCategory.LEADERSHIP})),
    "committee": ("团委", frozenset({OrgCategory.COMMITTEE})),
    "working_committee": ("团工委", frozenset({OrgCategory.WORKING_COMMITTEE})),
    "general_branch": ("团总支", frozenset({OrgCategory.GENERAL_BRANCH})),
    "branch": ("团支部（含各类团支部）", BRANCH_KINDS),
}
# NTC-01: who publishes 工作通知
NOTICE_PUBLISHERS = frozenset({OrgCategory.LEADERSHIP, OrgCategory.COMMITTEE, OrgCategory.WORKING_COMMITTEE})


def audience_group_of(category):
    return next(key for key, (_, categories) in AUDIENCE_GROUPS.items() if category in categories)


def level_label(depth):
    """下一级 … : the relative depth below the publisher, in the words of 组织录入情况 (二级组织 = the
    publisher's direct children)."""
    return f"{'一二三四五六七八九十'[depth]}级组织" if depth < 10 else f"{depth + 1}级组织"
