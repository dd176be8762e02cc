"""The left menu, in the seeds' words, showing only what the acting role may use.

Each entry names a URL and the audience it is for: "admin" (acting for an org),
"member" (personal center), or a callable deciding from the request. Menu groups
with no visible entry are not shown. Apps add their entries here as they land.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    audience: str = "admin"
    when: Callable | None = None  # extra condition on the request

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


def _may_mark_graduation(request):
    return request.acting_org.may_mark_graduation


MENU = (
    Group("组织首页", "house", (Entry("组织首页", "home"),)),
    Group(
        "我的首页",
        "person",
        (
            Entry("我的首页", "home", "member"),
            Entry("我的组织", "members:my_org", "member"),
            Entry("我的团员电子档案", "members:my_archive", "member"),
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
            Entry("团员列表", "members:list"),
            Entry("团员电子数据库", "members:archives", when=_branch),
            Entry("下级支部团员电子数据库", "members:archives", when=_committee),
        ),
    ),
    Group(
        "团干部管理",
        "person-badge",
        (
            Entry("团干部列表", "members:cadres"),
            Entry("本级团干部电子数据库", "members:archive_cadres"),
        ),
    ),
    Group(
        "业务办理",
        "briefcase",
        (
            Entry("管理员变更", "members:admin_change"),
            Entry("下级团员电子档案审批", "members:archive_approvals", when=_committee),
        ),
    ),
    Group("团内激励", "award", ()),
    Group("组织整顿", "tools", ()),
    Group("对标定级", "star", ()),
    Group("三会两制一课", "journal-text", ()),
    Group("团内大数据", "bar-chart", ()),
)


def menu_for(request):
    groups = []
    for group in MENU:
        links = []
        for entry in group.entries:
            if not entry.visible(request):
                continue
            try:
                links.append({"label": entry.label, "url": reverse(entry.url_name)})
            except NoReverseMatch:
                continue
        if links:
            groups.append({"label": group.label, "icon": group.icon, "links": links})
    return groups
