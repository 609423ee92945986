"""Fixtures for the document library: an isolated storage, people in two departments, sample files."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaidan.accounts.models import Organization


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(make_org, make_user):
    owner = make_org("fukushi", name="福祉課")
    other = make_org("bosai", name="防災課")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    return {
        "owner": owner,
        "other": other,
        "partner": partner,
        "editor": make_user("editor", owner, "editor"),
        "viewer": make_user("viewer", owner, "viewer"),
        "other_staff": make_user("other", other, "manager"),
        "superuser": make_user("root", None, is_superuser=True),
    }


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def make_docx(paragraph: str = "議事録の本文です。", cell: str = "セルの中身") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(paragraph)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "項目"
    table.cell(1, 1).text = cell
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "人口"
    first.append(["地区", "人口"])
    first.append(["池尻", 1234])
    second = workbook.create_sheet("施設")
    second.append(["名称", "定員"])
    second.append(["太子堂保育園", 60])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_pdf(text: str = "Hello Kaidan") -> bytes:
    """A minimal one-page PDF with a text stream (written by hand: pypdf cannot write text)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


@pytest.fixture
def login_verified():
    """Log a user in with a confirmed TOTP device, as after the code step (superusers need this)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def do_login(client, user) -> None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()

    return do_login
