"""The left menu, in the seeds' words, showing only what the acting role may use.

Each entry names a URL and the audience it is for: "admin" (acting for an org),
"member" (personal center), or a callable deciding from the request. Menu groups
with no visible entry are not shown. Apps add their entries here as they land.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, get_script_prefix, resolve, reverse


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    audience: str = "admin"
    when: Callable | None = None  # extra condition on the request
    query: str = ""  # e.g. "?kind=honor": a tab of the page the URL names
    external: str = ""  # a key of settings.ZHTJ holding an address outside the site (opened in a new tab)

    def visible(self, request):
        is_admin = getattr(request, "acting_org", None) is not None
        if self.audience == "admin" and not is_admin:
            return False
        if self.audience == "member" and is_admin:
            return False
        return self.when is None or self.when(request)


@dataclass(frozen=True)
class Group:
    label: str
    icon: str
    entries: tuple = field(default_factory=tuple)


def _committee(request):
    return not request.acting_org.is_branch_kind


def _branch(request):
    return request.acting_org.is_branch_kind


def _approves_archives(request):
    # ARC-03: 团的领导机关/团委/团工委 approve e-archives (the seed's 上级团委), never a 团总支
    return request.acting_org.category in ("leadership", "committee", "working_committee")


def _grading_self(request):
    # GRD-02: 团支部, 团总支, 毕业生团组织 (the categories rectification.choices names)
    return request.acting_org.category in ("branch", "general_branch", "graduate")


def _publishes_notices(request):
    # NTC-01: 团的领导机关, 团委, 团工委 (the categories orgs.choices.NOTICE_PUBLISHERS names)
    return request.acting_org.category in ("leadership", "committee", "working_committee")


def _policy_allows_lecture(request):
    # EDU-01 (decision): 团中央 and provincial organs (EDU_PUBLISHER_MAX_LEVEL)
    org = request.acting_org
    return org.category == "leadership" and (org.leadership_level or 99) <= settings.ZHTJ["EDU_PUBLISHER_MAX_LEVEL"]


def _may_mark_graduation(request):
    return request.acting_org.may_mark_graduation


@lru_cache(maxsize=256)
def _path(url_name, prefix):
    """A menu link's path: reversed once per process, not on every page (the menu has ~40)."""
    return reverse(url_name)


@lru_cache(maxsize=256)
def _policy(url_name, prefix):
    return resolve(_path(url_name, prefix)).func.access_policy


def _policy_allows(url_name):
    """Shown when the view's own access policy lets the request in (e.g. leadership(level))."""

    def when(request):
        try:
            _policy(url_name, get_script_prefix()).check(request)
        except PermissionDenied:
            return False
        return True

    return when


