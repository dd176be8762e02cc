"""组织简称 rules (ORG-04) and which categories a parent may create (ORG-08).

One place for both creation paths (单个创建 and 批量创建): each check returns the
reason in Chinese, naming the rule, or None when the name is acceptable.
"""

import re

from django.conf import settings
from django.utils import timezone

from zhtj.core.names import org_name_characters_problem

from .choices import CREATABLE_CATEGORIES, OrgCategory
from .models import Organization

# The rules word for word as the seed states them (seed 003 二(一)3(3)(3.1) 注意事项(ii)), quoted
# in the template instructions and on the page; 团工委 follows the same pattern (ORG-04).
NAMING_RULES = (
    "“组织简称”的命名规则：团的领导机关简称为“团+行政区划名称+委”，例如：团山东省委、团济南市委、团天桥区委等。"
    "基层团组织简称为“单位/行政区划名称+团委/团总支/团支部”，例如：建国门街道团委、大雅宝社区团支部、北控集团团委、包装车间团支部等。"
    "学校班级团支部以“(专业)入学年份+班号+团支部”命名，例如：2017级1班团支部、计算机专业2017级3班团支部。"
)

# The suffix each grassroots category's short name must end with, and an example.
SUFFIX = {
    OrgCategory.COMMITTEE: "团委",
    OrgCategory.WORKING_COMMITTEE: "团工委",
    OrgCategory.GENERAL_BRANCH: "团总支",
    OrgCategory.BRANCH: "团支部",
}
EXAMPLE = {
    OrgCategory.COMMITTEE: "北控集团团委",
    OrgCategory.WORKING_COMMITTEE: "高新区团工委",
    OrgCategory.GENERAL_BRANCH: "机关团总支",
    OrgCategory.BRANCH: "包装车间团支部",
}
# Longest first: 团工委 also ends with 委, and a suffix is recognised by its longest match.
_SUFFIXES_LONGEST_FIRST = sorted(set(SUFFIX.values()), key=len, reverse=True)

CLASS_BRANCH_RULE = "学校班级团支部须按“(专业)入学年份级+班号+团支部”命名（入学年份为4位数字，班号为数字），如：2017级1班团支部、计算机专业2017级3班团支部"
_CLASS_BRANCH = re.compile(r"^(?P<major>.*?)(?P<year>[0-9]{4})级(?P<number>[0-9]{1,3})班团支部$")
_FORMULA_START = ("=", "+", "-", "@")
EARLIEST_ENTRY_YEAR = 1950  # (decision) an 入学年份 before this is a typo


def suffix_of(name):
    """The grassroots suffix `name` ends with (the longest that matches), or None."""
    return next((s for s in _SUFFIXES_LONGEST_FIRST if name.endswith(s)), None)


def is_class_branch_name(name):
    """A school class branch is recognised by 级 and 班 in its name (2017级1班团支部)."""
    return "级" in name and "班" in name


def short_name_problem(name, category, sibling_names=()):
    """Why `name` can't be the 组织简称 of a new sub-org of `category` under a parent whose
    direct children are called `sibling_names`; None if it can (ORG-04)."""
    name = name or ""
    if not name.strip():
        return "请填写组织简称。"
    if any(ch.isspace() for ch in name):
        return "组织简称不能包含空格、换行等空白字符。"
    if problem := org_name_characters_problem(name):
        return problem
    if name.startswith(_FORMULA_START):
        return "组织简称不能以“=”“+”“-”“@”开头。"
    longest = settings.ZHTJ["ORG_SHORT_NAME_MAX_LENGTH"]
    if len(name) > longest:
        return f"组织简称不能超过{longest}个字（现为{len(name)}个字）。"
    if category == OrgCategory.LEADERSHIP:
        problem = _leadership_problem(name)
    elif category in SUFFIX:
        problem = _grassroots_problem(name, category)
    elif category in OrgCategory.values:
        problem = f"不能创建组织类别为“{OrgCategory(category).label}”的组织。"
    else:
        problem = "请选择组织类别。" if not category else "组织类别无效。"
    if problem:
        return problem
    if name in sibling_names:
        return f"本组织已有名为“{name}”的下级组织，组织简称不能重复。"
    return None


