"""团内大数据 charts stay readable when one value dominates (issue 21, STAT-01).

汉族 at 99% of a subtree would flatten every other 民族 bar to a line: the bar chart then ends its
axis at twice the second largest value, draws the cut bar hatched with its real count on top, and
says so under the chart. A chart without a dominant value keeps its plain axis."""

import re

import pytest

from tests import factories as f
from tests.members.test_statistics import members

from .pw import expect

pytestmark = pytest.mark.e2e

OPTION = """() => { const o = echarts.getInstanceByDom(document.getElementById("chart")).getOption();
  return {max: o.yAxis[0].max ?? null, values: o.series[0].data.map(d => d.value), real: o.series[0].data.map(d => d.real)}; }"""
LABELS = """() => echarts.getInstanceByDom(document.getElementById("chart")).getZr().storage.getDisplayList(true)
  .filter(e => e.style && typeof e.style.text === "string").map(e => e.style.text)"""


def _log_in(page, tree):
    admin = f.admin_of(tree.uni)
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(admin.id_number)
    page.get_by_label("密码", exact=True).fill("Zhtj-pass-2026")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_title(re.compile("^组织首页"))


def test_a_dominant_value_does_not_flatten_the_other_bars(page, tree):
    """Issue 21: 400 汉族 beside 6 回族 and 3 满族: the axis ends at 12, 汉族 is cut there and labelled 400."""
    members(tree.branch_a, 400, ethnicity="汉族")
    members(tree.branch_a, 6, start=400, ethnicity="回族")
    members(tree.branch_a, 3, start=406, ethnicity="满族")
    _log_in(page, tree)
    page.goto("/members/stats/ethnicity/")
    expect(page.locator("#chart canvas")).to_have_count(1)
    option = page.evaluate(OPTION)
    assert option["max"] == 12
    assert option["values"][:3] == [12, 6, 3] and option["real"][:3] == [400, 6, 3]
    assert "400" in page.evaluate(LABELS)
    expect(page.locator("#chart-note")).to_contain_text("汉族人数远多于其他各项")


def test_a_chart_without_a_dominant_value_keeps_its_axis(page, tree):
    members(tree.branch_a, 8, ethnicity="汉族")
    members(tree.branch_a, 5, start=8, ethnicity="回族")
    _log_in(page, tree)
    page.goto("/members/stats/ethnicity/")
    expect(page.locator("#chart canvas")).to_have_count(1)
    option = page.evaluate(OPTION)
    assert option["max"] is None and option["real"][:2] == [8, 5]
    expect(page.locator("#chart-note")).to_have_count(0)
