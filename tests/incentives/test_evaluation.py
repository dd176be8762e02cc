"""评议激励 (INC-02 … INC-06) and its 上级认证."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incentives import services
from incentives.choices import Grade, State
from incentives.models import Evaluation, IncentiveRecord
from tests import factories as f
from tests.uploads import refused_page

from .conftest import pdf_upload

YEAR = timezone.localdate().year


def record(client, people, grade, **extra):
    data = {"year": YEAR, "person": [p.pk for p in people], "grade": grade, **extra}
    return client.post("/incentives/evaluation/record/", data)


def test_branch_list_defaults_to_this_year_and_shows_members(inc, login):
    """INC-02: the branch's members for the current year (selected in the filter, shown in each
    row's 评议年度), with the seed's columns; the filter offers 2020 … now."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    page = client.get("/incentives/evaluation/").content.decode()
    assert f'<option value="{YEAR}" selected>' in page and f'团员0</td><td class="text-nowrap">{YEAR}年度</td>' in page
    for column in ("姓名", "评议年度", "入团时间", "评议结果", "年度评议优秀次数累计", "上级认证"):
        assert f"<th>{column}</th>" in page
    assert "批量团员教育评议" in page and '<option value="2020"' in page and '<option value="2019"' not in page
    page = client.get("/incentives/evaluation/?year=2021").content.decode()
    assert '<option value="2021" selected>' in page and '团员0</td><td class="text-nowrap">2021年度</td>' in page


def test_list_is_built_for_batches(inc, login):
    """Issue 21: rows carry a tick box and a 记载 link, not a form each (select, reason, file,
    保存 on every row); 全选本页 ticks the page; one member's form opens above the list, in scope."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    page = client.get("/incentives/evaluation/").content.decode()
    assert 'data-check-all="#evaluation-table .pick"' in page
    assert 'name="decision_file"' not in page and page.count("<form") == page.count("</form>")
    assert page.count('class="form-check-input pick"') == len(inc.members)
    one = inc.members[0]
    page = client.get(f"/incentives/evaluation/?person={one.pk}").content.decode()
    assert f"记载 {one.name} 的{YEAR}年度评议结果" in page and page.count('name="decision_file"') == 1
    outsider = f.person("外支部团员", branch=inc.tree.branch_b)
    assert client.get(f"/incentives/evaluation/?person={outsider.pk}").status_code == 404


def test_list_filters_by_approval_state(inc, login, client):
    """INC-06: the list's 认证状态 filter (the seed's header) keeps the members whose result of the
    year is 待认证 / 已认证 / 未通过, or who have none yet (-); junk is a 400."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:2], Grade.QUALIFIED)
    login(inc.col_admin, inc.tree.col_a)
    client.post(f"/incentives/certify/{Evaluation.objects.get(person=inc.members[0]).pk}/approve/")
    login(inc.branch_admin, inc.tree.branch_a)

    def names(state):
        page = client.get(f"/incentives/evaluation/?year={YEAR}&state={state}").content.decode()
        return {m.name for m in inc.members if f'data-person="{m.name}"' in page}

    assert names("approved") == {"团员0"} and names("pending") == {"团员1"} and names("rejected") == set()
    assert names("none") == {m.name for m in inc.members[2:]} and len(names("")) == 10
    assert client.get("/incentives/evaluation/?state=bogus").status_code == 400


def test_year_before_2020_is_refused(inc, login):
    """INC-02: the year filter runs from 2020 to now; 2019 or junk is a 400 with the range."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    for bad in ("2019", "abc", str(YEAR + 1)):
        response = client.get(f"/incentives/evaluation/?year={bad}")
        assert response.status_code == 400
        assert "2020年" in response.content.decode()


def test_batch_records_one_grade_and_waits_for_superior(inc, login):
    """INC-02 / INC-13: 批量团员教育评议 writes the grade for every ticked member, pending."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    response = record(client, inc.members[:5], Grade.QUALIFIED)
    assert response.status_code == 302
    assert Evaluation.objects.filter(year=YEAR, grade=Grade.QUALIFIED).count() == 5
    assert set(IncentiveRecord.objects.filter(kind="evaluation").values_list("state", flat=True)) == {State.PENDING}


