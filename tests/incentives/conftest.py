import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from tests import factories as f


def pdf_bytes(encrypted=False):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if encrypted:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name="decision.pdf", **kw):
    return SimpleUploadedFile(name, pdf_bytes(**kw), content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def inc(tree, fast_hasher):
    """tree + admins: A1团支部 (recorder), 学院A团委 (direct superior), 测试大学团委 (grand-parent),
    学院B团委 (a sibling subtree) and ten members of A1团支部 who applied to join the party in 2020-03."""

    class Inc:
        pass

    i = Inc()
    i.tree = tree
    i.branch_admin = f.admin_of(tree.branch_a, "支部书记")
    i.col_admin = f.admin_of(tree.col_a, "学院书记")
    i.uni_admin = f.admin_of(tree.uni, "校书记")
    i.col_b_admin = f.admin_of(tree.col_b, "学院B书记")
    i.members = [
        f.person(
            f"团员{n}",
            branch=tree.branch_a,
            password="x",
            joined_month=date(2018, 5, 1),
            party_application_submitted=True,
            party_application_date=date(2020, 3, 1),
        )
        for n in range(10)
    ]
    return i
