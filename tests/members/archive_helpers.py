"""Shared data for the e-archive tests: real PDFs made with pypdf, a tree with admins and
2020+ members, and a private MEDIA_ROOT so each test sees exactly what it stored."""

import io
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from orgs.choices import OrgCategory
from tests import factories as f


def pdf_bytes(pages=1, password=None):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_upload(content=None, name="入团志愿书.pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type="application/pdf")


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class Arc:
    pass


@pytest.fixture
def arc(tree, fast_hasher, media):
    """The `tree` plus a 团总支 with a branch under 学院A团委, admins for each, and members."""
    a = Arc()
    a.tree = tree
    a.media = media
    a.general = f.OrgFactory(name="A年级团总支", parent=tree.col_a, category=OrgCategory.GENERAL_BRANCH)
    a.general.refresh_from_db()
    a.branch_g = f.branch(a.general, "A年级1班团支部")
    for org in (tree.branch_a, tree.branch_b, tree.col_a, tree.col_b, tree.uni, a.general, a.branch_g):
        org.refresh_from_db()
    a.branch_admin = f.admin_of(tree.branch_a)
    a.col_a_admin = f.admin_of(tree.col_a)
    a.col_b_admin = f.admin_of(tree.col_b)
    a.uni_admin = f.admin_of(tree.uni)
    a.general_admin = f.admin_of(a.general)
    a.new = f.person(
        "李新",
        branch=tree.branch_a,
        joined_month=date(2021, 5, 1),
        development_number="202100000001",
        date_joined=datetime(2021, 5, 20, tzinfo=UTC),  # entered when joining: due 30 days after May
    )
    a.old = f.person("王老", branch=tree.branch_a, joined_month=date(2015, 5, 1))
    a.other = f.person("赵乙", branch=tree.branch_b, joined_month=date(2022, 3, 1))
    a.under_general = f.person("钱丙", branch=a.branch_g, joined_month=date(2023, 9, 1))
    return a
