"""`manage.py benchmark`: each operation of issue 10 beside its floor, as a table (and, with
--write, in docs/benchmarks.md). Run it on data from `generate_scale_data`."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from zhtj.scale.bench import BenchError, Benchmark, data_summary, machine, measured_at
from zhtj.scale.features import kept_sections


class Command(BaseCommand):
    help = "性能基准：每项操作与其“底线”（手写的一条SQL，或仅用openpyxl读取文件）对比，打印表格。"

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="每项重复次数（取中位数）")
        parser.add_argument("--only", nargs="*", help="只运行名称含这些词的操作")
        parser.add_argument("--import-rows", type=int, default=10_000)
        parser.add_argument("--no-throughput", action="store_true", help="不测 gunicorn 吞吐")
        parser.add_argument("--seconds", type=int, default=10, help="吞吐测试每个URL的秒数")
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--write", action="store_true", help="把结果写入 docs/benchmarks.md")
        parser.add_argument(
            "--pages", nargs="*", help="巡检时只打开菜单名称含这些词的页面（连同其标签、第2页和详情页）"
        )
        parser.add_argument(
            "--crawl", action="store_true", help="全菜单巡检：七种角色的每个菜单、标签、第2页和第一个详情页（issue 17）"
        )
        parser.add_argument("--load", action="store_true", help="并发负载：多用户随机打开巡检页面（issue 17.4）")
        parser.add_argument("--clients", type=int, default=50, help="并发负载的用户数")
        parser.add_argument("--load-seconds", type=int, default=60, help="并发负载的秒数")
        parser.add_argument("--think", type=float, default=1.0, help="用户两次打开页面之间的平均停顿（秒）")
        parser.add_argument("--workers", type=int, default=4, help="并发负载的 gunicorn 进程数")

    def handle(
        self,
        *args,
        repeat,
        only,
        pages,
        import_rows,
        no_throughput,
        seconds,
        concurrency,
        write,
        crawl,
        load,
        **options,
    ):
        # --crawl --only 团支部 团员: those roles only; --pages 团员列表: those menu entries only
        if connection.vendor != "postgresql":
            raise CommandError("benchmark 需在 PostgreSQL 上运行：请设置 DATABASE_URL。")
        if crawl:
            return self.crawl(repeat, write, only, pages)
        if load:
            return self.load(write, only, **options)
        bench = Benchmark(repeat=repeat, log=self.stdout.write, import_rows=import_rows)
        try:
            bench.run(only)
            if not no_throughput and not only:
                bench.run_throughput(seconds=seconds, concurrency=concurrency)
        except BenchError as exc:
            raise CommandError(str(exc)) from None
        report = self.report(bench)
        self.stdout.write("\n" + report)
        if write:
            path = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
            # the sections other commands write (benchmark_features) are kept
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            kept = kept_sections(text)  # the crawl's and the load's too
            path.write_text(report + "\n" + kept, encoding="utf-8")
            self.stdout.write(f"已写入 {path.relative_to(settings.BASE_DIR)}")

    def crawl(self, repeat, write, only=None, pages=None):
        from zhtj.scale import crawl

        if write and pages:
            raise CommandError("--pages 只巡检部分页面，不能与 --write 一起使用。")
        visits = crawl.Crawl(repeat=repeat, log=self.stdout.write, only=only, pages=pages).run()
        d = data_summary()
        data = f"数据：{d['orgs']} 个组织、{d['people']} 人"
        section = crawl.section(visits, measured_at(), machine()["commit"], repeat, data)
        self.stdout.write("\n" + section)
        if write:
            path = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
            path.write_text(crawl.replace_section(path.read_text(encoding="utf-8"), section), encoding="utf-8")
            self.stdout.write(f"已写入 {path.relative_to(settings.BASE_DIR)}")

    def load(self, write, only, clients, load_seconds, think, workers, **options):
        from zhtj.scale import crawl, load

        result = load.mixed_load(
            seconds=load_seconds, clients=clients, workers=workers, think=think, only=only, log=self.stdout.write
        )
        d = data_summary()
        loadavg = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        section = load.load_section(
            result,
            measured_at(),
            machine()["commit"],
            f"数据：{d['orgs']} 个组织、{d['people']} 人",
            loadavg,
        )
        self.stdout.write("\n" + section)
        if write:
            path = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
            text = path.read_text(encoding="utf-8")
            path.write_text(crawl.replace_section(text, section, load.LOAD_START, load.LOAD_END), encoding="utf-8")
            self.stdout.write(f"已写入 {path.relative_to(settings.BASE_DIR)}")

    def report(self, bench):
        m, d = machine(), data_summary()
        return "\n".join(
            [
                "# 性能基准（issue 10）",
                "",
                f"测于 {measured_at()}，提交 {m['commit']}；每项重复 {bench.repeat} 次取中位数（之前先预热一次，"
                "再运行一次计 SQL 次数）。",
                "",
                f"- 机器：{m['cpu']}，{m['cores']} 核，内存 {m['memory_gb']} GB；Python {m['python']}，"
                f"Django {m['django']}，PostgreSQL {m['postgresql']}（数据库 {m['database_size']}）",
                f"- 数据：{d['orgs']} 个组织（{d['branches']} 个团支部类组织，{d['depth']} 级），{d['people']} 人"
                f"（{d['members']} 名团员），{d['open_transfers']} 条待审核的组织关系转接；"
                f"以 {bench.lm.data_date} 为“今天”由 generate_scale_data 生成"
                + (f"，用时 {bench.lm.generated_in:.0f} 秒" if bench.lm.generated_in else ""),
                "",
                bench.table(),
                "",
                "底线：页面与任务为手写的一条 SQL（给出同样的数字和第一页），导入为 openpyxl 仅读取文件。"
                "“结果一致”比较我们的答案与底线的答案。页面经由 Django 测试客户端，包含全部中间件与模板渲染；"
                "任务与导入在回滚的事务中运行（导入前清空身份证号码校验的缓存）。开始前对相关表做 VACUUM ANALYZE"
                "（回滚的任务会留下废弃行）。吞吐：gunicorn 同步进程，同一登录会话，空视图为 /healthz/，两者交替测量。",
                "",
                "SQL 次数与数据规模无关：tests/scale 在两种规模的数据上逐项比较（CI 中运行）。"
                "为达到这些数字所做的改动，见 docs/architecture.md 的 National scale 一节。",
                "",
                "运行：`DATABASE_URL=postgres://… python manage.py generate_scale_data` 然后 "
                "`python manage.py benchmark --write`。",
            ]
        )