def _grassroots_problem(name, category):
    wanted = SUFFIX[category]
    label = OrgCategory(category).label
    rule = f"组织类别为{label}时，组织简称须以“{wanted}”结尾，如：{EXAMPLE[category]}"
    found = suffix_of(name)
    if found != wanted:
        if found:
            return f"{rule}（“{name}”以“{found}”结尾，与组织类别不符）。"
        return rule + "。"
    if len(name) == len(wanted):
        return f"组织简称须为“单位/行政区划名称+{wanted}”，不能只有“{wanted}”，如：{EXAMPLE[category]}。"
    if category == OrgCategory.BRANCH and is_class_branch_name(name):
        return _class_branch_problem(name)
    return None


def _class_branch_problem(name):
    match = _CLASS_BRANCH.match(name)
    if match is None:
        return CLASS_BRANCH_RULE + "。"
    year = int(match["year"])
    latest = timezone.localdate().year + 1
    if not EARLIEST_ENTRY_YEAR <= year <= latest:
        return f"入学年份“{match['year']}”不合理（应在{EARLIEST_ENTRY_YEAR}—{latest}年之间）。{CLASS_BRANCH_RULE}。"
    if int(match["number"]) == 0:
        return f"班号不能为0。{CLASS_BRANCH_RULE}。"
    return None


def _leadership_problem(name):
    """团的领导机关: “团+行政区划名称+委” (团山东省委); 团中央 is the one exception."""
    if name == "团中央" or (len(name) >= 3 and name.startswith("团") and name.endswith("委") and not suffix_of(name)):
        return None
    return "团的领导机关简称须为“团+行政区划名称+委”，如：团山东省委、团济南市委、团天桥区委。"


# --- which categories a parent may create (ORG-08) ----------------------------------------


def creatable_categories(parent):
    """The categories `parent` may give a new direct sub-org. A branch kind has no sub-orgs;
    **(decision)** a 团总支 creates 团支部 only; leadership organs are initialized by ops."""
    if parent.is_branch_kind:
        return ()
    if parent.category == OrgCategory.GENERAL_BRANCH:
        return (OrgCategory.BRANCH,)
    return CREATABLE_CATEGORIES


def category_problem(parent, category):
    """Why `parent` may not create a sub-org of `category`; None if it may."""
    if not category:
        return "请选择组织类别。"
    if category in creatable_categories(parent):
        return None
    if parent.is_branch_kind:
        return "团支部没有下级组织，不能创建下级组织。"
    if category == OrgCategory.LEADERSHIP:
        return "团的领导机关已由系统初始化，无需创建。"
    if category not in OrgCategory.values:
        return "组织类别无效，请从列表中选择：" + "、".join(OrgCategory(c).label for c in CREATABLE_CATEGORIES) + "。"
    if category not in CREATABLE_CATEGORIES:
        return f"“{OrgCategory(category).label}”由系统生成，不能手工创建。"
    return f"{parent.get_category_display()}只能创建团支部，不能创建{OrgCategory(category).label}。"


def full_name_problem(full_name):
    """Why `full_name` can't be the 组织全称 (ORG-05: shown for correction before saving)."""
    full_name = full_name or ""
    if not full_name.strip():
        return "请填写组织全称。"
    if any(ch.isspace() for ch in full_name):
        return "组织全称不能包含空格、换行等空白字符。"
    if problem := org_name_characters_problem(full_name, "组织全称"):
        return problem
    if full_name.startswith(_FORMULA_START):
        return "组织全称不能以“=”“+”“-”“@”开头。"
    longest = Organization._meta.get_field("full_name").max_length
    if len(full_name) > longest:
        return f"组织全称不能超过{longest}个字（现为{len(full_name)}个字）。"
    return None
