"""Browser journey of 批量 on a whole filtered set (issue 17; ARC-03, ROLE-02): a committee with
3,000 archives waiting approves them with one click and one confirmation.

学院A团委's admin opens 下级团员电子档案审批: 全选本页 ticks the page's rows (the page, not the
3,000); "全部 3000 条符合当前筛选条件的" shows the confirmation with the count; 确定 lands on the
progress page, whose bar reaches 100% and which says all 3,000 were done. The task runs in-process
here (tests/conftest.py); tests/incentives/test_certify_all.py watches a real worker move the bar.
"""

import re

import pytest

from members.models_archive import MemberArchive
from tests import factories as f
from tests.batch_helpers import bulk_people
from tests.members.test_archive_batch import uploaded

from .pw import expect

pytestmark = pytest.mark.e2e

PASSWORD = "Tuan-e2e-2025!"


def test_three_thousand_archives_in_one_click(page, tree, settings):
    settings.ZHTJ = {**settings.ZHTJ, "LIST_PAGE_SIZE": 20}
    branch_admin, admin = f.admin_of(tree.branch_a), f.admin_of(tree.col_a, password=PASSWORD)
    admin.must_change_password = False
    admin.save()
    uploaded(bulk_people(tree.branch_a, 3000, "甲团员"), branch_admin, tree.branch_a, tree.col_a)

    page.goto("/login/")
    page.get_by_label("身份证号码").fill(admin.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/members/archives/approvals/")
    expect(page.get_by_role("heading", name="下级团员电子档案审批")).to_be_visible()

    page.get_by_label("全选本页").check()
    picks = page.locator("#approval-table .pick")
    expect(picks).to_have_count(20)
    assert all(picks.nth(i).is_checked() for i in range(20))

    page.get_by_role("button", name="全部 3000 条符合当前筛选条件的").click()
    expect(page.locator("#confirm-text")).to_contain_text("全部 3000 条")
    assert MemberArchive.objects.filter(state="pending").count() == 3000  # the first click changes nothing
    page.get_by_role("button", name="确定处理全部 3000 条").click()

    expect(page).to_have_url(re.compile(r"/batch/[^/]+/$"), timeout=60_000)
    expect(page.locator("#batch-summary")).to_contain_text("已处理 3000 项")
    expect(page.get_by_role("progressbar", name="处理进度")).to_have_attribute("aria-valuenow", "100")
    assert MemberArchive.objects.filter(state="verified").count() == 3000
