"""Audit history reads in Chinese (BEY-05): action names, states and changed fields are shown by
their labels on every 变更记录 / 处理记录 list (templates/core/_history.html), never as the
code's identifiers (`approve`, `receiving`, `full_name`)."""

import inspect
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from orgs.choices import Industry
from tests import factories as f
from transfers.choices import State
from transfers.models import Transfer
from zhtj.core.models import ACTION_LABELS, AuditLog

ROOT = Path(__file__).resolve().parents[2]
APPS = ("orgs", "members", "transfers", "incentives", "rectification", "zhtj/core")

# The ways the code names an audit action: record(obj, "x"), perform(obj, "x"),
# _record_many(ids, "x"), the jobs' bulk _log(token, moment, "x"), AuditLog(action="x") and the
# import's INSERT … SELECT with a literal.
LITERALS = [
    re.compile(r"\brecord\(\s*[\w.]+,\s*\"(\w+)\""),
    re.compile(r"\bperform\(\s*[\w.]+,\s*\"(\w+)\""),
    re.compile(r"_record_many\(\s*\w+,\s*\"(\w+)\""),
    re.compile(r"\b_log\(\s*\w+,\s*\w+,\s*\"(\w+)\""),
    re.compile(r"\baction=\"([a-z_]+)\""),  # identifiers only: prompts have action="确定" buttons
    re.compile(r"'(\w+)', '', '', '\{\{\}\}'"),
]


def _source_actions():
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for pattern in LITERALS:
                found.update(pattern.findall(text))
    return found


def _transitions():
    names = set()
    for model in apps.get_models():
        for name, attr in inspect.getmembers(model, callable):
            if hasattr(attr, "_django_fsm"):
                names.add(name)
    return names


def test_every_workflow_transition_has_a_label():
    transitions = _transitions()
    assert {"approve", "reject", "allocate", "select_bottom"} <= transitions  # the scan finds them
    assert not transitions - ACTION_LABELS.keys(), "transitions without a label in ACTION_LABELS"


def test_every_action_literal_in_the_code_has_a_label():
    actions = _source_actions()
    assert {"create", "submit", "upload", "graduation_mark", "return", "auto_approve"} <= actions
    assert not actions - ACTION_LABELS.keys(), "audit actions without a label in ACTION_LABELS"


@pytest.mark.django_db
def test_a_rows_action_states_and_fields_read_by_their_labels(tree):
    row = AuditLog(
        content_type=ContentType.objects.get_for_model(Transfer),
        object_id=1,
        action="approve",
        from_state=State.SENDING,
        to_state=State.RECEIVING,
    )
    assert (row.action_label, row.from_label, row.to_label) == ("同意", "待转出组织审批", "待转入组织审批")

    row = AuditLog(
        content_type=ContentType.objects.get_for_model(type(tree.col_a)),
        object_id=tree.col_a.pk,
        action="update",
        changes={"industry": [Industry.UNIVERSITY, Industry.OTHER], "phone": ["", "0532-1"], "标记": ["甲", "乙"]},
    )
    assert row.change_rows() == [
        ("单位所属行业类别", Industry.UNIVERSITY.label, Industry.OTHER.label),
        ("联系电话", "—", "0532-1"),
        ("标记", "甲", "乙"),  # a key that is no field stays as recorded
    ]
    # Unknown actions (an old row) still show, as recorded.
    assert AuditLog(action="legacy_thing").action_label == "legacy_thing"