def test_absent_needs_a_reason(inc, login):
    """INC-02: 未参加评议 needs a reason."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    response = record(client, inc.members[:1], Grade.ABSENT)
    assert "注明原因" in refused_page(client, response)
    assert not Evaluation.objects.exists()
    assert record(client, inc.members[:1], Grade.ABSENT, reason="长期在外务工").status_code == 302


def test_overlong_absence_reason_is_refused(inc, login):
    """INC-02 / SEC-06: a reason longer than the column is refused with the limit, not a database
    error (PostgreSQL refuses over-long values); nothing is written."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    response = record(client, inc.members[:1], Grade.ABSENT, reason="长" * 201)
    assert "不能超过200字" in refused_page(client, response)
    assert not Evaluation.objects.exists()
    assert record(client, inc.members[:1], Grade.ABSENT, reason="长" * 200).status_code == 302


def test_excellent_cap_refused_with_figures(inc, login):
    """INC-03: 10 evaluated → at most 3 优秀; a 4th is refused naming the figures, nothing written."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[3:], Grade.QUALIFIED)
    assert record(client, inc.members[:3], Grade.EXCELLENT).status_code == 302
    response = record(client, inc.members[3:4], Grade.EXCELLENT)
    text = refused_page(client, response)
    assert "参加评议10人" in text and "优秀最多3人" in text and "将有4人" in text
    assert Evaluation.objects.get(person=inc.members[3]).grade == Grade.QUALIFIED


def test_absent_members_do_not_count_for_the_cap(inc, login):
    """INC-03 (decision): n excludes 未参加评议 — 9 evaluated + 1 absent → floor(2.7) = 2."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:1], Grade.ABSENT, reason="病假")
    record(client, inc.members[3:], Grade.QUALIFIED)
    response = record(client, inc.members[1:4], Grade.EXCELLENT)
    assert "优秀最多2人" in refused_page(client, response)


def test_basic_and_unqualified_need_a_pdf(inc, login):
    """INC-04: 不合格 without a file, or with a non-PDF or encrypted file, is refused."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    assert "须上传组织处置或纪律处分决定" in refused_page(client, record(client, inc.members[:1], Grade.UNQUALIFIED))
    fake = SimpleUploadedFile("x.pdf", b"not a pdf at all", content_type="application/pdf")
    response = record(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=fake)
    assert "不是 PDF 格式" in refused_page(client, response)
    response = record(client, inc.members[:1], Grade.BASIC, decision_file=pdf_upload(encrypted=True))
    assert "加密" in refused_page(client, response)
    assert not Evaluation.objects.exists()
    assert record(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=pdf_upload()).status_code == 302


def test_a_decision_pdf_with_a_script_is_refused(inc, login):
    """SEC-08 / INC-04: the 处分决定 PDF goes through the one PDF check: a script run on opening is refused."""
    from tests import pdfs

    client = login(inc.branch_admin, inc.tree.branch_a)
    bad = SimpleUploadedFile("decision.pdf", pdfs.build("open-action-js"), content_type="application/pdf")
    response = record(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=bad)
    assert "JavaScript 脚本" in refused_page(client, response)
    assert not Evaluation.objects.exists()


def test_pdf_size_limit_is_a_setting(inc, login, settings):
    """INC-04 / SEC-05: the size limit comes from ZHTJ and stops the upload while the body is
    parsed (the view declares `upload_limit`), not after the whole file was read."""
    settings.ZHTJ = {**settings.ZHTJ, "INC_PDF_MAX_BYTES": 100}
    client = login(inc.branch_admin, inc.tree.branch_a)
    response = record(client, inc.members[:1], Grade.BASIC, decision_file=pdf_upload())
    assert "不能超过" in refused_page(client, response)
    assert response.wsgi_request.upload_too_large
    assert not Evaluation.objects.exists()


def test_superior_must_open_the_decision_before_approving(inc, login, client):
    """INC-04: approving a 不合格 member works only after the direct superior fetched the file."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=pdf_upload())
    ev = Evaluation.objects.get()
    login(inc.col_admin, inc.tree.col_a)
    response = client.post(f"/incentives/certify/{ev.pk}/approve/")
    assert response.status_code == 400 and "请先审阅" in response.content.decode()
    assert IncentiveRecord.objects.get(kind="evaluation").state == State.PENDING
    pdf = client.get(f"/incentives/evaluation/{ev.pk}/decision/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Security-Policy"].startswith("sandbox") and pdf["X-Content-Type-Options"] == "nosniff"
    b"".join(pdf.streaming_content)
    assert client.post(f"/incentives/certify/{ev.pk}/approve/").status_code == 302
    assert IncentiveRecord.objects.get(kind="evaluation").state == State.APPROVED


