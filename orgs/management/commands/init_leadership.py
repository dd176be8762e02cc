"""`manage.py init_leadership FILE`: ops initialize the 团的领导机关 (ORG-01).

FILE is a UTF-8 CSV (or .xlsx) with the columns 组织简称, 上级组织, 层级, 组织排序;
层级 is one of 团中央 / 省级团委 / 市级团委 / 县级团委; 上级组织 is empty only for
团中央 and otherwise names a leadership organ already in the system or on an
earlier row. Every row is checked before anything is written; existing organs
(same parent, same name) keep their rows and only take the new sort order, so
the command can be re-run with a corrected file.
"""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from openpyxl import load_workbook

from orgs.choices import LeadershipLevel, OrgCategory
from orgs.models import Organization
from zhtj.core.names import org_name_characters_problem

COLUMNS = ("组织简称", "上级组织", "层级", "组织排序")
LEVELS = {label: value for value, label in LeadershipLevel.choices}


def read_file(path):
    if path.suffix.lower() == ".xlsx":
        wb = load_workbook(path, read_only=True, data_only=True)
        rows = [
            ["" if v is None else str(v).strip() for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)
        ]
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [[c.strip() for c in row] for row in csv.reader(fh)]
    if not rows or tuple(rows[0][: len(COLUMNS)]) != COLUMNS:
        raise CommandError(f"首行须为列名：{'，'.join(COLUMNS)}")
    return [(n, dict(zip(COLUMNS, r, strict=False))) for n, r in enumerate(rows[1:], start=2) if any(r)]


class Command(BaseCommand):
    help = "从文件初始化团的领导机关（团中央、省级、市级、县级团委）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV（UTF-8）或 xlsx 文件")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"文件不存在：{file}")
        rows = read_file(path)
        existing = {o.name: o for o in Organization.objects.filter(category=OrgCategory.LEADERSHIP)}
        planned, errors = {}, []
        for n, row in rows:
            name, parent, level_label = row.get("组织简称", ""), row.get("上级组织", ""), row.get("层级", "")
            level = LEVELS.get(level_label)
            if not name:
                errors.append(f"第{n}行：组织简称不能为空")
            elif name in planned:
                errors.append(f"第{n}行：“{name}”在文件中重复")
            elif problem := org_name_characters_problem(name):
                errors.append(f"第{n}行：{problem.rstrip('。')}")
            if level is None:
                errors.append(f"第{n}行：层级须为{'/'.join(LEVELS)}之一")
            elif level == LeadershipLevel.CENTRAL and parent:
                errors.append(f"第{n}行：团中央没有上级组织")
            elif level != LeadershipLevel.CENTRAL:
                parent_level = planned.get(parent, (None, None))[1] or getattr(
                    existing.get(parent), "leadership_level", None
                )
                if parent_level is None:
                    errors.append(f"第{n}行：上级组织“{parent}”不存在（须为已有的或文件中靠前的团的领导机关）")
                elif parent_level >= level:
                    errors.append(f"第{n}行：上级组织“{parent}”的层级须高于{level_label}")
            sort = row.get("组织排序", "") or "0"
            if not sort.isdigit():
                errors.append(f"第{n}行：组织排序须为非负整数")
            planned[name] = (row, level)
        if errors:
            raise CommandError("文件有误，未做任何更改：\n" + "\n".join(errors))
        created = updated = 0
        with transaction.atomic():
            for name, (row, level) in planned.items():
                parent = existing.get(row["上级组织"]) if row["上级组织"] else None
                sort = int(row.get("组织排序") or 0)
                org = existing.get(name)
                if org is not None and org.parent_id == (parent.pk if parent else None):
                    if org.sort_order != sort:
                        org.sort_order = sort
                        org.save()
                        updated += 1
                    continue
                if org is not None:
                    raise CommandError(f"“{name}”已存在于其他上级组织下，请核对后再导入。")
                existing[name] = Organization.objects.create(
                    parent=parent,
                    name=name,
                    full_name=name,
                    category=OrgCategory.LEADERSHIP,
                    leadership_level=level,
                    sort_order=sort,
                )
                created += 1
        self.stdout.write(f"完成：新建 {created} 个，更新排序 {updated} 个，其余未变。")
