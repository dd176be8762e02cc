"""发展激励 and 推优 tracking (INC-10 … INC-12, JOB-03, TRF-08)."""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from incentives.choices import DevelopmentKind, Kind, PartyCategory, State, TrackStatus
from incentives.models import Development, IncentiveRecord
from tests import factories as f
from tests.uploads import refused_page

from .conftest import pdf_upload

TODAY = timezone.localdate()
RECOMMENDED = (TODAY - timedelta(days=30)).isoformat()


def recommend(client, people, **extra):
    data = {
        "dev_kind": DevelopmentKind.PARTY,
        "person": [p.pk for p in people],
        "recommended_on": RECOMMENDED,
        "category": PartyCategory.ACTIVIST,
        "status": TrackStatus.CONFIRMED,
        "confirmed_on": RECOMMENDED,
        **extra,
    }
    return client.post("/incentives/development/new/", data)


def devs():
    return IncentiveRecord.objects.filter(kind=Kind.DEVELOPMENT)


def approved_party_record(inc, login, client, **extra):
    login(inc.branch_admin, inc.tree.branch_a)
    assert recommend(client, inc.members[:1], **extra).status_code == 302
    record = devs().order_by("-pk").first()
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/certify/{record.pk}/approve/").status_code == 302
    return Development.objects.get(pk=record.pk)