def test_decision_file_is_scoped(inc, login, client):
    """SEC-01: the PDF is a 404 outside the subtree; a branch admin viewing does not count as the superior."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:1], Grade.BASIC, decision_file=pdf_upload())
    ev = Evaluation.objects.get()
    assert client.get(f"/incentives/evaluation/{ev.pk}/decision/").status_code == 200
    assert Evaluation.objects.get().decision_viewed_at is None
    login(inc.col_b_admin, inc.tree.col_b)
    assert client.get(f"/incentives/evaluation/{ev.pk}/decision/").status_code == 404


def test_superior_adjusts_grade_within_cap(inc, login, client):
    """INC-06: the superior may adjust the grade; to 优秀 only within INC-03's cap."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[3:], Grade.QUALIFIED)
    assert record(client, inc.members[:3], Grade.EXCELLENT).status_code == 302
    login(inc.col_admin, inc.tree.col_a)
    fourth = Evaluation.objects.get(person=inc.members[3])
    response = client.post(f"/incentives/certify/{fourth.pk}/approve/", {"grade": Grade.EXCELLENT})
    assert response.status_code == 400 and "优秀最多3人" in response.content.decode()
    first = Evaluation.objects.get(person=inc.members[0])
    assert client.post(f"/incentives/certify/{first.pk}/approve/", {"grade": Grade.QUALIFIED}).status_code == 302
    first.refresh_from_db()
    assert first.grade == Grade.QUALIFIED and first.record.state == State.APPROVED


def test_approval_column_and_excellent_count(inc, login, client):
    """INC-05 / INC-06: 上级认证 shows 待认证 → 已认证; 年度评议优秀次数累计 counts approved 优秀 only."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[1:], Grade.QUALIFIED)
    assert record(client, inc.members[:1], Grade.EXCELLENT).status_code == 302
    ev = Evaluation.objects.get(person=inc.members[0])
    from incentives.views_evaluation import _rows

    assert next(r for r in _rows(inc.tree.branch_a, YEAR) if r.pk == inc.members[0].pk).excellent_total == 0
    assert "待认证" in client.get("/incentives/evaluation/").content.decode()
    login(inc.col_admin, inc.tree.col_a)
    client.post(f"/incentives/certify/{ev.pk}/approve/")
    assert next(r for r in _rows(inc.tree.branch_a, YEAR) if r.pk == inc.members[0].pk).excellent_total == 1
    login(inc.branch_admin, inc.tree.branch_a)
    assert "已认证" in client.get("/incentives/evaluation/").content.decode()


def test_approved_result_cannot_be_rerecorded(inc, login, client):
    """INC-13: after the superior's approval the branch can't change the result."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:1], Grade.QUALIFIED)
    ev = Evaluation.objects.get()
    login(inc.col_admin, inc.tree.col_a)
    client.post(f"/incentives/certify/{ev.pk}/approve/")
    login(inc.branch_admin, inc.tree.branch_a)
    response = record(client, inc.members[:1], Grade.EXCELLENT)
    assert "不能修改" in refused_page(client, response)


def test_rejected_result_rerecorded_goes_back_to_superior(inc, login, client):
    """INC-14: 不通过 needs a reason; the branch records again and it is 待认证 again."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:1], Grade.QUALIFIED)
    ev = Evaluation.objects.get()
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/certify/{ev.pk}/reject/", {"reason": ""}).status_code == 400
    assert client.post(f"/incentives/certify/{ev.pk}/reject/", {"reason": "请核实"}).status_code == 302
    assert IncentiveRecord.objects.get(kind="evaluation").state == State.REJECTED
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:1], Grade.EXCELLENT, reason="")
    response = record(client, inc.members[:1], Grade.QUALIFIED)
    assert response.status_code == 302
    assert IncentiveRecord.objects.get(kind="evaluation").state == State.PENDING


def test_list_runs_constant_queries(inc, login, client):
    """The branch list: same number of queries for 10 and 30 members."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:3], Grade.QUALIFIED)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/incentives/evaluation/").status_code == 200
        return len(ctx)

    small = count()
    for n in range(20):
        f.person(f"新团员{n}", branch=inc.tree.branch_a, password="x")
    assert count() == small