@pytest.mark.django_db
def test_org_page_shows_its_changes_in_chinese(tree, login, fast_hasher):
    tree.col_a.phone = "0532-88888888"
    tree.col_a.save()

    page = login(f.admin_of(tree.uni), tree.uni).get(reverse("orgs:detail", args=[tree.col_a.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "修改 联系电话：— → 0532-88888888" in html
    assert "phone:" not in html and "full_name" not in html


@pytest.mark.django_db
def test_every_form_field_is_in_its_models_history(tree):
    """BEY-05: a history covers every field a form can change — the org info form of each category
    (学校标识码, the four staffing numbers, 书记身份证号码 …), the key-domain gate and the person form
    with its post fields."""
    from members.forms_people import PersonForm
    from members.models import CadrePost, Person
    from orgs.choices import OrgCategory
    from orgs.forms_info import KeyDomainForm, OrgInfoForm
    from orgs.models import Organization

    school = f.OrgFactory(name="某大学团委", parent=tree.city, industry="")
    soe = f.OrgFactory(name="某集团团委", parent=tree.city, industry=Industry.STATE_ENTERPRISE)
    uni = f.OrgFactory(name="某高校团委", parent=tree.city, industry=Industry.UNIVERSITY, school_code="4137010001")
    org_fields = set()
    for org in (tree.province, tree.col_a, tree.branch_a, school):
        org_fields |= set(OrgInfoForm(org=org).fields)
    for org in (soe, uni):
        org_fields |= set(KeyDomainForm(org=org).fields)
    assert {"school_code", "admin_staff_quota", "career_staff_actual", "secretary_id_number"} <= org_fields
    assert org_fields <= set(Organization.history_fields), org_fields - set(Organization.history_fields)
    person_form = PersonForm(org=tree.branch_a, cadre=True)
    person_fields = {n for n in person_form.fields if n in {f.name for f in Person._meta.fields}}
    post_fields = {n for n in person_form.fields if n in {f.name for f in CadrePost._meta.fields}} - {"org"}
    assert len(person_fields) >= 15 and post_fields
    assert person_fields <= set(Person.history_fields), person_fields - set(Person.history_fields)
    assert post_fields <= set(CadrePost.history_fields), post_fields - set(CadrePost.history_fields)
    assert OrgCategory.BRANCH  # the branch form was among the four


@pytest.mark.django_db
def test_history_names_referenced_rows_and_masks_numbers(tree, login, fast_hasher):
    """BEY-05 / SEC-03: a member moved between branches reads "所在团支部：A1团支部 → B1团支部" (names,
    one query for the list), and a changed ID or mobile number shows masked, on the person page's
    变更记录 which now lists every changed field by its label."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.models import Person
    from zhtj.core.audit import history_of, with_names

    member = f.person("李团员", branch=tree.branch_a, mobile="13800001234")
    member = Person.objects.get(pk=member.pk)
    member.branch = tree.branch_b
    member.mobile = "13900005678"
    member.save()
    (row,) = [r for r in with_names(history_of(member)) if r.action == "update"]
    rows = {label: (before, after) for label, before, after in row.change_rows()}
    assert rows[Person._meta.get_field("branch").verbose_name] == ("A1团支部", "B1团支部")
    assert rows["手机号码"] == ("138****1234", "139****5678")
    for _ in range(3):
        member.branch = tree.branch_a if member.branch_id == tree.branch_b.pk else tree.branch_b
        member.save()
    with CaptureQueriesContext(connection) as ctx:
        with_names(history_of(member))
    assert len(ctx) == 2  # the rows, and the orgs they name
    page = login(f.admin_of(tree.uni), tree.uni).get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "B1团支部 → A1团支部" in page and "手机号码：138****1234 → 139****5678" in page


@pytest.mark.django_db
def test_org_edit_history_lists_staffing_and_secretary_id(tree):
    """BEY-05: an org's staffing numbers and 书记身份证号码 are in its 变更记录, the ID masked; a
    stored 0 reads 0."""
    from orgs.models import Organization

    org = Organization.objects.get(pk=tree.col_a.pk)
    org.admin_staff_quota = 0
    org.secretary_id_number = "370102199001011234"
    org.save()
    row = AuditLog.objects.filter(object_id=org.pk, action="update").latest("pk")
    rows = {label: (before, after) for label, before, after in row.change_rows()}
    assert rows["本级团组织行政编制数"] == ("—", 0)
    assert rows["书记身份证号码"] == ("—", "3701**********1234")
