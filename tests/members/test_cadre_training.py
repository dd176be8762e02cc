"""团干部培训 (CAD-03) and the CAD-05 hints on the cadre's page."""

from datetime import date
from decimal import Decimal

import pytest

from members.choices import VOLUNTEER_HINT
from members.models import CadreTraining
from tests.members.cadre_setup import build, cadre
from zhtj.core.models import AuditLog

pytestmark = pytest.mark.usefixtures("fast_hasher")

GOOD = {
    "name": "基层团干部示范培训班",
    "start_on": "2025-03-01",
    "end_on": "2025-03-05",
    "organizer": "团省委",
    "hours": "32",
}


def add_url(post):
    return f"/members/cadres/{post.pk}/trainings/add/"


def test_record_training_listed_on_the_cadre_page(client, login, tree):
    """CAD-03: 录入培训信息 (name, dates, organizer, hours) per cadre, listed on the cadre's page."""
    s = build(tree)
    c = login(s.col_admin, tree.col_a)
    r = c.post(add_url(s.branch_deputy), GOOD)
    assert r.status_code == 302
    t = CadreTraining.objects.get()
    assert (t.person, t.start_on, t.end_on, t.hours, t.recorded_for) == (
        s.branch_deputy.person,
        date(2025, 3, 1),
        date(2025, 3, 5),
        Decimal(32),
        tree.col_a,
    )
    page = c.get(f"/members/cadres/{s.branch_deputy.pk}/").content.decode()
    assert "基层团干部示范培训班" in page and "团省委" in page


@pytest.mark.parametrize(
    "change, message",
    [
        ({"end_on": "2025-02-28"}, "结束日期不能早于开始日期"),
        ({"hours": "0"}, "学时须大于 0"),
        ({"hours": "-3"}, "学时须大于 0"),
        ({"hours": "2001"}, "不超过 2000"),
        ({"hours": "abc"}, "学时须为数字"),
        ({"hours": "1.25"}, "学时最多一位小数"),
        ({"start_on": "2025-02-30"}, "开始日期格式不正确"),
        ({"start_on": "2999-01-01", "end_on": "2999-01-02"}, "开始日期不能晚于今天"),
        ({"name": ""}, "请填写培训名称。"),
        ({"organizer": "长" * 101}, "不能超过100个字（现为101个字）"),
    ],
)
def test_bad_training_is_400_and_stores_nothing(client, login, tree, change, message):
    """CAD-03 / SEC-06: end ≥ start, 0 < hours ≤ TRAINING_MAX_HOURS, real dates; nothing stored otherwise."""
    s = build(tree)
    r = login(s.col_admin, tree.col_a).post(add_url(s.col_cadre), {**GOOD, **change})
    assert r.status_code == 400 and message in r.content.decode()
    assert not CadreTraining.objects.exists()


def test_edit_and_delete_in_scope_only(client, login, tree):
    """CAD-03: the org admin in scope edits and deletes; another subtree's admin gets 404."""
    s = build(tree)
    login(s.col_admin, tree.col_a).post(add_url(s.branch_deputy), GOOD)
    t = CadreTraining.objects.get()
    other = build_other_admin(tree)
    c = login(other, tree.col_b)
    assert c.get(f"/members/cadres/trainings/{t.pk}/edit/").status_code == 404
    assert c.post(f"/members/cadres/trainings/{t.pk}/delete/").status_code == 404
    c = login(s.branch_admin, tree.branch_a)
    edit = c.get(f"/members/cadres/trainings/{t.pk}/edit/").content.decode()
    assert 'value="2025-03-01"' in edit  # ISO dates fill the browser's date inputs
    r = c.post(f"/members/cadres/trainings/{t.pk}/edit/", {**GOOD, "hours": "40.5"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.hours == Decimal("40.5")
    assert c.post(f"/members/cadres/trainings/{t.pk}/edit/", {**GOOD, "hours": "0"}).status_code == 400
    assert c.post(f"/members/cadres/trainings/{t.pk}/delete/").status_code == 302
    assert not CadreTraining.objects.exists()
    assert AuditLog.objects.filter(object_id=t.pk, action="delete", actor=s.branch_admin).exists()  # BEY-05


def build_other_admin(tree):
    from tests import factories as f

    return f.admin_of(tree.col_b, "学院B书记")


def test_volunteer_hint_on_the_cadre_page(client, login, tree):
    """CAD-05: a cadre who is not a registered volunteer gets the hint; a volunteer does not."""
    s = build(tree)
    volunteer = cadre(tree.col_a, "志愿者干部", is_volunteer=True)
    c = login(s.col_admin, tree.col_a)
    assert VOLUNTEER_HINT in c.get(f"/members/cadres/{s.col_cadre.pk}/").content.decode()
    assert VOLUNTEER_HINT not in c.get(f"/members/cadres/{volunteer.pk}/").content.decode()


def test_training_menu_page_lists_the_subtrees_cadres(client, login, tree):
    """团干部管理-团干部培训-录入培训信息 (seed 003, NAV-02): the entry lists the subtree's cadres with
    their count of trainings, each row leading to 录入培训信息; nobody outside the subtree."""
    s = build(tree)
    c = login(s.col_admin, tree.col_a)
    c.post(add_url(s.branch_deputy), GOOD)
    page = c.get("/members/cadres/trainings/").content.decode()
    row = page.split(f'data-post="{s.branch_deputy.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "1条" in row and add_url(s.branch_deputy) in row
    assert "学院B委员" not in page and "校团委委员" not in page
    assert "当前位置" in page and "团干部培训" in page