@pytest.mark.parametrize("who", ["uni_admin", "col_b_admin"])
def test_only_direct_superior_approves(inc, login, client, who):
    """ROLE-03 / INC-13: a grand-parent gets 403 (隔级无法操作); another subtree a 404."""
    login(inc.branch_admin, inc.tree.branch_a)
    record(client, inc.members[:1], Grade.QUALIFIED)
    ev = Evaluation.objects.get()
    admin = getattr(inc, who)
    org = inc.tree.uni if who == "uni_admin" else inc.tree.col_b
    login(admin, org)
    response = client.post(f"/incentives/certify/{ev.pk}/approve/")
    assert response.status_code == (403 if who == "uni_admin" else 404)
    assert IncentiveRecord.objects.get(kind="evaluation").state == State.PENDING


def test_replaced_or_deleted_decision_files_leave_storage(inc, login, client, django_capture_on_commit_callbacks):
    """INC-04 / SEC-01: a 处分决定 PDF no record points at any more is deleted from storage once
    the change commits -- on re-recording with a new file, on a grade that needs none, and when
    the record is deleted -- so no orphaned personal document stays behind."""
    from django.core.files.storage import default_storage

    login(inc.branch_admin, inc.tree.branch_a)

    def current():
        return Evaluation.objects.get().decision_file.name

    record(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=pdf_upload())
    first = current()
    with django_capture_on_commit_callbacks(execute=True):
        assert record(client, inc.members[:1], Grade.BASIC, decision_file=pdf_upload()).status_code == 302
    second = current()
    assert second != first and default_storage.exists(second) and not default_storage.exists(first)

    with django_capture_on_commit_callbacks(execute=True):
        assert record(client, inc.members[:1], Grade.QUALIFIED).status_code == 302
    assert current() == "" and not default_storage.exists(second)

    record(client, inc.members[:1], Grade.UNQUALIFIED, decision_file=pdf_upload())
    third, pk = current(), Evaluation.objects.get().pk
    assert default_storage.exists(third)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/incentives/records/{pk}/delete/").status_code == 302
    assert not Evaluation.objects.exists() and not default_storage.exists(third)