MENU = (
    Group(
        "组织首页",
        "house",
        (
            Entry("组织首页", "home"),
            Entry("工作通知", "orgs:notices"),  # NTC-02; seed 003: 组织首页 card 工作通知-查看
            Entry("发布工作通知", "orgs:notice_new", when=_publishes_notices),
            Entry("截止事项", "deadlines"),
        ),
    ),
    Group(
        "我的首页",
        "person",
        (
            Entry("我的首页", "home", "member"),
            Entry("我的组织", "members:my_org", "member"),
            Entry("我的激励", "incentives:mine", "member"),
            Entry("三会·两制·一课", "orgs:my_life", "member"),
            Entry("团日活动", "orgs:my_activities", "member"),
            Entry("我的团员电子档案", "members:my_archive", "member"),
            Entry("公开团课", "orgs:my_lectures", "member"),  # seed 003: 团课-公开团课 (EDU-01)
            Entry("团员教育", "", "member", external="EDU_LEARNING_SITE_URL"),  # EDU-03: 中国青年网, new tab
            Entry("关系转接", "transfers:my", "member"),
        ),
    ),
    Group(
        "组织管理",
        "diagram-3",
        (
            Entry("本组织信息", "orgs:mine"),
            Entry("管理下级组织", "orgs:children", when=_committee),
            Entry("创建下级组织", "orgs:create", when=_committee),
            Entry("组织录入情况", "orgs:progress", when=_committee),
            Entry("标记团支部毕业时间", "orgs:graduation", when=_may_mark_graduation),
        ),
    ),
    Group(
        "团员管理",
        "people",
        (
            Entry("录入团员团干部", "members:enter", when=_branch),
            Entry("录入下级支部成员", "members:enter_sub", when=_committee),
            Entry("团员列表", "members:list"),
            Entry("延迟毕业团员列表", "members:delayed", when=_may_mark_graduation),  # seed 003: a tab of 团员列表
            Entry("超龄团员", "members:aged_out"),
            Entry("团员电子数据库", "members:archives", when=_branch),
            Entry("下级支部团员电子数据库", "members:archives", when=_committee),
        ),
    ),
    Group(
        "团干部管理",
        "person-badge",
        (
            Entry("团干部列表", "members:cadres"),
            Entry("录入本级团干部", "members:enter_cadre", when=_committee),
            Entry("团干部职务变更", "members:cadre_changes"),
            Entry("重点领域基层团干部配备", "members:staffing", when=_policy_allows("members:staffing")),
            Entry("本级团干部电子数据库", "members:archive_cadres"),
        ),
    ),
    Group(
        "业务办理",
        "briefcase",
        (
            Entry("管理员变更", "members:admin_change"),
            Entry("下级团员电子档案审批", "members:archive_approvals", when=_approves_archives),
            Entry("组织关系转接办理", "transfers:handle"),
            Entry("组织关系转接审批", "transfers:approvals"),
            Entry("年度团籍注册审批", "orgs:registrations", when=_branch),
            Entry("团员团干部注册审批", "members:join_approvals", when=_branch),  # REG-02
        ),
    ),
    Group(
        "团内激励",
        "award",
        (
            # The seed's order; 荣誉审批 is the 荣誉激励 tab of 上级认证 (superior and granting org).
            Entry("荣誉审批", "incentives:certify", query="?kind=honor"),
            Entry("入团激励", "incentives:joining"),
            Entry("评议激励", "incentives:evaluation"),
            Entry("荣誉激励", "incentives:honors"),
            Entry("机会激励", "incentives:opportunity"),
            Entry("发展激励", "incentives:development"),
            Entry("上级认证", "incentives:certify"),
        ),
    ),
    Group(
        "组织整顿",
        "tools",
        (
            Entry("团支部自检", "rectification:self_check", when=_branch),
            Entry("评估下级团支部", "rectification:evaluate_list", when=_committee),
            Entry("整理整顿团支部", "rectification:branches", when=_committee),
            Entry("下级团支部整顿进度", "rectification:progress", when=_committee),
        ),
    ),
    Group(
        "对标定级",
        "star",
        (
            Entry("团(总)支部自评", "rectification:grading_self", when=_grading_self),
            Entry("上级复核", "rectification:grading_review", when=_committee),
        ),
    ),
    # 组织生活 (ORG-18) in the seed's menu paths: 三会-会议发布 (支部团员大会/支部委员会/团小组会
    # chosen on the form), 团课-团课上传, 团日活动-活动发布; ancestors read the records.
    Group("三会", "chat-square-text", (Entry("会议发布", "orgs:meeting_new", when=_branch),)),
    Group(
        "团课",
        "easel",
        (
            Entry("团课上传", "orgs:lecture_new", when=_branch),
            Entry("公开团课", "orgs:lectures"),  # EDU-02: who of the org's members studied
            Entry("发布公开团课", "orgs:lecture_publish", when=_policy_allows_lecture),
        ),
    ),
    Group("团日活动", "flag", (Entry("活动发布", "orgs:activity_new", when=_branch),)),
    Group("组织生活", "journal-text", (Entry("组织生活记录", "orgs:life_list"),)),
    Group(
        "团内大数据",
        "bar-chart",
        (
            Entry("团员年龄分布", "members:stats_age"),
            Entry("团员民族分布", "members:stats_ethnicity"),
            Entry("团员学历层次", "members:stats_education"),
        ),
    ),
)


def menu_for(request):
    groups = []
    for group in MENU:
        links = []
        for entry in group.entries:
            if not entry.visible(request):
                continue
            if entry.external:
                links.append({"label": entry.label, "url": settings.ZHTJ[entry.external], "external": True})
                continue
            try:
                links.append({"label": entry.label, "url": _path(entry.url_name, get_script_prefix()) + entry.query})
            except NoReverseMatch:
                continue
        if links:
            groups.append({"label": group.label, "icon": group.icon, "links": links})
    return groups
