"""`manage.py benchmark_creation`: org creation at the data's size (issue 18), see zhtj/scale/creation.py."""

from django.core.management.base import BaseCommand

from zhtj.scale.creation import CreationBenchmark


class Command(BaseCommand):
    help = "组织创建基准：三类上级组织下单个创建的中位数，以及两个省同时创建与一个省的对比（每路一个进程，创建的组织最后删除）。"

    def add_arguments(self, parser):
        parser.add_argument("--per-kind", type=int, default=20, help="每类上级组织创建的次数")
        parser.add_argument("--concurrent", type=int, default=100, help="并发对比中每个省创建的次数")

    def handle(self, *args, per_kind, concurrent, **options):
        bench = CreationBenchmark(per_kind=per_kind, concurrent=concurrent, log=self.stdout.write)
        bench.run()
        self.stdout.write("\n" + bench.table())
