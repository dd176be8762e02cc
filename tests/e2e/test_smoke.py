"""Browser smoke test of the foundation (issue "Foundation", item 10).

Three journeys through the real pages in headless Chromium against the demo tree
of `manage.py seed_demo`: first login with the forced password change (ROLE-06),
the shell of 组织首页 with the left menu and the 操作中心 badge (OPC-02), 切换其他组织
(ROLE-04), and the login page and menu toggle on a phone (BEY-04).
"""

import io
import re

import pytest
from django.core.management import call_command

from members.models import CadrePost, Person
from orgs.models import Organization

from .pw import expect

pytestmark = pytest.mark.e2e

BRANCH = "计算机专业2023级1班团支部"
NEW_PASSWORD = "Tuan-e2e-2025!"


def seed():
    """Run `manage.py seed_demo` and return what it printed (the demo accounts)."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def branch_admin():
    """The 团支部管理员 of the demo's first class branch, found through its admin post."""
    post = CadrePost.objects.admins().select_related("person").get(org__name=BRANCH)
    return post.person


def multi_post_cadre():
    """The demo's 多岗团干部: the one person holding admin posts in two orgs."""
    ids = CadrePost.objects.admins().values_list("person_id", flat=True)
    (person,) = [p for p in Person.objects.filter(pk__in=set(ids)) if p.admin_posts().count() == 2]
    return person


def login_first_time(page, person):
    """Log in with the initial password (ID number's last 8), get sent to 修改密码, change it,
    and land on the home page (ROLE-06)."""
    page.goto("/login/")
    page.get_by_label("身份证号码").fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(person.id_number[-8:])
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/password/change/$"))
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    expect(page.get_by_text("请设置新密码后继续使用系统")).to_be_visible()
    page.get_by_label("旧密码", exact=True).fill(person.id_number[-8:])
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("新密码确认", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="提交").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#messages")).to_contain_text("密码已修改。")
    person.refresh_from_db()
    assert not person.must_change_password
    assert person.check_password(NEW_PASSWORD)


def no_horizontal_scroll(page):
    page.wait_for_load_state()  # styled: before its CSS loads a page may well be wider
    # clientWidth: on a mobile viewport Chromium widens innerWidth to the content.
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_branch_admin_first_login_menu_and_member_list(page, screenshot):
    """Journey 1 -- ROLE-06 first login forces 修改密码; then 组织首页 with the left menu and
    the 操作中心 count badge (OPC-02); 团员列表 shows the branch's members."""
    printed = seed()
    admin = branch_admin()
    branch = Organization.objects.get(name=BRANCH)
    assert admin.must_change_password
    # The command prints this account with its initial password, the ID number's last 8.
    assert f"团支部管理员（{BRANCH}）\n      账号 {admin.id_number}  密码 {admin.id_number[-8:]}" in printed

    login_first_time(page, admin)

    expect(page).to_have_title(re.compile("^组织首页"))
    expect(page.get_by_role("heading", level=1)).to_have_text(branch.full_name or branch.name)
    expect(page.locator("#acting-org")).to_contain_text(BRANCH)
    menu = page.locator("#left-menu")
    expect(menu).to_be_visible()
    for label in ("组织首页", "团员管理", "团干部管理"):
        expect(menu.get_by_text(label, exact=True).first).to_be_visible()
    # A branch has no sub-orgs: the committee-only entry is not offered.
    expect(menu.get_by_role("link", name="管理下级组织")).to_have_count(0)
    expect(page.locator("#inbox-link")).to_contain_text("操作中心")
    expect(page.locator("#inbox-count")).to_have_text(re.compile(r"^\d+$"))

    menu.get_by_role("link", name="团员列表", exact=True).click()

    expect(page).to_have_url(re.compile(r"/members/$"))
    expect(page.get_by_role("heading", name="团员列表")).to_be_visible()
    table = page.locator("#member-table")
    members = list(Person.objects.filter(branch=branch).order_by("pk"))
    assert len(members) == 6
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(members))
    for person in members:
        expect(table.get_by_role("link", name=person.name).first).to_be_visible()
    # The full ID number never appears in the list, only the masked one.
    expect(table).not_to_contain_text(admin.id_number)
    screenshot(page, "e2e-journey1-member-list")


def test_multi_post_cadre_switches_org(page, screenshot):
    """Journey 2 -- ROLE-04 切换其他组织: a cadre administering two orgs switches the acting
    org; the shell shows the new org and the success message (after ROLE-06 first login)."""
    seed()
    cadre = multi_post_cadre()
    first, second = [post.org for post in cadre.admin_posts()]

    login_first_time(page, cadre)

    expect(page.locator("#acting-org")).to_contain_text(first.name)
    page.locator("#org-switcher").click()
    target = page.get_by_role("button", name=second.name, exact=True)
    expect(target).to_be_visible()
    expect(page.get_by_role("button", name=first.name, exact=True)).to_have_class(re.compile(r"\bactive\b"))
    target.click()

    expect(page.locator("#messages")).to_contain_text(f"已切换到“{second.name}”。")
    expect(page.locator("#acting-org")).to_contain_text(second.name)
    expect(page.locator("#sidebar .offcanvas-title")).to_have_text(second.name)
    expect(page.get_by_role("heading", level=1)).to_have_text(second.full_name or second.name)
    screenshot(page, "e2e-journey2-switched-org")
    # The choice sticks: the next page still acts for the second org.
    page.locator("#left-menu").get_by_role("link", name="团员列表", exact=True).click()
    expect(page.get_by_role("heading", name="团员列表")).to_be_visible()
    expect(page.locator("#acting-org")).to_contain_text(second.name)


def test_phone_login_page_and_menu_toggle(phone_page, screenshot):
    """Journey 3 -- BEY-04 on a 390x844 phone: the login form fits without horizontal
    scrolling; after the first login (ROLE-06) the menu toggle opens the left menu."""
    page = phone_page
    seed()
    admin = branch_admin()

    page.goto("/login/")
    expect(page.get_by_role("heading", name="智慧团建 · 登录")).to_be_visible()
    expect(page.get_by_label("身份证号码")).to_be_visible()
    expect(page.get_by_label("密码", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert no_horizontal_scroll(page), "the login page scrolls sideways on a phone"
    screenshot(page, "e2e-journey3-phone-login")

    login_first_time(page, admin)

    assert no_horizontal_scroll(page), "组织首页 scrolls sideways on a phone"
    toggle = page.get_by_role("button", name="菜单")
    expect(toggle).to_be_visible()
    # On a phone the sidebar is an offcanvas, hidden until the toggle opens it.
    members_link = page.locator("#left-menu").get_by_role("link", name="团员列表", exact=True)
    expect(members_link).to_be_hidden()
    toggle.click()
    # Bootstrap marks the offcanvas "showing" while it slides in and "show" once it is open.
    expect(page.locator("#sidebar")).to_have_class(re.compile(r"^(?!.*\bshowing\b).*\bshow\b"))
    expect(page.locator("#sidebar .offcanvas-title")).to_have_text(BRANCH)
    expect(members_link).to_be_visible()
    screenshot(page, "e2e-journey3-phone-menu")