def run_job(day):
    out = StringIO()
    call_command("run_job", "party_track_prompts", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def test_four_kinds_recorded(inc, login, client):
    """INC-10: each kind can be recorded; a branch's record waits for its superior (INC-13)."""
    login(inc.branch_admin, inc.tree.branch_a)
    for kind in (DevelopmentKind.MARXISM, DevelopmentKind.VILLAGE, DevelopmentKind.TALENT):
        response = client.post(
            "/incentives/development/new/",
            {"dev_kind": kind, "person": [inc.members[0].pk], "recommended_on": RECOMMENDED},
        )
        assert response.status_code == 302
    assert devs().filter(state=State.PENDING).count() == 3


def test_confirmed_date_only_when_confirmed(inc, login, client):
    """INC-11: 确定时间 while 未确定 is refused; 已确定 needs it."""
    login(inc.branch_admin, inc.tree.branch_a)
    response = recommend(client, inc.members[:1], status=TrackStatus.UNCONFIRMED)
    assert "不能填写确定时间" in refused_page(client, response)
    response = recommend(client, inc.members[:1], confirmed_on="")
    assert "须填写确定时间" in refused_page(client, response)
    assert not devs().exists()


def test_party_application_date_is_needed(inc, login, client):
    """INC-11: 申请入党时间 is synced from 递交入党申请书时间; a member without it can't be recorded
    (the message names who), nor recommended before applying; nothing is written."""
    member, other = inc.members[:2]
    member.party_application_submitted, member.party_application_date = False, None
    member.save()
    login(inc.branch_admin, inc.tree.branch_a)
    response = recommend(client, [member, other])
    assert "团员0的团员信息中没有递交入党申请书时间" in refused_page(client, response)
    response = recommend(client, [other], recommended_on="2020-02-28", status=TrackStatus.UNCONFIRMED, confirmed_on="")
    assert "不能早于团员1的申请入党时间（2020-03）" in refused_page(client, response)
    assert not devs().exists()
    assert recommend(client, [other]).status_code == 302


def test_party_application_date_synced_from_profile(inc, login, client):
    """INC-11: 申请入党时间 shows the member's 递交入党申请书时间, live."""
    member = inc.members[0]
    member.party_application_submitted, member.party_application_date = True, date(2022, 3, 15)
    member.save()
    login(inc.branch_admin, inc.tree.branch_a)
    page = client.get(f"/incentives/development/new/?q={member.name}").content.decode()
    assert "申请入党时间：2022-03" in page
    recommend(client, [member])
    assert "2022-03-15" in client.get("/incentives/development/").content.decode()
    member.party_application_date = date(2022, 4, 1)
    member.save()
    assert "2022-04-01" in client.get("/incentives/development/").content.decode()


def test_form_must_be_pdf_and_is_served_scoped(inc, login, client):
    """INC-11 / SEC-01: the 推优表 must be a PDF; served only inside the subtree."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(inc.branch_admin, inc.tree.branch_a)
    bad = SimpleUploadedFile("t.pdf", b"<html>", content_type="application/pdf")
    page = refused_page(client, recommend(client, inc.members[:1], form_file=bad))
    assert "推优表：文件不是 PDF 格式（可能是图片或其他文件改了扩展名），请上传 PDF 格式的推优表。" in page
    assert recommend(client, inc.members[:1], form_file=pdf_upload()).status_code == 302
    pk = devs().get().pk
    assert client.get(f"/incentives/development/{pk}/form/").status_code == 200
    login(inc.col_b_admin, inc.tree.col_b)
    assert client.get(f"/incentives/development/{pk}/form/").status_code == 404


def test_form_size_limit_stops_the_upload(inc, login, client, settings):
    """INC-11 / SEC-05: a 推优表 larger than INC_PDF_MAX_BYTES is refused while the body is parsed;
    nothing is written."""
    settings.ZHTJ = {**settings.ZHTJ, "INC_PDF_MAX_BYTES": 100}
    login(inc.branch_admin, inc.tree.branch_a)
    response = recommend(client, inc.members[:1], form_file=pdf_upload())
    assert "推优表不能超过" in refused_page(client, response)
    assert response.wsgi_request.upload_too_large
    assert not devs().exists()


def test_update_only_after_a_year(inc, login, client):
    """INC-12: 更新状态 is offered only once the yearly prompt is due."""
    dev = approved_party_record(inc, login, client)
    login(inc.branch_admin, inc.tree.branch_a)
    response = client.post(f"/incentives/development/{dev.pk}/update/", {"new_status": TrackStatus.OBSERVING})
    assert response.status_code == 400 and "尚未到更新时间" in response.content.decode()


def test_job_marks_due_after_one_year_idempotent(inc, login, client):
    """JOB-03: run_job --date a year later marks the record due; a second run changes nothing;
    the branch gets a login prompt."""
    dev = approved_party_record(inc, login, client)
    assert "变更 0 条" in run_job(TODAY + timedelta(days=300))
    later = TODAY + timedelta(days=366)
    assert "变更 1 条" in run_job(later)
    assert "变更 0 条" in run_job(later)
    dev.refresh_from_db()
    assert dev.update_due
    login(inc.branch_admin, inc.tree.branch_a)
    assert "请更新状态" in client.get("/").content.decode()


def test_allowed_next_states_and_superior_approval(inc, login, client):
    """INC-12: a confirmed activist may become 处于考察期 / 被取消资格 / 被确定为发展对象 (with a date);
    已入党 is not allowed yet; the update takes effect only after the superior's approval, and
    while it waits the list says so instead of offering 更新状态 again (JOB-03's prompt stops)."""
    dev = approved_party_record(inc, login, client)
    with time_machine.travel(TODAY + timedelta(days=370), tick=False):
        run_job(timezone.localdate())
        login(inc.branch_admin, inc.tree.branch_a)
        url = f"/incentives/development/{dev.pk}/update/"
        page = client.get(url).content.decode()
        assert "处于考察期" in page and "被确定为发展对象" in page and "已入党" not in page
        response = client.post(url, {"new_status": TrackStatus.JOINED, "step_date": timezone.localdate().isoformat()})
        assert response.status_code == 400 and "只能更新为" in response.content.decode()
        response = client.post(url, {"new_status": TrackStatus.DEV_TARGET})
        assert response.status_code == 400 and "须填写确定时间" in response.content.decode()
        day = timezone.localdate().isoformat()
        assert client.post(url, {"new_status": TrackStatus.DEV_TARGET, "step_date": day}).status_code == 302
        assert client.post(url, {"new_status": TrackStatus.OBSERVING}).status_code == 400  # one open update
        page = client.get("/incentives/development/").content.decode()  # filed: no button, no prompt
        assert "状态更新待上级审核" in page and url not in page
        assert "请更新状态" not in client.get("/").content.decode()
        dev.refresh_from_db()
        assert dev.status == TrackStatus.CONFIRMED  # not yet in effect
        update = IncentiveRecord.objects.get(kind=Kind.TRACK_UPDATE)
        login(inc.col_admin, inc.tree.col_a)
        assert client.post(f"/incentives/certify/{update.pk}/approve/").status_code == 302
        dev.refresh_from_db()
        assert dev.status == TrackStatus.DEV_TARGET and dev.track == PartyCategory.DEVELOPMENT
        assert not dev.update_due and dev.last_step_on == timezone.localdate()
    assert "变更 0 条" in run_job(TODAY + timedelta(days=400))


def test_update_dates_follow_the_steps(inc, login, client):
    """INC-11 / INC-12: 更新状态 refuses a 确定时间 while still 未确定, and a step date before the
    previous step (here the activist's 确定时间, later than the 推荐时间)."""
    dev = approved_party_record(
        inc,
        login,
        client,
        recommended_on=(TODAY - timedelta(days=60)).isoformat(),
        confirmed_on=(TODAY - timedelta(days=30)).isoformat(),
    )
    Development.objects.filter(pk=dev.pk).update(update_due=True)
    login(inc.branch_admin, inc.tree.branch_a)
    url = f"/incentives/development/{dev.pk}/update/"
    between = (TODAY - timedelta(days=45)).isoformat()
    response = client.post(url, {"new_status": TrackStatus.DEV_TARGET, "step_date": between})
    assert response.status_code == 400 and "不能早于上一步的确定时间" in response.content.decode()
    assert not IncentiveRecord.objects.filter(kind=Kind.TRACK_UPDATE).exists()
    unconfirmed = approved_party_record(inc, login, client, status=TrackStatus.UNCONFIRMED, confirmed_on="")
    Development.objects.filter(pk=unconfirmed.pk).update(update_due=True)
    login(inc.branch_admin, inc.tree.branch_a)
    response = client.post(
        f"/incentives/development/{unconfirmed.pk}/update/",
        {"new_status": TrackStatus.UNCONFIRMED, "step_date": TODAY.isoformat()},
    )
    assert response.status_code == 400 and "不能填写确定时间" in response.content.decode()
    assert not IncentiveRecord.objects.filter(kind=Kind.TRACK_UPDATE).exists()


def test_joined_ends_tracking(inc, login, client):
    """INC-12: a development target who joined the party (入党时间 required) is no longer tracked."""
    dev = approved_party_record(inc, login, client, category=PartyCategory.DEVELOPMENT)
    with time_machine.travel(TODAY + timedelta(days=370), tick=False):
        run_job(timezone.localdate())
        login(inc.branch_admin, inc.tree.branch_a)
        url = f"/incentives/development/{dev.pk}/update/"
        assert (
            client.post(
                url, {"new_status": TrackStatus.JOINED, "step_date": timezone.localdate().isoformat()}
            ).status_code
            == 302
        )
        login(inc.col_admin, inc.tree.col_a)
        client.post(f"/incentives/certify/{IncentiveRecord.objects.get(kind=Kind.TRACK_UPDATE).pk}/approve/")
        dev.refresh_from_db()
        assert dev.status == TrackStatus.JOINED and not dev.tracking
    with time_machine.travel(TODAY + timedelta(days=800), tick=False):
        assert "变更 0 条" in run_job(timezone.localdate())


def test_record_follows_transfer(inc, login, client):
    """TRF-08: after a transfer the 推优 record shows at the new branch, which updates it; the old
    branch keeps a read-only line. Nothing was moved: records point at the person."""
    dev = approved_party_record(inc, login, client)
    member = inc.members[0]
    new_admin = f.admin_of(inc.tree.branch_b, "B支部书记")
    member.branch = inc.tree.branch_b
    member.save()
    Development.objects.filter(pk=dev.pk).update(update_due=True)
    login(new_admin, inc.tree.branch_b)
    page = client.get("/incentives/development/").content.decode()
    assert member.name in page and "更新状态" in page
    day = TODAY.isoformat()
    assert (
        client.post(
            f"/incentives/development/{dev.pk}/update/", {"new_status": TrackStatus.OBSERVING, "step_date": day}
        ).status_code
        == 302
    )
    login(inc.branch_admin, inc.tree.branch_a)
    page = client.get("/incentives/development/").content.decode()
    assert "已转出" in page
    assert client.get(f"/incentives/development/{dev.pk}/update/").status_code == 404
    from incentives.services import records_of

    assert dev.pk in [r.pk for r in records_of(member)]


def test_development_list_constant_queries(inc, login, client):
    """The 推优 list runs the same number of queries for 1 and 10 records."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(inc.branch_admin, inc.tree.branch_a)
    recommend(client, inc.members[:1])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/incentives/development/").status_code == 200
        return len(ctx)

    small = count()
    recommend(client, inc.members[1:10])
    assert devs().count() == 10
    assert count() == small


def test_next_states_per_track():
    """INC-12: the seed's tracking per track — not yet confirmed: still 未确定, now 已确定 (with its
    确定时间) or 被取消资格; a confirmed activist: 处于考察期 / 被取消资格 / 被确定为发展对象 (确定时间);
    a development target: 处于考察期 / 被取消资格 / 已入党 (入党时间); 被取消资格 and 已入党 end it."""
    from incentives.tracking import allowed_next, check_update
    from zhtj.core.workflow import WorkflowError

    S, A, D = TrackStatus, PartyCategory.ACTIVIST, PartyCategory.DEVELOPMENT

    def dev(track, status, confirmed_on=None):
        record = IncentiveRecord(state=State.APPROVED)
        return Development(
            record=record,
            dev_kind=DevelopmentKind.PARTY,
            category=track,
            track=track,
            status=status,
            recommended_on=TODAY - timedelta(days=400),
            confirmed_on=confirmed_on,
        )

    unconfirmed = {S.UNCONFIRMED, S.CONFIRMED, S.DISQUALIFIED}
    assert set(allowed_next(dev(A, S.UNCONFIRMED))) == unconfirmed == set(allowed_next(dev(D, S.UNCONFIRMED)))
    for status in (S.CONFIRMED, S.OBSERVING):
        assert set(allowed_next(dev(A, status))) == {S.OBSERVING, S.DISQUALIFIED, S.DEV_TARGET}
    for status in (S.CONFIRMED, S.OBSERVING, S.DEV_TARGET):
        assert set(allowed_next(dev(D, status))) == {S.OBSERVING, S.DISQUALIFIED, S.JOINED}
    for status in (S.DISQUALIFIED, S.JOINED):
        assert allowed_next(dev(D, status)) == ()
        with pytest.raises(WorkflowError, match="已结束跟踪"):
            check_update(dev(D, status), S.OBSERVING, None)
    earlier = TODAY - timedelta(days=10)
    assert check_update(dev(A, S.UNCONFIRMED), S.CONFIRMED, earlier) == earlier
    assert check_update(dev(A, S.UNCONFIRMED), S.DISQUALIFIED, None) is None
    for new, label in ((S.CONFIRMED, "确定时间"), (S.DEV_TARGET, "确定时间"), (S.JOINED, "入党时间")):
        track = D if new == S.JOINED else A
        current = S.UNCONFIRMED if new == S.CONFIRMED else S.CONFIRMED
        with pytest.raises(WorkflowError, match=f"须填写{label}"):
            check_update(dev(track, current, confirmed_on=None if current == S.UNCONFIRMED else earlier), new, None)


def test_clock_runs_from_the_steps_own_date(inc, login, client):
    """INC-12 / JOB-03 at the edge: the year runs from the record's 确定时间, not from the day the
    superior approved it — `run_job --date` the day before its anniversary marks nothing, on the
    anniversary it marks the record (as beat does that day)."""
    confirmed = TODAY - timedelta(days=30)
    dev = approved_party_record(inc, login, client, confirmed_on=confirmed.isoformat())
    assert dev.last_step_on == confirmed and not dev.update_due
    anniversary = confirmed.replace(year=confirmed.year + 1)
    assert "变更 0 条" in run_job(anniversary - timedelta(days=1))
    assert "变更 1 条" in run_job(anniversary)


def test_unconfirmed_record_dates_from_its_recommendation(inc, login, client):
    """INC-12: a record entered 未确定 dates from its 推荐时间; one recommended over a year ago is
    due as soon as it takes effect (no wait for the next job run)."""
    long_ago = (TODAY - timedelta(days=400)).isoformat()
    dev = approved_party_record(
        inc, login, client, status=TrackStatus.UNCONFIRMED, confirmed_on="", recommended_on=long_ago
    )
    assert dev.last_step_on.isoformat() == long_ago and dev.update_due


def test_update_restarts_the_clock_at_its_confirmation_date(inc, login, client):
    """INC-12: an approved 被确定为发展对象 restarts the year at its 确定时间, even when the superior
    approves it weeks later."""
    dev = approved_party_record(inc, login, client)
    Development.objects.filter(pk=dev.pk).update(update_due=True)
    login(inc.branch_admin, inc.tree.branch_a)
    step = TODAY - timedelta(days=10)
    url = f"/incentives/development/{dev.pk}/update/"
    assert client.post(url, {"new_status": TrackStatus.DEV_TARGET, "step_date": step.isoformat()}).status_code == 302
    update = IncentiveRecord.objects.get(kind=Kind.TRACK_UPDATE)
    with time_machine.travel(TODAY + timedelta(days=20), tick=False):
        login(inc.col_admin, inc.tree.col_a)
        assert client.post(f"/incentives/certify/{update.pk}/approve/").status_code == 302
    dev.refresh_from_db()
    assert dev.last_step_on == step and not dev.update_due
    assert "变更 0 条" in run_job(step.replace(year=step.year + 1) - timedelta(days=1))
    assert "变更 1 条" in run_job(step.replace(year=step.year + 1))


def test_job_reports_its_cutoff(inc, login, client):
    """JOB-03 / INC-12: a run on the anniversary of a record's 确定时间 marks it and reports the
    cutoff it used — that 确定时间, one year (INC_TRACK_PROMPT_YEARS) before the run's day."""
    from datetime import datetime, time

    from incentives.jobs import mark_due

    confirmed = TODAY - timedelta(days=30)
    approved_party_record(inc, login, client, confirmed_on=confirmed.isoformat())
    anniversary = confirmed.replace(year=confirmed.year + 1)
    moment = timezone.make_aware(datetime.combine(anniversary, time(3, 0)))
    assert mark_due(moment) == {"changed": 1, "cutoff": confirmed.isoformat()}


def test_update_refusals_word_for_word_and_the_date_edges():
    """INC-11 / INC-12: each refusal of 更新状态 says exactly why; the step date may be today, not
    tomorrow, and may be the previous step's date (here the 推荐时间), not the day before."""
    from incentives.tracking import check_update
    from zhtj.core.workflow import WorkflowError

    S = TrackStatus
    recommended = TODAY - timedelta(days=400)

    def dev(status, state=State.APPROVED, track=PartyCategory.ACTIVIST):
        record = IncentiveRecord(state=state)
        return Development(
            record=record,
            dev_kind=DevelopmentKind.PARTY,
            category=track,
            track=track,
            status=status,
            recommended_on=recommended,
        )

    def refusal(d, new, day):
        with pytest.raises(WorkflowError) as exc:
            check_update(d, new, day)
        return str(exc.value)

    ended = dev(S.JOINED, track=PartyCategory.DEVELOPMENT)
    assert refusal(ended, S.OBSERVING, None) == "该推优记录已结束跟踪，不能再更新状态。"
    assert (
        refusal(dev(S.UNCONFIRMED, State.PENDING), S.CONFIRMED, TODAY) == "推优记录尚未通过上级认证，暂不能更新状态。"
    )
    names = "、".join(S(s).label for s in (S.UNCONFIRMED, S.CONFIRMED, S.DISQUALIFIED))
    expected = f"当前状态为“{S.UNCONFIRMED.label}”，只能更新为：{names}。"
    assert refusal(dev(S.UNCONFIRMED), S.JOINED, TODAY) == expected
    assert refusal(dev(S.UNCONFIRMED), S.UNCONFIRMED, TODAY) == "尚未被党组织确定的，不能填写确定时间。"
    tomorrow = TODAY + timedelta(days=1)
    assert refusal(dev(S.UNCONFIRMED), S.CONFIRMED, tomorrow) == "确定时间不能晚于今天。"
    assert check_update(dev(S.UNCONFIRMED), S.CONFIRMED, TODAY) == TODAY
    before = recommended - timedelta(days=1)
    assert refusal(dev(S.UNCONFIRMED), S.CONFIRMED, before) == (
        f"确定时间不能早于上一步的推荐时间（{recommended:%Y-%m-%d}）。"
    )
    assert check_update(dev(S.UNCONFIRMED), S.CONFIRMED, recommended) == recommended


def test_a_waiting_update_holds_back_only_its_own_record(inc, login, client):
    """INC-12 / JOB-03: of two due 推优 records, the one whose 更新状态 waits for the superior shows
    状态更新待上级审核 and leaves the prompt; the other still offers 更新状态 and is counted. Once the
    superior refuses the update, the record is offered and counted again."""
    login(inc.branch_admin, inc.tree.branch_a)
    assert recommend(client, inc.members[:2]).status_code == 302
    first, second = devs().order_by("pk")[:2]
    login(inc.col_admin, inc.tree.col_a)
    for record in (first, second):
        assert client.post(f"/incentives/certify/{record.pk}/approve/").status_code == 302
    with time_machine.travel(TODAY + timedelta(days=370), tick=False):
        run_job(timezone.localdate())
        login(inc.branch_admin, inc.tree.branch_a)
        waiting, other = (f"/incentives/development/{r.pk}/update/" for r in (first, second))
        day = timezone.localdate().isoformat()
        assert client.post(waiting, {"new_status": TrackStatus.DEV_TARGET, "step_date": day}).status_code == 302
        page = client.get("/incentives/development/").content.decode()
        assert "状态更新待上级审核" in page and waiting not in page and other in page
        assert "1名推优人选已满1年" in client.get("/").content.decode()
        update = IncentiveRecord.objects.get(kind=Kind.TRACK_UPDATE)
        login(inc.col_admin, inc.tree.col_a)
        assert client.post(f"/incentives/certify/{update.pk}/reject/", {"reason": "材料不全"}).status_code == 302
        login(inc.branch_admin, inc.tree.branch_a)
        page = client.get("/incentives/development/").content.decode()
        assert "状态更新待上级审核" not in page and waiting in page and other in page
        assert "2名推优人选已满1年" in client.get("/").content.decode()


def test_due_before_is_the_setting_in_years_back_and_29_february_falls_to_the_28th(settings):
    """INC-12 / JOB-03: a record is due when its last step is on or before the same day
    INC_TRACK_PROMPT_YEARS years back; from 29 February to a year without one, the 28th."""
    from incentives.models import due_before

    assert due_before(date(2026, 12, 6)) == date(2025, 12, 6)
    assert due_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert due_before(date(2024, 3, 1)) == date(2023, 3, 1)
    settings.ZHTJ = {**settings.ZHTJ, "INC_TRACK_PROMPT_YEARS": 2}
    assert due_before(date(2026, 12, 6)) == date(2024, 12, 6)
    assert due_before(date(2024, 2, 29)) == date(2022, 2, 28)
    settings.ZHTJ = {**settings.ZHTJ, "INC_TRACK_PROMPT_YEARS": 4}
    assert due_before(date(2024, 2, 29)) == date(2020, 2, 29)


def test_a_step_exactly_a_year_ago_is_due_at_once_a_day_later_is_not(inc, login, client):
    """INC-12 at its edge: a 推优 record confirmed exactly one year ago is due as soon as it takes
    effect; one confirmed a day later is not; other 发展激励 kinds have no clock at all."""
    from incentives.models import due_before

    edge = due_before(TODAY)
    recommended = (edge - timedelta(days=10)).isoformat()
    due = approved_party_record(inc, login, client, recommended_on=recommended, confirmed_on=edge.isoformat())
    assert due.last_step_on == edge and due.update_due
    later = edge + timedelta(days=1)
    fresh = approved_party_record(inc, login, client, recommended_on=recommended, confirmed_on=later.isoformat())
    assert fresh.last_step_on == later and not fresh.update_due
    login(inc.branch_admin, inc.tree.branch_a)
    data = {"dev_kind": DevelopmentKind.MARXISM, "person": [inc.members[1].pk], "recommended_on": recommended}
    assert client.post("/incentives/development/new/", data).status_code == 302
    marxism = devs().order_by("-pk").first()
    login(inc.col_admin, inc.tree.col_a)
    assert client.post(f"/incentives/certify/{marxism.pk}/approve/").status_code == 302
    other = Development.objects.get(pk=marxism.pk)
    assert other.record.state == State.APPROVED and other.last_step_on is None and not other.update_due


def test_recording_refusals_word_for_word_and_the_dates_at_their_edges(inc):
    """INC-10 / INC-11: each refusal of recording a 发展激励 says exactly why and writes nothing;
    确定时间 may be the 推荐时间 itself, not the day before; the 推荐时间 may be the first of the
    month of the member's 递交入党申请书时间, not the day before; every member lacking that date is
    named; a 推优表 only for 推优入党."""
    from incentives import services
    from zhtj.core.workflow import WorkflowError

    people, by, org = inc.members, inc.branch_admin, inc.tree.branch_a
    people[1].party_application_date = date(2020, 3, 15)  # the fixture's month, mid-month
    people[1].save()
    march = date(2020, 3, 1)
    party = dict(
        dev_kind=DevelopmentKind.PARTY,
        recommended_on=march,
        category=PartyCategory.ACTIVIST,
        status=TrackStatus.CONFIRMED,
        confirmed_on=march,
    )

    def refusal(chosen, **kw):
        with pytest.raises(WorkflowError) as exc:
            services.record_development(org, chosen, by=by, **{**party, **kw})
        return str(exc.value)

    assert refusal(people[:1], dev_kind="bogus") == "请选择发展激励类型。"
    assert refusal([]) == "请先搜索并添加人员。"
    assert refusal(people[:1], category="bogus") == "请选择推优类别。"
    assert refusal(people[:1], status=TrackStatus.OBSERVING) == "请选择当前状态（已确定 / 未确定）。"
    assert refusal(people[:1], status=TrackStatus.UNCONFIRMED) == "尚未被党组织确定的，不能填写确定时间。"
    assert refusal(people[:1], confirmed_on=None) == "已被党组织确定的，须填写确定时间。"
    assert refusal(people[:1], confirmed_on=march - timedelta(days=1)) == "确定时间不能早于推荐时间。"
    for p in people[2:4]:
        p.party_application_submitted, p.party_application_date = False, None
        p.save()
    assert refusal(people[:4]) == (
        "团员2、团员3的团员信息中没有递交入党申请书时间，申请入党时间无法同步：请先在团员信息中填写，再记载推优入党。"
    )
    before = march - timedelta(days=1)
    assert refusal(people[1:2], recommended_on=before, confirmed_on=None, status=TrackStatus.UNCONFIRMED) == (
        "推荐时间不能早于团员1的申请入党时间（2020-03）。"
    )
    assert refusal(people[:1], dev_kind=DevelopmentKind.TALENT, form_file=pdf_upload()) == (
        "只有推优入党记载需要上传推优表。"
    )
    assert refusal(people[:1], form_file=not_a_pdf()).startswith("推优表：")
    assert not devs().exists()

    [record] = services.record_development(org, people[1:2], by=by, **party, note=" 表现突出 ")
    dev = record.development
    assert record.summary == "推优入党 团员1：推荐作为入党积极分子" and record.person == people[1]
    assert record.development.form_file.name == ""  # no 推优表 sent, none stored
    assert (dev.category, dev.track, dev.status, dev.confirmed_on, dev.note) == (
        PartyCategory.ACTIVIST,
        PartyCategory.ACTIVIST,
        TrackStatus.CONFIRMED,
        march,
        "表现突出",
    )
    [talent] = services.record_development(
        org, people[:1], by=by, dev_kind=DevelopmentKind.TALENT, recommended_on=march, category="x", status="y"
    )
    other = talent.development
    assert talent.summary == "优秀青年人才举荐 团员0" and (other.category, other.track, other.status) == ("", "", "")
    assert other.note == ""
    assert refusal(people[1:2], note="注" * 201) == "备注不能超过200字，当前为201字。"
    assert other.form_file.name == ""
    [with_form] = services.record_development(org, people[:1], by=by, **party, form_file=pdf_upload())
    assert with_form.development.form_file.name.endswith(".pdf")


def not_a_pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("t.pdf", b"<html>", content_type="application/pdf")


def test_update_requests_refused_word_for_word_and_recorded_for_the_superior(inc, login, client):
    """INC-12: 更新状态 is refused, each time saying why, before the record took effect, before its
    year is up (naming the last step's date), and while another update waits; a request is a
    record of the acting org waiting for its superior, naming both states."""
    from django.test import RequestFactory

    from incentives import services
    from incentives.models import TrackUpdate
    from zhtj.core.workflow import WorkflowError

    request = RequestFactory().post("/")
    request.user, request.acting_org = inc.branch_admin, inc.tree.branch_a

    def refusal(dev):
        with pytest.raises(WorkflowError) as exc:
            services.request_track_update(request, dev, TrackStatus.DEV_TARGET, TODAY)
        return str(exc.value)

    login(inc.branch_admin, inc.tree.branch_a)
    assert recommend(client, inc.members[1:2]).status_code == 302
    waiting = Development.objects.get(record__person=inc.members[1])
    assert refusal(waiting) == "推优记录尚未通过上级认证，暂不能更新状态。"
    dev = approved_party_record(inc, login, client)
    assert refusal(dev) == f"尚未到更新时间：上次更新于{TODAY - timedelta(days=30):%Y-%m-%d}，满1年后系统提示更新状态。"
    Development.objects.filter(pk=dev.pk).update(update_due=True)
    record = services.request_track_update(request, dev, TrackStatus.DEV_TARGET, TODAY)
    assert record.kind == Kind.TRACK_UPDATE and record.state == State.PENDING
    assert record.recorder == inc.tree.branch_a and record.recorded_by == inc.branch_admin
    assert record.person == inc.members[0] and record.summary == "推优入党 团员0：已确定 → 被确定为发展对象"
    update = TrackUpdate.objects.get(record=record)
    assert (update.development_id, update.new_status, update.step_date) == (dev.pk, TrackStatus.DEV_TARGET, TODAY)
    assert refusal(dev) == "已有一条状态更新等待上级审核，请勿重复提交。"


def test_a_committees_record_takes_effect_at_once_with_its_audit_row(inc):
    """INC-13 / INC-12: a 推优 recorded by a 团委 needs no superior: it is 已认证 at once, decided by
    its recorder, its clock started at its 确定时间; a branch's waits, decided by nobody yet. Each
    creation is audited with its first state and who recorded it."""
    from incentives import services
    from zhtj.core.models import AuditLog

    confirmed = TODAY - timedelta(days=20)
    kw = dict(
        dev_kind=DevelopmentKind.PARTY,
        recommended_on=TODAY - timedelta(days=30),
        category=PartyCategory.ACTIVIST,
        status=TrackStatus.CONFIRMED,
        confirmed_on=confirmed,
    )
    [now] = services.record_development(inc.tree.col_a, inc.members[:1], by=inc.col_admin, **kw)
    [later] = services.record_development(inc.tree.branch_a, inc.members[1:2], by=inc.branch_admin, **kw)
    assert (now.state, now.decided_by, now.development.last_step_on) == (State.APPROVED, inc.col_admin, confirmed)
    assert (later.state, later.decided_by, later.development.last_step_on) == (State.PENDING, None, None)
    rows = AuditLog.objects.filter(action="create", object_id__in=[now.pk, later.pk]).order_by("object_id")
    assert list(rows.values_list("object_id", "to_state", "actor")) == [
        (now.pk, State.APPROVED, inc.col_admin.pk),
        (later.pk, State.PENDING, inc.branch_admin.pk),
    ]


def test_an_approved_update_writes_its_status_and_its_date(inc, login, client):
    """INC-12: an approved 更新状态 writes the new status; 已确定 / 被确定为发展对象 set 确定时间 (the
    latter also moves the record onto the 发展对象 track), 已入党 sets 入党时间 and ends the tracking;
    the clock restarts at the step's date, or at the day the update was filed when it has none."""
    from datetime import datetime, time

    from incentives.models import TrackUpdate

    dev = approved_party_record(inc, login, client, status=TrackStatus.UNCONFIRMED, confirmed_on="")
    filed = TODAY - timedelta(days=5)

    def apply(new_status, step_date=None):
        record = IncentiveRecord.objects.create(
            kind=Kind.TRACK_UPDATE,
            recorder=inc.tree.branch_a,
            recorded_by=inc.branch_admin,
            person=inc.members[0],
            summary="更新状态",
        )
        IncentiveRecord.objects.filter(pk=record.pk).update(
            created_at=timezone.make_aware(datetime.combine(filed, time(12, 0)))
        )
        record.refresh_from_db()
        update = TrackUpdate.objects.create(record=record, development=dev, new_status=new_status, step_date=step_date)
        update.on_effective(record)
        return Development.objects.get(pk=dev.pk)

    def seen(d):
        return d.status, d.track, d.confirmed_on, d.party_joined_on, d.last_step_on, d.update_due

    confirmed = TODAY - timedelta(days=20)
    A, D = PartyCategory.ACTIVIST, PartyCategory.DEVELOPMENT
    assert seen(apply(TrackStatus.CONFIRMED, confirmed)) == (
        TrackStatus.CONFIRMED,
        A,
        confirmed,
        None,
        confirmed,
        False,
    )
    assert seen(apply(TrackStatus.OBSERVING)) == (TrackStatus.OBSERVING, A, confirmed, None, filed, False)
    target = TODAY - timedelta(days=3)
    assert seen(apply(TrackStatus.DEV_TARGET, target)) == (TrackStatus.DEV_TARGET, D, target, None, target, False)
    joined = TODAY - timedelta(days=400)  # a year back: due, were it still tracked
    assert seen(apply(TrackStatus.JOINED, joined)) == (TrackStatus.JOINED, D, target, joined, joined, False)


def test_only_a_waiting_update_of_the_same_record_holds_a_request_back(inc, login, client):
    """INC-12: one open update per record -- another record's waiting update doesn't hold this one
    back, and once the superior has refused an update, the record may be updated again."""
    from django.test import RequestFactory

    from incentives import services

    request = RequestFactory().post("/")
    request.user, request.acting_org = inc.branch_admin, inc.tree.branch_a
    first = approved_party_record(inc, login, client)
    second = approved_party_record(inc, login, client)
    Development.objects.filter(pk__in=[first.pk, second.pk]).update(update_due=True)
    waiting = services.request_track_update(request, first, TrackStatus.OBSERVING, None)
    assert services.request_track_update(request, second, TrackStatus.OBSERVING, None).state == State.PENDING
    superior = RequestFactory().post("/")
    superior.user, superior.acting_org = inc.col_admin, inc.tree.col_a
    services.decide(superior, waiting, "reject", note="材料不全")
    again = services.request_track_update(request, first, TrackStatus.DEV_TARGET, TODAY)
    assert again.state == State.PENDING and again.trackupdate.development_id == first.pk
