"""Demo 工作通知 and 公开团课 (NTC, EDU), called from orgs/demo.py; idempotent (found by title).

- 团山东省委 sends every org below it a notice with a PDF attachment; the demo branch has read it.
- 中国石油大学（华东）团委 sends its 团支部 only a notice with an Excel attachment (unread).
- 团中央 publishes a 公开团课 with a short video (orgs/demo_assets/lecture.webm, served with ranges)
  and slides; 团山东省委 one given by a link. Two members of the demo branch have watched the first.
"""

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from pypdf import PdfWriter

from . import lectures, notices
from .models import LectureStudy, Notice, Organization, PublicLecture

ASSETS = Path(__file__).resolve().parent / "demo_assets"
BRANCH = "计算机专业2023级1班团支部"


def _admin(org):
    # members sits above orgs: the admins through the reverse relation
    post = org.cadre_posts.filter(admin_slot__isnull=False, ended_on__isnull=True).order_by("pk").first()
    return post.person if post else None


def _pdf(name):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _xlsx(name):
    wb = Workbook()
    ws = wb.active
    ws.append(["团支部", "联系人", "报名人数"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def seed(stdout):
    province = Organization.objects.filter(name="团山东省委").first()
    university = Organization.objects.filter(name="中国石油大学（华东）团委").first()
    central = Organization.objects.filter(name="团中央", parent__isnull=True).first()
    branch = Organization.objects.filter(name=BRANCH).first()
    if not (province and university and central and branch):
        return
    made = 0
    by = _admin(province)
    if by and not Notice.objects.filter(publisher=province, title="关于做好年度团籍注册工作的通知").exists():
        notice = notices.publish(
            province,
            by=by,
            title="关于做好年度团籍注册工作的通知",
            body="各级团组织：\n请于本月底前完成本年度团籍注册和团员教育评议工作，按时在智慧团建系统中审批。\n\n团山东省委",
            uploads=[_pdf("年度团籍注册工作方案.pdf")],
        )
        branch_admin = _admin(branch)
        notices.mark_read(notice, branch, branch_admin)
        made += 1
    by = _admin(university)
    if by and not Notice.objects.filter(publisher=university, title="关于报送主题团日活动开展情况的通知").exists():
        notices.publish(
            university,
            by=by,
            title="关于报送主题团日活动开展情况的通知",
            body="各团支部：\n请填写附件中的报名表，于下周五前报校团委组织部。",
            groups=["branch"],
            uploads=[_xlsx("主题团日活动报名表.xlsx")],
        )
        made += 1
    by = _admin(central)
    if by and not PublicLecture.objects.filter(publisher=central, title="青年大学习：新时代青年的使命担当").exists():
        video = ASSETS / "lecture.webm"
        lecture = lectures.save(
            PublicLecture(),
            org=central,
            by=by,
            title="青年大学习：新时代青年的使命担当",
            speaker="共青团中央宣传部",
            description="共青团中央录制的公开团课，学习党的创新理论，坚定理想信念。",
            video_upload=SimpleUploadedFile("青年大学习.webm", video.read_bytes()),
            slides_upload=_pdf("青年大学习课件.pdf"),
        )
        for person in branch.members.order_by("pk")[:2]:
            LectureStudy.objects.get_or_create(lecture=lecture, person=person)
        made += 1
    by = _admin(province)
    if by and not PublicLecture.objects.filter(publisher=province, title="齐鲁青年学党史").exists():
        lectures.save(
            PublicLecture(),
            org=province,
            by=by,
            title="齐鲁青年学党史",
            speaker="团山东省委宣传部",
            description="通过视频链接观看。",
            link="https://www.youth.cn/",
        )
        made += 1
    stdout.write(f"工作通知与公开团课演示数据：{made} 条新记录。")
