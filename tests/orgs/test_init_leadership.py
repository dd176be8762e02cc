"""Ops initialize the leadership organs from a file (ORG-01)."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from orgs.choices import LeadershipLevel
from orgs.models import Organization

HEADER = "组织简称,上级组织,层级,组织排序\n"


def write(tmp_path, text, name="leaders.csv"):
    path = tmp_path / name
    path.write_text(HEADER + text, encoding="utf-8")
    return str(path)


def test_creates_tree_and_is_idempotent(db, tmp_path, capsys):
    """ORG-01: 团中央 → provinces → cities → counties from a file; re-running changes nothing."""
    f = write(
        tmp_path,
        "团中央,,团中央,0\n团山东省委,团中央,省级团委,15\n团青岛市委,团山东省委,市级团委,2\n团黄岛区委,团青岛市委,县级团委,1\n",
    )
    call_command("init_leadership", f)
    qd = Organization.objects.get(name="团青岛市委")
    assert qd.parent.name == "团山东省委" and qd.leadership_level == LeadershipLevel.CITY
    assert Organization.objects.get(name="团中央").get_descendant_count() == 3
    call_command("init_leadership", f)
    assert Organization.objects.count() == 4
    assert "新建 0 个" in capsys.readouterr().out


def test_sort_order_update_and_xlsx(db, tmp_path):
    """ORG-01: a corrected file updates the sort order in place; xlsx works like CSV."""
    call_command("init_leadership", write(tmp_path, "团中央,,团中央,0\n团山东省委,团中央,省级团委,15\n"))
    wb = Workbook()
    ws = wb.active
    ws.append(["组织简称", "上级组织", "层级", "组织排序"])
    ws.append(["团山东省委", "团中央", "省级团委", 16])
    path = tmp_path / "fix.xlsx"
    wb.save(path)
    call_command("init_leadership", str(path))
    assert Organization.objects.get(name="团山东省委").sort_order == 16


@pytest.mark.parametrize(
    "rows, message",
    [
        ("团山东省委,团不存在,省级团委,1\n", "不存在"),
        ("团中央,,团中央,0\n团青岛市委,团中央,县级团委,x\n", "组织排序"),
        ("团中央,,总部,0\n", "层级须为"),
        ("团中央,,团中央,0\n团济南市委,团中央,市级团委,1\n团济南市委,团中央,市级团委,1\n", "重复"),
        ("团中央,,团中央,0\n团山东省委,团中央,省级团委,1\n团中央2,团山东省委,省级团委,1\n", "层级须高于"),
    ],
)
def test_bad_file_changes_nothing(db, tmp_path, rows, message):
    """ORG-01: any bad row stops the whole file with line numbers; nothing is created."""
    with pytest.raises(CommandError, match=message):
        call_command("init_leadership", write(tmp_path, rows))
    assert not Organization.objects.exists()


def test_wrong_header_and_missing_file(db, tmp_path):
    """ORG-01: a file without the expected columns, or no file, is a clear error."""
    path = tmp_path / "bad.csv"
    path.write_text("name,parent\n", encoding="utf-8")
    with pytest.raises(CommandError, match="首行须为列名"):
        call_command("init_leadership", str(path))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("init_leadership", str(tmp_path / "none.csv"))
