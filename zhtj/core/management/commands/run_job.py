from datetime import date

from django.core.management.base import BaseCommand, CommandError

from zhtj.core import jobs


class Command(BaseCommand):
    help = "运行一个定时任务（与 Celery beat 相同），可指定 --date YYYY-MM-DD。"

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="任务名称；省略则列出全部任务")
        parser.add_argument("--date", help="按哪一天运行，格式 YYYY-MM-DD，默认今天")

    def handle(self, *args, name=None, date=None, **options):
        registered = jobs.registered()
        if not name:
            for job_name, fn in registered.items():
                self.stdout.write(f"{job_name}\t{fn.description}")
            return
        if name not in registered:
            raise CommandError(f"没有名为“{name}”的任务。可用任务：{'、'.join(registered)}")
        run_date = None
        if date:
            try:
                run_date = _parse_date(date)
            except ValueError:
                raise CommandError(f"日期“{date}”格式不正确，应为 YYYY-MM-DD。") from None
        record = jobs.run(name, run_date, via="command")
        parts = record.summary.pop("parts", None)
        self.stdout.write(f"{name} {record.run_date}: 变更 {record.changed} 条 {record.summary}")
        if parts is not None:  # a national job, run per province
            self.stdout.write(f"按省份分 {record.summary.get('part_count', 0)} 份运行，有变更的：")
            for label, changed in parts.items():
                self.stdout.write(f"  {label}: 变更 {changed} 条")


def _parse_date(value):
    return date.fromisoformat(value)
