"""`manage.py benchmark_import --rows 5000`: time a 团员团干部 import through the real code
path (parse → validate → store), in a transaction that is rolled back afterwards, and print
the figures (MEM-07: a 5,000-row file must import well under a minute)."""

import time
from datetime import date
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from members import importing
from members.choices import Education
from members.models import Person
from orgs.choices import OrgCategory
from orgs.models import Organization
from zhtj.core.excel import MARKER_SHEET
from zhtj.core.idnumber import make_id_number


class Rollback(Exception):
    pass


def build_file(rows, region="110105", number_base=0):
    """A filled 团员团干部 template of `rows` rows, written in write-only mode (fast). `region` and
    `number_base` keep its ID numbers and 发展团员编号 clear of people already stored."""
    template = importing.template(importing.MEMBERS)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(template.title)
    ws.append(template.headers)
    headers = template.headers
    for i in range(rows):
        birth = date(1998 + i % 8, 1 + i % 12, 1 + i % 28)
        id_number = make_id_number(region, birth, i)
        values = {
            "姓名": f"测试{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{'子丑寅卯辰巳午未申酉'[i // 10 % 10]}",
            "身份证号码": id_number,
            "民族": "汉族",
            "学历": Education.BACHELOR.label,
            "职业": "学生",
            "在读状况（学生填写）": "本科在读",
            "政治面貌": "共青团员",
            "入团时间": f"{birth.year + 14}-05",
            "发展团员编号": f"{birth.year + 14}{number_base + i:08d}" if birth.year + 14 >= 2017 else "",
            "手机号码": f"138{i:08d}",
            "是否递交入党申请书": "否",
            "是否成为注册志愿者": "否",
        }
        ws.append([values.get(h, "") for h in headers])
    marker = wb.create_sheet(MARKER_SHEET)
    marker.append([template.marker])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Command(BaseCommand):
    help = "导入性能测试：生成并导入一个 N 行的团员团干部表格（在回滚的事务中，不留下数据），打印耗时。"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=5000)

    def handle(self, *args, rows, **options):
        data = build_file(rows)
        self.stdout.write(f"文件：{rows} 行，{len(data) / 1024:.0f} KB")
        figures = {}
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                branch = self._branch()
                start = time.perf_counter()
                parsed = importing.parse(SimpleUploadedFile("bench.xlsx", data), importing.MEMBERS)
                figures["parse"] = time.perf_counter() - start
                t = time.perf_counter()
                n_before = len(queries)
                results = importing.validate(parsed, importing.MEMBERS, branch)
                figures["validate"] = time.perf_counter() - t
                figures["validate_queries"] = len(queries) - n_before
                t = time.perf_counter()
                n_before = len(queries)
                created = importing.store(results, importing.MEMBERS, branch)
                figures["write"] = time.perf_counter() - t
                figures["write_queries"] = len(queries) - n_before
                figures["total"] = time.perf_counter() - start
                figures["created"] = created
                figures["failed"] = sum(r.status == importing.FAILED for r in results)
                figures["stored"] = Person.objects.filter(branch=branch).count()
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(
            "解析 {parse:.2f}s，校验 {validate:.2f}s（{validate_queries} 次查询），写入 {write:.2f}s（{write_queries} 次查询），"
            "合计 {total:.2f}s；导入 {created} 行，失败 {failed} 行，库中 {stored} 人（已回滚）。".format(**figures)
        )

    @staticmethod
    def _branch():
        root = Organization.objects.create(
            name="性能测试团委", full_name="性能测试团委", category=OrgCategory.COMMITTEE
        )
        return Organization.objects.create(
            name="性能测试团支部", full_name="性能测试团支部", category=OrgCategory.BRANCH, parent=root
        )
