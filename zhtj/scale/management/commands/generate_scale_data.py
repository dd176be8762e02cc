"""`manage.py generate_scale_data`: national-shaped test data on PostgreSQL (issue 10)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhtj.scale.generator import Generator, GeneratorError, flush_all


class Command(BaseCommand):
    help = "生成全国规模测试数据（PostgreSQL）：团中央→38个省级→市→县/高校→…→团支部，含团干部、电子档案、转接、激励、整顿记录。"

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=100_000, help="组织数（默认 100000）")
        parser.add_argument("--people", type=int, default=2_000_000, help="人数（默认 2000000）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子：相同参数生成相同数据")
        parser.add_argument(
            "--date", type=date.fromisoformat, default=None, help="数据所处的“今天”（YYYY-MM-DD，默认今天）"
        )
        parser.add_argument("--flush", action="store_true", help="先清空组织、人员及全部业务数据")
        parser.add_argument("--workers", type=int, default=4, help="并行写入的进程数（默认 4）")

    def handle(self, *args, orgs, people, seed, date, flush, workers, **options):
        if orgs < 60 or people < orgs:
            raise CommandError("组织数至少 60，人数不能少于组织数。")
        if flush:
            flush_all()
            self.stdout.write("已清空原有数据。")
        today = date or timezone.localdate()
        started = time.monotonic()
        self.stdout.write(f"生成 {orgs} 个组织、{people} 人（种子 {seed}，日期 {today}）…")
        try:
            counts = Generator(
                orgs=orgs, people=people, seed=seed, today=today, log=self.stdout.write, workers=workers
            ).run()
        except GeneratorError as exc:
            raise CommandError(str(exc)) from None
        for key, value in counts.items():
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {time.monotonic() - started:.0f} 秒。"))