def test_excellent_cap_counts_one_year_only(inc, login):
    """INC-03 in two years: last year's 优秀 don't count against this year's cap. Last year 10
    evaluated with 3 优秀 (the cap); this year 7 evaluated → at most 2, and 2 are accepted."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    last = YEAR - 1
    record(client, inc.members[3:], Grade.QUALIFIED, year=last)
    assert record(client, inc.members[:3], Grade.EXCELLENT, year=last).status_code == 302
    record(client, inc.members[5:], Grade.QUALIFIED)
    assert record(client, inc.members[3:5], Grade.EXCELLENT).status_code == 302
    assert Evaluation.objects.filter(year=YEAR, grade=Grade.EXCELLENT).count() == 2
    response = record(client, inc.members[:1], Grade.EXCELLENT)  # 8 evaluated → still 2
    assert f"{YEAR}年度参加评议8人" in refused_page(client, response)


def test_a_decision_pdf_is_kept_only_for_the_grades_needing_one(inc, login):
    """INC-04: the 组织处置或纪律处分决定 belongs to 基本合格/不合格; a PDF sent along with 合格 is not
    stored (no file for the superior to open, nothing left in storage)."""
    client = login(inc.branch_admin, inc.tree.branch_a)
    assert record(client, inc.members[:1], Grade.QUALIFIED, decision_file=pdf_upload()).status_code == 302
    assert record(client, inc.members[1:2], Grade.BASIC, decision_file=pdf_upload()).status_code == 302
    kept = dict(Evaluation.objects.values_list("person_id", "decision_file"))
    assert kept[inc.members[0].pk] == "" and kept[inc.members[1].pk].endswith(".pdf")


# --- the model's rules, read directly (issue 22: each limit at its edge, each refusal word for word)


def test_the_excellent_limit_at_its_edges(settings):
    """INC-03: at most floor(30% × evaluated) 优秀 -- 3 evaluated allow none, 4 one, 9 two, 10
    three; the percentage is the INC_EXCELLENT_PERCENT setting."""
    from incentives.models import excellent_limit

    assert [excellent_limit(n) for n in (0, 3, 4, 6, 7, 9, 10, 11)] == [0, 0, 1, 1, 2, 2, 3, 3]
    settings.ZHTJ = {**settings.ZHTJ, "INC_EXCELLENT_PERCENT": 50}
    assert [excellent_limit(n) for n in (1, 2, 9, 10)] == [0, 1, 4, 5]


def test_the_cap_counts_the_branchs_year_with_the_changes(inc):
    """INC-03: the cap counts the branch's grades of that year as they will be after the change
    -- not another year's, not another branch's; 未参加评议 doesn't count as evaluated; a member
    regraded counts once, with the new grade. At the limit it passes, one over it is refused
    with the figures."""
    from zhtj.core.workflow import WorkflowError

    branch, people = inc.tree.branch_a, inc.members
    others = [f.person(f"外支部团员{n}", branch=inc.tree.branch_b, password="x") for n in range(4)]
    services.record_grades(inc.tree.branch_b, YEAR, others[1:], Grade.QUALIFIED, by=inc.col_b_admin)
    services.record_grades(inc.tree.branch_b, YEAR, others[:1], Grade.EXCELLENT, by=inc.col_b_admin)
    services.record_grades(branch, YEAR - 1, people[3:], Grade.QUALIFIED, by=inc.branch_admin)
    services.record_grades(branch, YEAR - 1, people[:3], Grade.EXCELLENT, by=inc.branch_admin)
    services.record_grades(branch, YEAR, people[2:9], Grade.QUALIFIED, by=inc.branch_admin)
    services.record_grades(branch, YEAR, people[9:], Grade.ABSENT, by=inc.branch_admin, reason="病假")

    def refusal(changes):
        with pytest.raises(WorkflowError) as exc:
            Evaluation.check_cap(branch, YEAR, changes)
        return str(exc.value)

    # 7 evaluated + 1 absent this year: two new 优秀 make 9 evaluated, limit 2
    Evaluation.check_cap(branch, YEAR, {people[0].pk: Grade.EXCELLENT, people[1].pk: Grade.EXCELLENT})
    # the absent member graded 优秀 instead: 10 evaluated, limit 3
    Evaluation.check_cap(branch, YEAR, {p.pk: Grade.EXCELLENT for p in (people[0], people[1], people[9])})
    assert refusal({p.pk: Grade.EXCELLENT for p in (people[0], people[1], people[2])}) == (
        f"优秀比例不得超过30%：A1团支部{YEAR}年度参加评议9人，优秀最多2人，此次操作后将有3人。"
    )
    # with two 优秀 written, a third is refused, and swapping one for another passes
    services.record_grades(branch, YEAR, people[:2], Grade.EXCELLENT, by=inc.branch_admin)
    assert refusal({people[2].pk: Grade.EXCELLENT}).endswith("参加评议9人，优秀最多2人，此次操作后将有3人。")
    Evaluation.check_cap(branch, YEAR, {people[0].pk: Grade.QUALIFIED, people[2].pk: Grade.EXCELLENT})


def _pending(inc, grade, person=None, **kw):
    person = person or inc.members[0]
    services.record_grades(inc.tree.branch_a, YEAR, [person], grade, by=inc.branch_admin, **kw)
    return Evaluation.objects.select_related("record").get(person=person, year=YEAR)


def test_approval_refusals_word_for_word(inc):
    """INC-06 / INC-04: what the superior's approval refuses, each with its own words -- other
    changes than the grade, an unknown grade, 未参加评议, 基本合格/不合格 without the branch's
    decision file, and a 基本合格/不合格 result whose decision nobody opened yet; another kind
    may change nothing at approval."""
    from zhtj.core.workflow import WorkflowError

    def refusal(ev, **changes):
        with pytest.raises(WorkflowError) as exc:
            ev.before_approve(ev.record, **changes)
        return str(exc.value)

    ev = _pending(inc, Grade.QUALIFIED)
    assert refusal(ev, grade=Grade.EXCELLENT, note="x") == "评议激励审批时只能调整评议等次。"
    assert refusal(ev, grade="bogus") == "评议等次无效。"
    assert refusal(ev, grade=Grade.ABSENT) == "审批时不能将评议结果调整为“未参加评议”。"
    assert refusal(ev, grade=Grade.BASIC) == "团员0：调整为基本合格须由团支部先上传组织处置或纪律处分决定。"
    assert refusal(ev, grade=Grade.UNQUALIFIED) == "团员0：调整为不合格须由团支部先上传组织处置或纪律处分决定。"
    ev.before_approve(ev.record)  # 合格, nothing changed: passes
    ev.before_approve(ev.record, grade=Grade.QUALIFIED)  # the same grade is no change
    assert Evaluation.objects.get(pk=ev.pk).grade == Grade.QUALIFIED

    basic = _pending(inc, Grade.BASIC, inc.members[1], decision_file=pdf_upload())
    assert refusal(basic) == "团员1：评议结果为基本合格，请先审阅组织处置或纪律处分决定再审批。"
    assert refusal(basic, grade=Grade.UNQUALIFIED) == "团员1：评议结果为不合格，请先审阅组织处置或纪律处分决定再审批。"
    Evaluation.objects.filter(pk=basic.pk).update(decision_viewed_at=timezone.now(), grade=Grade.BASIC)
    basic.refresh_from_db()
    basic.before_approve(basic.record)
    basic.before_approve(basic.record, grade=Grade.UNQUALIFIED)  # its decision is there and was opened

    opportunity = IncentiveRecord(kind="opportunity")
    from incentives.models import Opportunity

    with pytest.raises(WorkflowError) as exc:
        Opportunity(record=opportunity).before_approve(opportunity, grade=Grade.EXCELLENT)
    assert str(exc.value) == "此类激励审批时不能修改内容。"
    Opportunity(record=opportunity).before_approve(opportunity)


def test_an_adjusted_grade_is_stored_and_named_under_the_branch_lock(inc):
    """INC-06 / INC-03: the superior's adjustment is written on the result and in the record's
    事项, after locking the branch's row (the cap's check is serialized, SEC-04)."""
    services.record_grades(inc.tree.branch_a, YEAR, inc.members[1:], Grade.QUALIFIED, by=inc.branch_admin)
    ev = _pending(inc, Grade.QUALIFIED)
    record = ev.record
    with CaptureQueriesContext(connection) as ctx:
        ev.before_approve(record, grade=Grade.EXCELLENT)
    assert Evaluation.objects.get(pk=ev.pk).grade == Grade.EXCELLENT
    assert record.summary == ev.describe() == f"{YEAR}年度团员教育评议 团员0：优秀"
    if connection.vendor == "postgresql":
        org_table = inc.tree.branch_a._meta.db_table
        locks = [
            q["sql"] for q in ctx.captured_queries if f'FROM "{org_table}"' in q["sql"] and "FOR UPDATE" in q["sql"]
        ]
        assert locks and f'"{org_table}"."id" = {inc.tree.branch_a.pk}' in locks[0]


def test_recording_refusals_word_for_word(inc):
    """INC-02 … INC-04 / INC-13: each refusal of recording a grade says exactly why, and writes
    nothing: no valid grade, 未参加评议 without a reason or with one over its 200 characters, 基本合格/
    不合格 without the decision PDF or for more than one member, a file that is not a PDF, nobody
    ticked, a result the superior approved."""
    from zhtj.core.workflow import WorkflowError

    branch, people, by = inc.tree.branch_a, inc.members, inc.branch_admin

    def refusal(chosen, grade, **kw):
        with pytest.raises(WorkflowError) as exc:
            services.record_grades(branch, YEAR, chosen, grade, by=by, **kw)
        return str(exc.value)

    assert refusal(people[:1], "bogus") == "请选择评议结果。"
    assert refusal(people[:1], Grade.ABSENT, reason="  ") == "选择“未参加评议”须注明原因。"
    assert refusal(people[:1], Grade.ABSENT) == "选择“未参加评议”须注明原因。"
    assert refusal(people[:1], Grade.ABSENT, reason="长" * 201) == "未参加评议原因不能超过200字，当前为201字。"
    assert refusal(people[:1], Grade.BASIC) == "评议结果为基本合格须上传组织处置或纪律处分决定（PDF）。"
    assert refusal(people[:1], Grade.UNQUALIFIED) == "评议结果为不合格须上传组织处置或纪律处分决定（PDF）。"
    assert refusal([], Grade.QUALIFIED) == "请先勾选团员。"
    fake = SimpleUploadedFile("x.pdf", b"not a pdf at all", content_type="application/pdf")
    assert refusal(people[:1], Grade.BASIC, decision_file=fake).startswith("组织处置或纪律处分决定：")
    assert refusal(people[:2], Grade.BASIC, decision_file=pdf_upload()) == (
        "评议结果为基本合格须逐人记载并上传各自的处分决定。"
    )
    assert not Evaluation.objects.exists()
    # at the edges: a reason of exactly 200 characters (trimmed) is kept, one member with a PDF is recorded
    assert services.record_grades(branch, YEAR, people[:1], Grade.ABSENT, by=by, reason=" " + "长" * 200 + " ") == 1
    assert Evaluation.objects.get(person=people[0]).absence_reason == "长" * 200
    assert services.record_grades(branch, YEAR, people[1:2], Grade.BASIC, by=by, decision_file=pdf_upload()) == 1
    assert services.record_grades(branch, YEAR, people[2:], Grade.QUALIFIED, by=by, reason="多余的原因") == 8
    assert Evaluation.objects.get(person=people[2]).absence_reason == ""  # a reason only for 未参加评议

    record = IncentiveRecord.objects.get(evaluation__person=people[2])
    assert record.summary == f"{YEAR}年度团员教育评议 团员2：合格" and record.recorded_by == by
    assert record.state == State.PENDING and record.recorder == branch
    services.decide(_request(inc.col_admin, inc.tree.col_a), record, "approve")
    assert refusal(people[2:3], Grade.EXCELLENT) == f"团员2的{YEAR}年度评议结果已通过上级认证，不能修改。"
    assert Evaluation.objects.get(person=people[2]).grade == Grade.QUALIFIED


def _request(user, org):
    from django.test import RequestFactory

    request = RequestFactory().post("/")
    request.user, request.acting_org = user, org
    return request


def test_a_rerecorded_result_is_rewritten_whole(inc):
    """INC-02 / INC-14: recording a member's grade again rewrites the result -- its grade, its
    reason (kept only for 未参加评议), the decision file (kept only for 基本合格/不合格), its 事项 --
    and a result the superior refused goes back to it, 待认证 again, with the audit's note."""
    from zhtj.core.models import AuditLog

    branch, member, by = inc.tree.branch_a, inc.members[0], inc.branch_admin
    services.record_grades(branch, YEAR, [member], Grade.ABSENT, by=by, reason="病假")
    services.record_grades(branch, YEAR, [member], Grade.UNQUALIFIED, by=by, decision_file=pdf_upload())
    ev = Evaluation.objects.select_related("record").get(person=member)
    assert ev.grade == Grade.UNQUALIFIED and ev.absence_reason == "" and ev.decision_file.name.endswith(".pdf")
    assert ev.record.summary == f"{YEAR}年度团员教育评议 团员0：不合格"
    Evaluation.objects.filter(pk=ev.pk).update(decision_viewed_at=timezone.now())
    services.decide(_request(inc.col_admin, inc.tree.col_a), ev.record, "reject", note="请核实")
    services.record_grades(branch, YEAR, [member], Grade.ABSENT, by=by, reason="出国")
    ev = Evaluation.objects.select_related("record").get(person=member)
    assert ev.grade == Grade.ABSENT and ev.absence_reason == "出国" and ev.decision_file.name == ""
    assert ev.decision_viewed_at is None and ev.branch == branch
    assert ev.record.state == State.PENDING and ev.record.summary == f"{YEAR}年度团员教育评议 团员0：未参加评议"
    assert ev.record.superior_decision == "" and ev.record.reason == ""
    resubmitted = AuditLog.objects.get(object_id=ev.record.pk, action="resubmit")
    assert resubmitted.note == "重新记载" and resubmitted.actor == by and resubmitted.to_state == State.PENDING
    member.branch = inc.tree.branch_b  # moved (TRF-08): the new branch records the result again
    member.save()
    services.record_grades(inc.tree.branch_b, YEAR, [member], Grade.QUALIFIED, by=inc.col_b_admin)
    ev = Evaluation.objects.select_related("record").get(person=member)
    assert ev.branch == inc.tree.branch_b and ev.record.recorder == inc.tree.branch_b
