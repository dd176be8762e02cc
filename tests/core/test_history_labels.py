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
