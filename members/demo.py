"""Demo data of the members app for `manage.py seed_demo` (idempotent), on top of the tree it
builds: a state-owned enterprise and cadres of every nature for 重点领域基层团干部配备 (CAD-04),
a graduated class with a 延迟毕业 mark (GRAD-01), and new members whose e-archives are in every
state (ARC-01 … ARC-03). Each part is found by a stable key before it is made."""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from orgs.choices import EnterpriseLevel, Industry, OrgCategory
from orgs.models import Organization
from orgs.services import suggest_full_name
from zhtj.core.idnumber import make_id_number
from zhtj.core.workflow import by_system, perform

from .archives import upload_archive
from .choices import AppointmentMethod, Education, Occupation, PoliticalStatus, PostNature, PostTitle, StudyStatus
from .models import CadrePost, GraduateMark, MemberArchive, Person

REGION = "370203"  # the demo's own people here: 青岛市市北区, sequence 500 and up


def _org(parent, name, category, **fields):
    org = Organization.objects.filter(parent=parent, name=name).first()
    if org is None:
        org = Organization.objects.create(
            parent=parent, name=name, full_name=suggest_full_name(parent, name), category=category, **fields
        )
    return org


def _person(seq, name, birth, branch=None, **fields):
    id_number = make_id_number(REGION, birth, 500 + seq)
    person = Person.objects.filter(id_number=id_number).first()
    if person is None:
        joined = fields.get("joined_month") or date(birth.year + 14, 5, 1)
        details = dict(
            ethnicity="汉族",
            education=Education.BACHELOR,
            occupation=Occupation.STUDENT if branch and branch.industry == Industry.UNIVERSITY else Occupation.OTHER,
            occupation_detail=StudyStatus.UNDERGRADUATE
            if branch and branch.industry == Industry.UNIVERSITY
            else "企业职工",
            political_status=PoliticalStatus.LEAGUE_MEMBER,
            party_application_submitted=False,
            is_volunteer=True,
            volunteer_since=date(2022, 3, 1),
            mobile=f"136{500 + seq:08d}",
            joined_month=joined,
            # MEM-04: a number for joins from 2017 on, its first four digits the join year.
            development_number=f"{joined.year}{500 + seq:08d}" if joined.year >= 2017 else "",
        )
        person = Person.objects.create_user(id_number, name=name, branch=branch, **(details | fields))
    return person


def _post(person, org, title, nature):
    if not CadrePost.objects.filter(person=person, org=org, ended_on__isnull=True).exists():
        CadrePost.objects.create(
            person=person,
            org=org,
            title=title,
            nature=nature,
            started_on=date(2024, 3, 1),
            **complete_post_fields(title),
        )


def complete_post_fields(title):
    """The cadre fields a post needs to be complete (MEM-08), as a demo cadre would have filled them."""
    elected = title in (PostTitle.SECRETARY, PostTitle.DEPUTY_SECRETARY, PostTitle.ORGANIZATION_MEMBER)
    return {
        "appointment_method": AppointmentMethod.ELECTED if elected else AppointmentMethod.APPOINTED,
        "is_party_committee_member": False,
    }


def _pdf(name):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _admin(org):
    return CadrePost.objects.admins().filter(org=org).select_related("person").first().person


def seed(stdout):
    qingdao = Organization.objects.filter(name="团青岛市委").first()
    university = Organization.objects.filter(name="中国石油大学（华东）团委").first()
    if qingdao is None or university is None:
        return
    enterprise(qingdao)
    cadre_natures(university)
    graduated_class(university)
    archives()
    self_registration()
    stdout.write(
        "团员与团干部演示数据：国有企业团委、各类性质团干部、毕业生团组织与延迟毕业、团员电子档案、待审批的团员注册申请。"
    )


def enterprise(qingdao):
    """CAD-04: a 国企 for the 国企 tab, with a full-time and a seconded cadre."""
    group = _org(
        qingdao,
        "青岛港集团团委",
        OrgCategory.COMMITTEE,
        industry=Industry.STATE_ENTERPRISE,
        enterprise_level=EnterpriseLevel.MUNICIPAL,
        enterprise_location="山东省青岛市",
        key_domain_submitted_at=timezone.now(),
    )
    port = _org(group, "前湾港区团委", OrgCategory.COMMITTEE, industry=Industry.STATE_ENTERPRISE)
    branch = _org(port, "前湾港区第一团支部", OrgCategory.BRANCH, industry=Industry.STATE_ENTERPRISE)
    _post(_person(1, "高振宇", date(1993, 5, 5)), group, PostTitle.SECRETARY, PostNature.FULL_TIME)
    _post(_person(2, "孔令辉", date(1995, 6, 6)), port, PostTitle.DEPUTY_SECRETARY, PostNature.SECONDED)
    worker = _person(3, "程晓东", date(2001, 7, 7), branch=branch, joined_month=date(2016, 5, 1))
    _post(worker, branch, PostTitle.SECRETARY, PostNature.PART_TIME)


