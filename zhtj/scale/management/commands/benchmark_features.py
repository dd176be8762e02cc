"""`manage.py benchmark_features`: 工作通知 and 公开团课 at national size (issue 20); with --write, its
section of docs/benchmarks.md. Run it on data from `generate_scale_data`."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from zhtj.scale.bench import machine, measured_at
from zhtj.scale.features import FeatureBenchmark, replace_section


class Command(BaseCommand):
    help = "性能基准：全国规模下的工作通知（发布、接收、阅读情况、提醒）与公开团课学习情况。"

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="每项重复次数（取中位数）")
        parser.add_argument("--write", action="store_true", help="把结果写入 docs/benchmarks.md 的对应一节")

    def handle(self, *args, repeat, write, **options):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_features 需在 PostgreSQL 上运行：请设置 DATABASE_URL。")
        bench = FeatureBenchmark(repeat=repeat, log=self.stdout.write)
        bench.run()
        section = bench.section(measured_at(), machine()["commit"])
        self.stdout.write("\n" + section)
        if write:
            path = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
            path.write_text(replace_section(path.read_text(encoding="utf-8"), section), encoding="utf-8")
            self.stdout.write(f"已写入 {path.relative_to(settings.BASE_DIR)}")
