"""A Chinese file picker on every file input (issue 21): 选择文件 and the chosen file's name instead
of the browser's "Choose File / No file chosen" (the page fixture's browser asks for English).
The native input stays, transparent over the picker: its label, the keyboard and set_input_files
still reach it. (Every page of the walks is checked for a bare file input: test_every_page.py.)"""

import re

import pytest

from tests import factories as f

from .pw import expect

pytestmark = pytest.mark.e2e


def test_the_import_page_has_the_chinese_picker(page, tree, screenshot):
    admin = f.admin_of(tree.branch_a)
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(admin.id_number)
    page.get_by_label("密码", exact=True).fill("Zhtj-pass-2026")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_title(re.compile("^组织首页"))
    page.goto("/members/import/members/")
    picker = page.locator(".file-picker")
    expect(picker).to_have_count(1)
    expect(picker.locator(".file-picker-button")).to_have_text("选择文件")
    expect(picker.locator(".file-picker-name")).to_have_text("未选择文件")
    native = page.get_by_label("Excel 文件")  # the input keeps its label
    assert native.evaluate("i => getComputedStyle(i).opacity") == "0"
    # The transparent input covers the drawn picker: a click on 选择文件 opens the file dialog.
    with page.expect_file_chooser() as chooser:
        picker.locator(".file-picker-button").click(force=True)  # the click lands on the input above it
    chooser.value.set_files(files=[{"name": "团员名单.xlsx", "mimeType": "application/octet-stream", "buffer": b"x"}])
    expect(picker.locator(".file-picker-name")).to_have_text("团员名单.xlsx")
    screenshot(page, "e2e-file-picker")
    # Keyboard: Tab reaches the input, and the focus shows on the picker.
    native.focus()
    assert picker.evaluate("p => p.matches(':focus-within')")