def cadre_natures(university):
    """CAD-04 / CAD-05: a seconded teacher at the university and a student cadre (兼职)."""
    college = Organization.objects.filter(parent=university, name="计算机科学与技术学院团委").first()
    if college is None:
        return
    _post(_person(4, "贺明哲", date(1990, 1, 1)), university, PostTitle.DEPUTY_SECRETARY, PostNature.SECONDED)
    _post(_person(5, "苏雨彤", date(2004, 2, 2)), college, PostTitle.DEPUTY_SECRETARY, PostNature.PART_TIME)


def graduated_class(university):
    """GRAD-01: a class marked for this year's June graduation (converted at once once June 1 has
    passed) with one 延迟毕业 member."""
    from orgs.graduation import mark_branches

    college = Organization.objects.filter(parent=university, name="石油工程学院团委").first()
    if college is None:
        return
    grade = _org(college, "2021级团总支", OrgCategory.GENERAL_BRANCH, industry=Industry.UNIVERSITY)
    klass = Organization.objects.filter(parent=grade, name="石油工程专业2021级1班团支部").first()
    if klass is None:
        klass = _org(grade, "石油工程专业2021级1班团支部", OrgCategory.BRANCH, industry=Industry.UNIVERSITY)
        people = [
            _person(10 + i, name, date(2003, 3 + i, 3), branch=klass, joined_month=date(2017, 5, 1))
            for i, name in enumerate(("段嘉琪", "雷子豪", "姜雨欣"))
        ]
        year = timezone.localdate().year
        mark_branches(college, [klass.pk], month=date(year, 6, 1), reason="", by=_admin(college))
        klass.refresh_from_db()
        if klass.category == OrgCategory.GRADUATE and not GraduateMark.objects.filter(person=people[0]).exists():
            from .graduates import mark

            mark(
                college,
                klass,
                [people[0].pk],
                kind="delayed",
                raw_month=f"{year + 1}-01",
                reason="未修满学分，延期一学期",
                by=_admin(college),
            )


def archives():
    """ARC-01 … ARC-03: 2020+ members of 计算机专业2023级3班团支部 in every archive state."""
    branch = Organization.objects.filter(name="计算机专业2023级3班团支部").first()
    if branch is None or branch.parent is None:
        return
    joined = date(timezone.localdate().year, 5, 1)
    people = [
        _person(20 + i, name, date(2008, 1 + i, 9), branch=branch, joined_month=joined)
        for i, name in enumerate(("许嘉禾", "陆思琪", "韩子轩", "冯若曦"))
    ]
    branch_admin = _admin(branch)
    for person, outcome in zip(people[1:], ("pending", "reject", "approve"), strict=True):
        if MemberArchive.objects.filter(person=person).exists():
            continue
        archive = upload_archive(person, _pdf("入团志愿书.pdf"), by=branch_admin, org=branch)
        superior = _admin(archive.approver_org)  # the 学院团委 above the 年级团总支 (ARC-02)
        if outcome == "reject":
            perform(archive, "reject", guard=by_system, by=superior, note="扫描不清晰，请重新上传")
        elif outcome == "approve":
            perform(archive, "approve", guard=by_system, by=superior, note="")


def self_registration():
    """REG-02: a pending 团员团干部注册 application to the demo branch, filed through the public form."""
    from .models_registration import SelfRegistration
    from .registration import RegistrationForm, apply

    branch = Organization.objects.filter(name="计算机专业2023级1班团支部").first()
    if branch is None or SelfRegistration.objects.filter(branch=branch).exists():
        return
    birth = date(2006, 9, 12)
    seq = 600
    while True:  # an ID number nobody in the demo holds
        id_number = make_id_number("370211", birth, seq)
        if not Person.objects.filter(id_number=id_number).exists():
            break
        seq += 1
    values = {
        "name": "林晓雨",
        "gender": "F" if int(id_number[16]) % 2 == 0 else "M",
        "id_number": id_number,
        "ethnicity": "汉族",
        "education": "bachelor",
        "occupation": "student",
        "study_status": "undergraduate",
        "political_status": "league_member",
        "joined_month": "2021-05",
        "development_number": f"2021{seq:08d}",
        "mobile": "13905320612",
        "party_application_submitted": "0",
        "is_volunteer": "1",
        "volunteer_since": "2024-03",
    }
    form = RegistrationForm(values, org=branch)
    if form.is_valid():
        apply(form, branch)
