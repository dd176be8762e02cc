"""The left menu and 当前位置, in the seeds' words, showing only what the acting role may use.

Each entry names a URL and the audience it is for: "admin" (acting for an org), "member"
(personal center) or "all", and may add a condition on the request. Menu groups with no visible
entry are not shown. NAV-02: the seeds' menu paths and the entries serving them are the table of
tests/core/test_navigation.py.

NAV-01: every page's 当前位置 is computed here, from the URL name of the request: a menu entry reads
"group › entry"; a page outside the menu is declared once in `PAGES` with the page it is reached
from (an entry or another page) and its own name; the header's 操作中心 and 系统设置 are `HEADER`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, resolve, reverse
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    audience: str = "admin"  # "admin", "member" or "all"
    when: Callable | None = None  # extra condition on the request
    query: str = ""  # e.g. "?kind=honor": a tab of the page the URL names
    external: str = ""  # a key of settings.ZHTJ holding an address outside the site (opened in a new tab)

    def visible(self, request):
        if self.audience == "all":
            return self.when is None or self.when(request)
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
    # The personal center in seed 003's words: 我的首页-团员基本材料, 我的组织, 三会-支部团员大会/支部委员会/
    # 团小组会, 两制-团员教育评议/年度团籍注册, 团课-团课/公开团课, 团日活动, 团员教育, 关系转接.
    Group(
        "我的首页",
        "person",
        (
            Entry("我的首页", "home", "member"),
            Entry("团员基本材料", "members:me", "member"),
            Entry("我的激励", "incentives:mine", "member"),
            Entry("我的团员电子档案", "members:my_archive", "member"),
        ),
    ),
    Group("我的组织", "people", (Entry("我的组织", "members:my_org", "member"),)),
    Group(
        "三会",
        "chat-square-text",
        (
            # the three sections of the member's 三会·两制·一课 page
            Entry("支部团员大会", "orgs:my_life", "member", query="#meetings-1"),
            Entry("支部委员会", "orgs:my_life", "member", query="#meetings-2"),
            Entry("团小组会", "orgs:my_life", "member", query="#meetings-3"),
        ),
    ),
    Group(
        "两制",
        "card-checklist",
        (
            Entry("团员教育评议", "orgs:my_life", "member", query="#education-review"),
            Entry("年度团籍注册", "orgs:my_life", "member", query="#annual-registration"),
        ),
    ),
    Group(
        "团课",
        "easel",
        (
            Entry("团课", "orgs:my_life", "member", query="#lectures"),
            Entry("公开团课", "orgs:my_lectures", "member"),  # seed 003: 团课-公开团课 (EDU-01)
        ),
    ),
    Group("团日活动", "flag", (Entry("团日活动", "orgs:my_activities", "member"),)),
    Group("团员教育", "book", (Entry("团员教育", "", "member", external="EDU_LEARNING_SITE_URL"),)),  # EDU-03
    Group("关系转接", "arrow-left-right", (Entry("关系转接", "transfers:my", "member"),)),
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
            Entry("团干部培训", "members:trainings"),  # 团干部培训-录入培训信息 (CAD-03)
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


def menu_html(menu, path):
    """The left menu `menu_for` gave, as HTML, the link to `path` marked active. A role's menu is
    the same ~40 links on every page it opens: rendered once per process for each menu and
    active link (~1 ms of template work a page otherwise), never anything else of the request."""
    urls = {link["url"] for group in menu for link in group["links"] if not link.get("external")}
    key = tuple(
        (g["label"], g["icon"], tuple((a["label"], a["url"], bool(a.get("external"))) for a in g["links"]))
        for g in menu
    )
    return _menu_html(key, path if path in urls else "")


@lru_cache(maxsize=1024)
def _menu_html(key, active):
    menu = [
        {"label": label, "icon": icon, "links": [{"label": a, "url": u, "external": e} for a, u, e in links]}
        for label, icon, links in key
    ]
    return mark_safe(render_to_string("includes/left_menu.html", {"menu": menu, "active": active}))


# --- 当前位置 (NAV-01) ----------------------------------------------------------------------------

# The header's own places (seed 000: 操作中心 and 系统设置-修改密码 sit in the top bar).
HEADER = {"inbox": ("操作中心",), "password_change": ("系统设置", "修改密码")}

# Pages outside the menu: URL name → (the page(s) it is reached from, its own name). The first of
# several parents the role can see is used; a parent taking the same arguments links back to it.
PAGES = {
    # 组织首页, 操作中心
    "orgs:graduation_correction": ("inbox", "毕业时间更正申请"),
    "members:deletion_decide": ("inbox", "删除人员申请"),
    "rectification:correction": ("inbox", "自检表更正申请"),
    "sent": ("inbox", "我发起的"),
    "orgs:notices_sent": ("orgs:notices", "已发布的通知"),
    "orgs:notice": ("orgs:notices", "通知详情"),
    "orgs:notice_edit": ("orgs:notice", "编辑"),
    "orgs:notice_reads": ("orgs:notice", "阅读情况"),
    # 组织管理
    "orgs:detail": (("orgs:children", "orgs:mine"), "组织详情"),
    "orgs:create_batch": ("orgs:create", "批量创建"),
    "orgs:code": ("orgs:children", "管理员注册码"),
    "orgs:codes_batch": ("orgs:children", "批量生成管理员注册码"),
    "orgs:delete": ("orgs:children", "删除组织"),
    "orgs:info_edit": ("orgs:mine", "编辑"),
    "orgs:key_domain": ("orgs:mine", "重点领域信息"),
    "orgs:graduation_correct": ("orgs:graduation", "毕业时间更正"),
    # 团员管理
    "members:detail": ("members:list", "团员详情"),
    "members:edit": ("members:detail", "编辑"),
    "members:reset_code": ("members:detail", "重置密码验证码"),
    "members:deletion_request": ("members:detail", "删除申请"),
    "members:import": (("members:enter", "members:enter_sub", "members:enter_cadre"), "批量导入"),
    "members:import_status": (("members:enter", "members:enter_sub", "members:enter_cadre"), "导入进度"),
    "members:import_confirm": (("members:enter", "members:enter_sub", "members:enter_cadre"), "确认导入"),
    "members:graduates": ("orgs:graduation", "标记延迟毕业团员/教师"),
    "members:archive_person": (("members:archives", "members:archive_cadres"), "电子档案"),
    "members:archive_upload": ("members:archive_person", "上传档案"),
    "members:archive_change": ("members:archive_person", "档案变更申请"),
    # 团干部管理
    "members:cadre": ("members:cadres", "团干部详情"),
    "members:cadre_change": ("members:cadre_changes", "职务变更"),
    "members:cadre_remove": ("members:cadres", "移除团干部"),
    "members:training_add": (("members:trainings", "members:cadres"), "录入培训信息"),
    "members:training_edit": (("members:trainings", "members:cadres"), "编辑培训信息"),
    # 业务办理
    "members:admin_change_sub": ("members:admin_change", "下级组织管理员"),
    "members:admin_request": ("members:admin_change", "管理员变更申请"),
    "members:archive_review": ("members:archive_approvals", "团员电子档案审批"),
    "members:archive_change_review": ("members:archive_approvals", "档案变更申请审批"),
    "transfers:detail": (("transfers:approvals", "transfers:handle"), "转接详情"),
    "orgs:registration": ("orgs:registrations", "审批"),
    "members:join_approval": ("members:join_approvals", "审批"),
    "members:join_link": ("members:join_approvals", "注册链接与二维码"),
    # 团内激励
    "incentives:evaluation_record": ("incentives:evaluation", "记载评议结果"),
    "incentives:honor_new": ("incentives:honors", "荣誉记载"),
    "incentives:honor_delegate": ("incentives:honors", "授权审批团组织"),
    "incentives:development_new": ("incentives:development", "发展激励记载"),
    "incentives:development_update": ("incentives:development", "更新状态"),
    "incentives:joining_new": ("incentives:joining", "入团激励记载"),
    "incentives:opportunity_new": ("incentives:opportunity", "机会激励记载"),
    # 组织整顿, 对标定级
    "rectification:self_check_fill": ("rectification:self_check", "填写自检表"),
    "rectification:select_bottom": ("rectification:branches", "勾选排名后20%团支部"),
    "rectification:key_list": ("rectification:branches", "重点整顿团支部列表"),
    "rectification:review": ("rectification:branches", "自检表审核"),
    "rectification:evaluate": ("rectification:evaluate_list", "评估"),
    "rectification:correct": ("rectification:branches", "申请更正自检表"),
    # 组织生活, 团课
    "orgs:life_detail": ("orgs:life_list", "记录详情"),
    "orgs:life_edit": ("orgs:life_detail", "编辑"),
    "orgs:lecture": ("orgs:lectures", "学习情况"),
    "orgs:lecture_edit": ("orgs:lecture", "编辑"),
    # the personal center
    "orgs:watch": ("orgs:my_lectures", "观看团课"),
}


# Pages that, showing the acting org itself, are the menu entry that opens them.
OWN_ORG_PAGES = {"orgs:detail": "orgs:mine"}


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str = ""


def _entry_for(request, url_name):
    """(group, entry) of the menu for `url_name` as the request sees it: a visible entry whose tab
    (`?kind=…`) the request is on, else a visible one without a tab, else None."""
    found = [(g, e) for g in MENU for e in g.entries if e.url_name == url_name and e.visible(request)]
    for g, e in found:
        if e.query.startswith("?") and e.query[1:] in request.META.get("QUERY_STRING", "").split("&"):
            return g, e
    plain = [(g, e) for g, e in found if not e.query.startswith("?")]
    return (plain or found or [None])[0]


def _link(url_name, kwargs):
    for args in (kwargs, {}):
        try:
            return reverse(url_name, kwargs=args)
        except NoReverseMatch:
            continue
    return ""


def trail(request, url_name=None, kwargs=None, depth=0):
    """当前位置 of the page `url_name` (the request's own by default): a list of Crumbs, or [] for a
    page with no place (public pages, downloads)."""
    match = getattr(request, "resolver_match", None)
    if url_name is None:
        if match is None:
            return []
        url_name, kwargs = match.view_name, match.kwargs
    acting = getattr(request, "acting_org", None)
    if url_name in OWN_ORG_PAGES and acting is not None and (kwargs or {}).get("pk") == acting.pk:
        url_name, kwargs = OWN_ORG_PAGES[url_name], {}
    if url_name in HEADER:
        *above, label = HEADER[url_name]
        return [Crumb(a) for a in above] + [Crumb(label, _link(url_name, {}))]
    found = _entry_for(request, url_name)
    if found is not None:
        group, entry = found
        crumbs = [] if group.label == entry.label else [Crumb(group.label)]
        return crumbs + [Crumb(entry.label, _path(entry.url_name, get_script_prefix()) + entry.query)]
    if url_name not in PAGES or depth > 5:
        return []
    parents, label = PAGES[url_name]
    parents = (parents,) if isinstance(parents, str) else parents
    parent = next((p for p in parents if p in HEADER or p in PAGES or _entry_for(request, p)), parents[0])
    above = trail(request, parent, kwargs, depth + 1)
    if above and not above[-1].url:
        above[-1] = Crumb(above[-1].label, _link(parent, kwargs or {}))
    return above + [Crumb(label, _link(url_name, kwargs or {}))]
