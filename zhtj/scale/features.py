"""`manage.py benchmark_features`: 工作通知 and 公开团课 at national size (issue 20), on the data of
`generate_scale_data`. Everything it writes happens inside one transaction that is rolled back.

Measured (median of `repeat` runs after a warm-up, SQL statements counted once):

- publishing a notice to 团中央's whole tree (the audience is computed at read time: one INSERT of
  the notice and one of its audit row, whatever the tree's size);
- a deep branch's 组织首页 (the 工作通知 card) and 工作通知 list, with notices from every ancestor
  and many from elsewhere;
- 团中央's 阅读情况 of a national notice read by a third of the country (per direct child: two
  grouped queries over the children's MPTT ranges), the same drilled into the largest province, and
  提醒 of a province's unread orgs (one INSERT … SELECT);
- 公开团课 学习情况 of 团中央's lecture watched by a tenth of the members, at 团中央 and at the largest
  province (members studied / members per direct child: the kept study counts, orgs/migrations/0014,
  filled by their trigger as the studies are inserted, and the subtree figures).
"""

import os
import statistics
import time
from dataclasses import dataclass

from django.db import connection, reset_queries, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Person
from orgs import notices
from orgs.choices import OrgCategory
from orgs.home_cards import work_notices
from orgs.models import LectureStudy, Notice, NoticeRead, NoticeReadCount, Organization, PublicLecture
from zhtj.core.models import Notification

from .bench import Landmarks, Rollback
from .logins import admin_of, client_for, request_for

START = "<!-- benchmark_features:start -->"
END = "<!-- benchmark_features:end -->"
PAGE_TARGET_MS = 300


@dataclass
class Row:
    name: str
    median_ms: float
    queries: int
    note: str = ""


