"""组织录入情况 (录入进度督导, ORG-11, BEY-01): per absolute level below the acting org, a
summary sentence, a table and an Excel download. Figures are live; the page and the
download run a constant number of queries whatever the size of the tree."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from zhtj.core.access import ORG_ADMIN, access
from zhtj.core.excel import export_response
from zhtj.core.pagination import paginate
from zhtj.core.replica import reads_replica

from .completeness import absolute_level, level_label, level_rows, level_summary

MIN_LAST_TAB = 6  # the seed always shows tabs down to 六级
HEADERS = [
    "组织简称",
    "组织全称",
    "上级组织",
    "是否已登录过系统",
    "组织信息是否完整",
    "是否已创建下级组织",
    "组织管理员",
    "联系电话",
    "管理员注册码",
]


def _committee_org(request):
    org = request.acting_org
    if org.is_branch_kind:
        raise PermissionDenied("组织录入情况仅供团的领导机关及团委、团工委、团总支管理员查看。")
    return org


def _requested_level(raw, first):
    """The level asked for in ?level=, or None when it is not a level below the acting org."""
    raw = (raw or "").strip()
    if not raw:
        return first
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3:
        return None
    level = int(raw)
    return level if level >= first else None


class Report:
    """The chosen level, its tabs and its figures: one aggregate query (two after a bad ?level=)."""

    def __init__(self, acting, raw_level):
        self.acting = acting
        self.now = timezone.localtime()
        first = absolute_level(acting) + 1
        level = _requested_level(raw_level, first)
        self.fell_back = level is None
        self.figures = level_summary(acting, level or first)
        last = max(MIN_LAST_TAB, self.figures["deepest"], first)
        if level is not None and level > last:
            self.fell_back = True
            level = None
            self.figures = level_summary(acting, first)
        self.level = level or first
        self.tabs = [(n, level_label(n)) for n in range(first, last + 1)]

    @property
    def label(self):
        return level_label(self.level)

    def sentence(self):
        f, now = self.figures, self.now
        return (
            f"截至{now.year}年{now.month}月{now.day}日{now.hour}时，{self.acting.name}下共有{self.label}组织{f['total']}个，"
            f"其中{f['logged_in']}个已登录系统，{f['total'] - f['logged_in']}个未登录系统；"
            f"{f['complete']}个已完整录入本组织信息，{f['total'] - f['complete']}个未完整录入本组织信息；"
            f"{f['with_children']}个已创建直属下级组织，{f['total'] - f['with_children']}个未创建直属下级组织，"
            "具体情况见下表："
        )

    def rows(self):
        return level_rows(self.acting, self.level, now=self.now)


def _yes(value):
    return "是" if value else "否"


def _admins(row):
    return "、".join(name for name in (row["admin_1"], row["admin_2"]) if name)


@require_GET
@access(ORG_ADMIN)
@reads_replica
def progress(request):
    """组织录入情况: ?level=N picks the tab (二级…六级 and deeper); ?page= the page."""
    report = Report(_committee_org(request), request.GET.get("level"))
    if report.fell_back:
        messages.warning(request, f"所选层级无效，已显示{report.label}组织录入情况。")
    # the summary's total is the list's length: no second count of the level
    total = report.figures["total"]
    page = paginate(request, report.rows(), size_key="PROGRESS_PAGE_SIZE", noun="个组织", count=total)
    for row in page.object_list:
        row["admins"] = _admins(row)
    return render(request, "orgs/progress.html", {"report": report, "page": page, "sentence": report.sentence()})


@require_GET
@access(ORG_ADMIN)
@reads_replica
def progress_export(request):
    """下载录入情况: the whole level, streamed while it is written (`export_response`), no row cap (BEY-07)."""
    report = Report(_committee_org(request), request.GET.get("level"))

    def lines():
        for row in report.rows().iterator(chunk_size=2000):
            yield [
                row["name"],
                row["full_name"],
                row["parent__name"] or "",
                _yes(row["first_admin_login_at"]),
                _yes(row["info_complete"]),
                _yes(row["has_children"]),
                _admins(row),
                row["phone"],
                row["open_code"] or "—",
            ]

    return export_response(
        f"{report.acting.name}{report.label}组织录入情况.xlsx", HEADERS, lines(), title=f"{report.label}组织录入情况"
    )


urlpatterns = [
    path("progress/", progress, name="progress"),
    path("progress/export/", progress_export, name="progress_export"),
]
