"""SEC-06 on the pages of 团内激励: an id or year typed into the URL or a form by hand ('²' and
'１２' pass str.isdigit but are no ids; 30 digits overflow the database integer; 'abc') is
answered 400 with a Chinese message, or ignored where it only refills a search, never a 500; no
record is stored or decided."""

import pytest
from django.utils import timezone

from incentives.choices import Grade, HonorTitle, Kind, State
from incentives.models import Evaluation, IncentiveRecord
from tests import factories as f
from tests.uploads import refused_page

MALFORMED_IDS = ["²", "１２", "9" * 30, "abc"]
YEAR = timezone.localdate().year
NEW_PAGES = [
    "/incentives/honors/new/?type=personal",
    "/incentives/development/new/",
    "/incentives/joining/new/",
    "/incentives/opportunity/new/",
]


def new_form(url, inc):
    """What each page accepts with a well-formed person id (it is checked in a control below)."""
    return {
        "/incentives/honors/new/?type=personal": {
            "honor_type": "personal",
            "title": HonorTitle.EXCELLENT_MEMBER,
            "grantor": inc.tree.uni.pk,
            "grantor_name": "测试大学",
            "awarded_month": "2024-05",
        },
        "/incentives/development/new/": {"dev_kind": "marxism", "recommended_on": f"{YEAR}-01-01"},
        "/incentives/joining/new/": {"date": "2021-05", "ceremony": "五四入团仪式"},
        "/incentives/opportunity/new/": {"category": "training", "title": "培训", "date": f"{YEAR}-01-01"},
    }[url]


def snapshot():
    return sorted(IncentiveRecord.objects.values_list("pk", "state", "delegate_id"))


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_year_of_evaluation_list(inc, login, junk):
    """SEC-06 / INC-02: 评议激励's ?year= answers 400 with the allowed years."""
    r = login(inc.branch_admin, inc.tree.branch_a).get("/incentives/evaluation/", {"year": junk})
    assert r.status_code == 400 and "评议年度无效" in r.content.decode()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize(("field", "message"), [("year", "评议年度无效"), ("person", "勾选的事项无效")])
def test_malformed_ids_of_evaluation_record(inc, login, junk, field, message):
    """SEC-06 / INC-02: recording 评议 with a malformed year or member id is refused with the reason
    (the form takes a file: post/redirect/get), nothing stored."""
    data = {"year": YEAR, "person": [inc.members[0].pk], "grade": Grade.QUALIFIED}
    data[field] = [inc.members[0].pk, junk] if field == "person" else junk
    client = login(inc.branch_admin, inc.tree.branch_a)
    r = client.post("/incentives/evaluation/record/", data)
    assert message in refused_page(client, r)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_ids_of_batch_certify(inc, login, junk):
    """SEC-06 / INC-14: 批量审批 with a malformed record id among the ticked → 400, nothing decided."""
    before = snapshot()
    ticked = list(IncentiveRecord.objects.filter(kind=Kind.JOINING).values_list("pk", flat=True)[:2])
    r = login(inc.col_admin, inc.tree.col_a).post(
        "/incentives/certify/batch/", {"kind": "joining", "action": "approve", "record": [*ticked, junk]}
    )
    assert r.status_code == 400 and "勾选的事项无效" in r.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize("url", NEW_PAGES)
def test_malformed_person_is_dropped_from_a_search(inc, login, url, junk):
    """SEC-06 / INC-07: 搜索 keeps the well-formed ticked people and ignores a malformed id."""
    kept = inc.members[3]
    before = snapshot()
    r = login(inc.branch_admin, inc.tree.branch_a).post(url, {"search": "1", "q": "", "person": [kept.pk, junk]})
    assert r.status_code == 200 and f'id="pick-{kept.pk}"' in r.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("junk", MALFORMED_IDS)
@pytest.mark.parametrize("url", NEW_PAGES)
def test_malformed_person_when_recording(inc, login, url, junk):
    """SEC-06 / INC-07 / INC-10 / INC-15: recording with a malformed person id → 400 with the reason,
    the well-formed ticked people still shown, nothing stored."""
    kept = f.person("新团员", branch=inc.tree.branch_a)
    client = login(inc.branch_admin, inc.tree.branch_a)
    before = snapshot()
    r = client.post(url, {**new_form(url, inc), "person": [kept.pk, junk]})
    # 推优 takes a file: refused by post/redirect/get, the ticked people kept on the form's page
    text = refused_page(client, r) if r.status_code == 303 else r.content.decode()
    assert r.status_code in (303 if "development" in url else 400,)
    assert "勾选的事项无效" in text and f'id="pick-{kept.pk}"' in text
    assert snapshot() == before
    assert client.post(url, {**new_form(url, inc), "person": [kept.pk]}).status_code == 302  # the control


@pytest.mark.parametrize("junk", MALFORMED_IDS)
def test_malformed_delegate_of_an_honor(inc, login, client, junk):
    """SEC-06 / INC-09: 授权审批团组织 with a malformed org id → 400, no delegate named."""
    login(inc.col_b_admin, inc.tree.col_b)
    client.post(
        "/incentives/honors/new/?type=collective",
        {
            "honor_type": "collective",
            "title": HonorTitle.RED_FLAG_BRANCH,
            "grantor_name": "测试大学",
            "awarded_month": "2024-05",
            "org_recipient": inc.tree.branch_b.pk,
            "grantor": inc.tree.uni.pk,
        },
    )
    record = IncentiveRecord.objects.get(kind=Kind.HONOR)
    assert record.state == State.GRANTOR
    before = snapshot()
    login(inc.uni_admin, inc.tree.uni)
    r = client.post(f"/incentives/honors/{record.pk}/delegate/", {"delegate": junk})
    assert r.status_code == 400 and "请选择本组织的下级组织" in r.content.decode()
    assert snapshot() == before