class FeatureBenchmark:
    def __init__(self, repeat=5, log=print):
        self.repeat = repeat
        self.log = log
        self.rows = []
        self.facts = {}

    def measure(self, name, fn, note=""):
        fn()  # warm-up
        reset_queries()  # a test-client request empties the log when it starts: count from zero
        with CaptureQueriesContext(connection) as ctx:
            fn()
        # Counted now: captured_queries slices the live log, which the timed requests below empty.
        queries = len(ctx)
        times = []
        for _ in range(self.repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        row = Row(name, statistics.median(times) * 1000, queries, note)
        self.rows.append(row)
        self.log(f"  {name}: {row.median_ms:.1f} ms, {row.queries} SQL")
        return row

    def page(self, client, url):
        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} → {response.status_code}")
            return response

        return get

    def run(self):
        self.facts["load"] = os.getloadavg()[0]
        try:
            with transaction.atomic():
                self._run()
                raise Rollback
        except Rollback:
            pass

    def _run(self):
        lm = Landmarks()
        central, province = lm.central, lm.province
        branch = self._deep_branch(province)
        city = branch.get_ancestors().filter(level=province.level + 1).first()
        by_central, by_province = admin_of(central), admin_of(province)
        self.facts.update(
            orgs=Organization.objects.count(),
            people=Person.objects.count(),
            province=province.name,
            branch=branch.name,
            branch_level=branch.level + 1,
        )

        # --- publishing to the whole country --------------------------------------------------
        def publish_nationally():
            before = (NoticeRead.objects.count(), Notification.objects.count())
            with transaction.atomic():
                notice = notices.publish(central, by=by_central, title="全国通知", body="正文")
                assert (NoticeRead.objects.count(), Notification.objects.count()) == before
                transaction.set_rollback(True)
            return notice

        self.measure("发布工作通知（团中央 → 全国）", publish_nationally, "一行通知 + 一行审计，与组织数无关")

        # --- the receiving side at a deep branch ------------------------------------------------
        ancestors = list(branch.get_ancestors())
        for i in range(60):
            publisher = ancestors[i % len(ancestors)]
            if notices.may_publish(publisher):
                Notice.objects.create(publisher=publisher, title=f"通知{i}", body="正文", created_by=by_central)
        others = Organization.objects.filter(parent=central).exclude(pk=province.pk)[:30]
        for org in others:
            for j in range(20):
                Notice.objects.create(publisher=org, title=f"外省通知{j}", body="正文", created_by=by_central)
        received = notices.received_by(branch)
        self.facts["received"] = received.count()
        for notice in received[: self.facts["received"] // 3]:
            notices.mark_read(notice, branch, None)
        self.facts["notices"] = Notice.objects.count()
        as_branch = client_for(branch)
        self.measure(
            f"工作通知卡片（{branch.name}）",
            lambda: work_notices(request_for(branch)),
            "卡片本身：上级链、最新5条、未读数",
        )
        self.measure(
            "组织首页（同上，整页）",
            self.page(as_branch, reverse("home")),
            "含登录提示等其他内容，见下",
        )
        self.measure("工作通知列表（同上，第1页）", self.page(as_branch, reverse("orgs:notices")))
        self.measure("工作通知列表 标题搜索", self.page(as_branch, reverse("orgs:notices") + "?q=通知1"))

        # --- 阅读情况 of a national notice read by a third of the country ----------------------------
        national = Notice.objects.create(publisher=central, title="全国阅读测试", body="正文", created_by=by_central)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {NoticeRead._meta.db_table} (notice_id, org_id, person_id, read_at)"
                f" SELECT %s, id, NULL, %s FROM {Organization._meta.db_table} WHERE id %% 3 = 0 AND id <> %s",
                [national.pk, timezone.now(), central.pk],
            )
            # what notices.mark_read keeps for each of those reads: a count per org on each reader's path
            org = Organization._meta.db_table
            cursor.execute(
                f"INSERT INTO {NoticeReadCount._meta.db_table} (notice_id, org_id, reads)"
                f" SELECT %s, a.id, count(*) FROM {org} a JOIN {org} o ON o.tree_id = a.tree_id"
                f" AND o.lft BETWEEN a.lft AND a.rght JOIN {NoticeRead._meta.db_table} r ON r.org_id = o.id"
                " AND r.notice_id = %s WHERE a.tree_id = %s AND a.level > %s GROUP BY a.id",
                [national.pk, national.pk, central.tree_id, central.level],
            )
        self.facts["reads"] = NoticeRead.objects.filter(notice=national).count()
        self.facts["children"] = central.get_children().count()
        as_central = client_for(central)
        url = reverse("orgs:notice_reads", args=[national.pk])
        self.measure(
            "阅读情况（团中央，按直属下级）",
            self.page(as_central, url),
            "每个下级一行阅读计数（通知发给全部组织：总数不查询）",
        )
        self.measure(f"阅读情况 下钻（{province.name}）", self.page(as_central, f"{url}?org={province.pk}"))
        branches_only = Notice.objects.create(
            publisher=central, title="只发团支部", body="正文", created_by=by_central, audience_groups=",branch,"
        )
        self.measure(
            "阅读情况（团中央，仅团支部）",
            self.page(as_central, reverse("orgs:notice_reads", args=[branches_only.pk])),
        )

        def remind_province():
            with transaction.atomic():
                sent = notices.remind(national, province, by=by_central)
                transaction.set_rollback(True)
            self.facts["reminded"] = sent

        self.measure(f"提醒未读（{province.name}范围）", remind_province, "一条 INSERT … SELECT")

        # --- 公开团课 学习情况 -----------------------------------------------------------------------
        lecture = PublicLecture.objects.create(
            publisher=central, title="全国公开团课", speaker="讲者", link="https://example.org/", created_by=by_central
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {LectureStudy._meta.db_table} (lecture_id, person_id, studied_at)"
                f" SELECT %s, id, %s FROM {Person._meta.db_table} WHERE branch_id IS NOT NULL AND id %% 10 = 0",
                [lecture.pk, timezone.now()],
            )
        self.facts["studies"] = LectureStudy.objects.filter(lecture=lecture).count()
        url = reverse("orgs:lecture", args=[lecture.pk])
        self.measure(
            "公开团课学习情况（团中央，按直属下级）", self.page(as_central, url), "保持的学习人数与下级团员统计"
        )
        as_province = client_for(province)
        self.measure(f"公开团课学习情况（{province.name}）", self.page(as_province, url))
        if city is not None:
            self.measure(f"公开团课学习情况（{city.name}）", self.page(client_for(city), url))
        self.measure(f"公开团课学习情况（{branch.name}，逐人）", self.page(as_branch, url))
        assert admin_of(branch) and by_province

    @staticmethod
    def _deep_branch(province):
        """The deepest class branch of the province that has an admin."""
        return (
            Organization.objects.subtree_of(province)
            .filter(category=OrgCategory.BRANCH, cadre_posts__admin_slot__isnull=False)
            .annotate(n=Count("members"))
            .filter(n__gt=0)
            .order_by("-level", "pk")
            .first()
        )

    def section(self, when, commit):
        f = self.facts
        lines = [
            START,
            "## 工作通知与公开团课（issue 20）",
            "",
            f"测于 {when}，提交 {commit}；`manage.py benchmark_features`，每项重复 {self.repeat} 次取中位数（预热一次，"
            "再运行一次计 SQL 次数），全部写入在一个回滚的事务中。",
            "",
            f"- 数据：{f['orgs']} 个组织、{f['people']} 人（generate_scale_data 默认规模）；团中央有 {f['children']} 个直属下级。",
            f"- 接收方：{f['branch']}（第 {f['branch_level']} 级），收到 {f['received']} 条通知（其中三分之一已读），"
            f"库中共 {f['notices']} 条通知（含 600 条其他省份的）。",
            f"- 阅读情况：一条全国通知被 {f['reads']} 个组织（三分之一）阅读；提醒{f['province']}范围内 {f.get('reminded', 0)} 个未读组织。",
            f"- 公开团课：团中央的一课被 {f['studies']} 名团员（十分之一）学习。",
            f"- 机器负载：开始时 1 分钟平均负载 {f['load']:.1f}（2 核；其他进程同时运行时，各项耗时成倍增加）。",
            "",
            "| 操作 | 中位数 | SQL 次数 | 目标 | 达标 | 说明 |",
            "| --- | ---: | ---: | --- | :---: | --- |",
        ]
        for row in self.rows:
            met = "✅" if row.median_ms < PAGE_TARGET_MS else "❌"
            lines.append(
                f"| {row.name} | {row.median_ms:.1f} ms | {row.queries} | < {PAGE_TARGET_MS} ms | {met} | {row.note} |"
            )
        lines += [
            "",
            "“组织首页（整页）”的耗时几乎全部来自已有的 MEM-04 登录提示（members/prompts.py：该团支部、其上级和"
            "本组织团干部中发展团员编号有误者的计数，在 200 万人的表上不走索引），不是工作通知卡片；卡片本身见上一行。"
            "公开团课学习情况按直属下级读保持的数：学习人数按（团课，组织）由触发器在学习记录和团员转接的同一事务中维护"
            "（orgs.LectureStudyCount），团员数取第 2 级以上组织的下级团员统计，以下按区间分组计数；"
            "以前是一条把范围内每一名团员与本课学习记录左连接的分组查询（团中央 4.3 秒）。",
            "",
            "决定：受众在读取时计算（通知只存发布组织和受众条件），发布不按组织写行；阅读记录每个（通知，组织）一行，"
            "首次打开时写入。阅读率与学习率按直属下级的 MPTT 区间分组统计（CASE WHEN lft BETWEEN … 后 GROUP BY），"
            "不是每个下级一条查询；学习率改为读保持的学习人数（见上）。见 docs/architecture.md 的“工作通知”一节。",
            END,
        ]
        return "\n".join(lines)


def replace_section(text, section):
    """`text` with the marked section replaced (or appended)."""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        return head + section + tail
    return text.rstrip("\n") + "\n\n" + section + "\n"


def kept_sections(text):
    """Every marked section of `text` (`<!-- name:start -->` … `<!-- name:end -->`: this command's,
    issue 18's figures) for `benchmark --write`, which rewrites the rest."""
    import re

    found = re.findall(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", text, flags=re.S)
    spans = [re.search(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", text, flags=re.S).group(0) for name in found]
    return "".join("\n" + span + "\n" for span in spans)
