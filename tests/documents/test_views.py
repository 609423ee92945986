"""The document library pages: list, upload form, detail with versions, downloads."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from kaidan.access.levels import Level
from kaidan.audit.models import AuditEntry
from kaidan.documents import services
from kaidan.documents.models import Document

from .conftest import PNG, make_docx, make_xlsx, upload

pytestmark = pytest.mark.django_db


def _document(world, classification=Level.INTERNAL, **extra) -> Document:
    values = {
        "owner": world["owner"],
        "title": "介護保険の手引き",
        "file": upload("手引き 2025.docx", make_docx()),
        "classification": classification,
    } | extra
    return services.upload_document(actor=world["editor"], **values)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_upload_through_the_web_form_then_the_list_shows_it(client, world):
    client.force_login(world["editor"])

    form = client.get(reverse("documents:new"))
    assert form.status_code == 200
    content = form.content.decode()
    assert 'for="id_file"' in content and 'enctype="multipart/form-data"' in content
    assert "福祉課" in content and "防災課" not in content  # only organizations the user edits for

    response = client.post(
        reverse("documents:new"),
        {
            "title": "人口統計",
            "owner": world["owner"].pk,
            "classification": "internal",
            "restriction_reason": "",
            "description": "毎月の人口",
            "file": upload("人口.xlsx", make_xlsx()),
        },
    )

    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "documents:detail", args=[document.pk]
    )
    assert document.created_by == world["editor"] and document.current_version == 1
    listing = client.get(reverse("documents:list")).content.decode()
    assert "人口統計" in listing and "福祉課" in listing
    assert '<span class="badge internal">庁内</span>' in listing
    detail = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "人口.xlsx" in detail and "池尻" in detail  # version history and text preview


def test_the_form_refuses_an_executable_and_says_why_in_both_languages(client, world):
    client.force_login(world["editor"])

    response = client.post(
        reverse("documents:new"),
        {
            "title": "x",
            "owner": world["owner"].pk,
            "classification": "internal",
            "file": upload("virus.exe", b"MZ"),
        },
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert 'role="alert"' in content
    assert "アップロードできません" in content and "cannot be uploaded" in content
    assert (
        'aria-describedby="id_file_errors id_file_helptext"' in content and 'aria-invalid="true"' in content
    )
    assert not Document.objects.exists()


def test_the_form_asks_for_a_reason_for_restricted(client, world):
    client.force_login(world["editor"])

    response = client.post(
        reverse("documents:new"),
        {
            "title": "x",
            "owner": world["owner"].pk,
            "classification": "restricted",
            "file": upload("a.png", PNG),
        },
    )

    assert response.status_code == 400
    assert 'id="id_restriction_reason_errors"' in response.content.decode()


def test_a_viewer_cannot_open_the_upload_form_and_anonymous_must_log_in(client, world):
    assert client.get(reverse("documents:new")).status_code == 302
    client.force_login(world["viewer"])
    assert client.get(reverse("documents:new")).status_code == 403


def test_a_restricted_document_is_404_for_other_staff_and_anonymous(client, world):
    document = _document(world, classification=Level.RESTRICTED, restriction_reason="personal")
    urls = [
        reverse("documents:detail", args=[document.pk]),
        reverse("documents:download", args=[document.pk]),
        reverse("documents:version_download", args=[document.pk, 1]),
    ]

    for user in (None, world["other_staff"], world["viewer"]):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert "介護保険の手引き" not in client.get(reverse("documents:list")).content.decode()
    missing = client.get(reverse("documents:detail", args=[document.pk + 1000]))
    assert missing.status_code == 404  # the same answer as for a hidden document

    client.force_login(world["editor"])
    detail = client.get(urls[0])
    assert detail.status_code == 200 and '<span class="badge restricted">秘</span>' in detail.content.decode()
    assert AuditEntry.objects.filter(action="documents.document.read_restricted").count() == 1
    assert client.get(urls[1]).status_code == 200
    assert AuditEntry.objects.filter(action="documents.document.download", actor_label="editor").count() == 1


def test_public_documents_are_open_to_anonymous_visitors(client, world):
    public = _document(world, classification=Level.PUBLIC, title="公開資料")
    _document(world, classification=Level.INTERNAL, title="庁内資料")

    listing = client.get(reverse("documents:list")).content.decode()
    assert "公開資料" in listing and "庁内資料" not in listing
    assert client.get(reverse("documents:detail", args=[public.pk])).status_code == 200
    response = client.get(reverse("documents:download", args=[public.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="documents.document.download", actor_label="anonymous").exists()
    assert client.post(reverse("documents:detail", args=[public.pk]), {}).status_code == 403


def test_download_uses_the_original_japanese_file_name(client, world):
    document = _document(world)
    client.force_login(world["viewer"])

    response = client.get(reverse("documents:download", args=[document.pk]))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert f"filename*=UTF-8''{quote('手引き 2025.docx')}" in disposition
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _body(response)[:2] == b"PK"


def test_a_new_version_through_the_detail_page_keeps_the_old_one(client, world):
    document = _document(world, file=upload("notes.txt", "第一版".encode()))
    client.force_login(world["editor"])

    response = client.post(
        reverse("documents:detail", args=[document.pk]),
        {"file": upload("notes.txt", "第二版".encode("cp932")), "comment": "誤字修正"},
    )

    assert response.status_code == 302
    detail = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "誤字修正" in detail and "第二版" in detail
    old = client.get(reverse("documents:version_download", args=[document.pk, 1]))
    assert _body(old).decode() == "第一版"
    assert _body(client.get(reverse("documents:download", args=[document.pk]))).decode("cp932") == "第二版"
    assert client.get(reverse("documents:version_download", args=[document.pk, 3])).status_code == 404


def test_other_staff_see_an_internal_document_but_cannot_add_versions(client, world):
    document = _document(world)
    client.force_login(world["other_staff"])

    detail = client.get(reverse("documents:detail", args=[document.pk]))
    assert detail.status_code == 200 and "id_comment" not in detail.content.decode()
    response = client.post(reverse("documents:detail", args=[document.pk]), {"file": upload("a.png", PNG)})
    assert response.status_code == 403
    assert document.versions.count() == 1


def test_pages_are_in_english_on_request(client, world):
    _document(world, classification=Level.PUBLIC)
    client.cookies["django_language"] = "en"
    content = client.get(reverse("documents:list")).content.decode()
    assert "Documents" in content and "Public" in content


def test_a_request_far_above_the_limit_is_refused_before_reading_it(client, world, settings):
    settings.DOCUMENTS_MAX_UPLOAD_SIZE = 1000
    client.force_login(world["editor"])

    response = client.post(
        reverse("documents:new"),
        {
            "title": "x",
            "owner": world["owner"].pk,
            "classification": "internal",
            "file": upload("big.csv", b"a," * 1024 * 1024),
        },
    )

    assert response.status_code == 413
    content = response.content.decode()
    assert 'role="alert"' in content and "大きすぎます" in content and "too large" in content
    assert not Document.objects.exists()


def test_the_limit_for_every_upload_also_caps_documents(client, world, settings):
    settings.MAX_UPLOAD_SIZE = 1000  # KAIDAN_MAX_UPLOAD_MB, below the documents' own limit
    client.force_login(world["editor"])

    response = client.post(
        reverse("documents:new"),
        {
            "title": "x",
            "owner": world["owner"].pk,
            "classification": "internal",
            "file": upload("a.csv", b"a," * 800),
        },
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "大きすぎます" in content and "too large" in content and "1000 B" in content
    assert not Document.objects.exists()
