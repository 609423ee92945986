"""Uploading, versions, classification and audited downloads, through the services."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from kaidan.access.levels import Level
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import verify
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden, NotFound
from kaidan.documents import selectors, services
from kaidan.documents.models import Document

from .conftest import PNG, make_docx, make_pdf, upload

pytestmark = pytest.mark.django_db


def _upload(world, *, classification=Level.INTERNAL, **extra) -> Document:
    values = {
        "owner": world["owner"],
        "title": "避難所運営マニュアル",
        "file": upload("マニュアル.docx", make_docx()),
        "classification": classification,
    } | extra
    return services.upload_document(actor=world["editor"], **values)


def _read(download) -> bytes:
    with download.file as handle:
        return handle.read()


def test_an_upload_keeps_the_file_content_addressed_with_its_text(world):
    document = _upload(world)

    [version] = selectors.versions_of(document)
    assert document.current_version == 1 and version.number == 1
    assert version.original_filename == "マニュアル.docx"
    assert version.content_type.endswith("wordprocessingml.document")
    assert "議事録の本文です。" in version.extracted_text
    assert version.storage_name == f"documents/{version.sha256[:2]}/{version.sha256[2:]}"
    stored = settings.MEDIA_ROOT / version.storage_name
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == version.sha256
    assert stored.stat().st_size == version.size
    assert "マニュアル" not in str(stored)
    assert AuditEntry.objects.filter(action="documents.document.upload", object_id=str(document.pk)).exists()


def test_versions_increment_and_old_versions_stay_downloadable(world):
    document = _upload(world, file=upload("plan.pdf", make_pdf("version one")))

    version = services.add_version(
        actor=world["editor"],
        document=document,
        file=upload("plan.pdf", make_pdf("version two")),
        comment="改訂",
    )

    document.refresh_from_db()
    assert version.number == 2 and document.current_version == 2
    assert [v.number for v in selectors.versions_of(document)] == [2, 1]
    old = services.open_version_for_download(actor=world["viewer"], document=document, number=1)
    assert b"version one" in _read(old)
    current = services.open_version_for_download(actor=world["viewer"], document=document)
    assert current.version.number == 2 and b"version two" in _read(current)


def test_a_restricted_document_needs_a_reason(world):
    with pytest.raises(ValidationError) as excinfo:
        _upload(world, classification=Level.RESTRICTED)
    assert "restriction_reason" in excinfo.value.message_dict
    assert not Document.objects.exists()


def test_a_restricted_document_is_hidden_from_other_staff_and_anonymous(world):
    document = _upload(world, classification=Level.RESTRICTED, restriction_reason="personal")

    for actor in (world["other_staff"], AnonymousUser(), world["viewer"]):
        with pytest.raises(NotFound):
            selectors.get_document(document.pk, actor=actor)
        assert selectors.list_documents(actor=actor) == []
        with pytest.raises(Forbidden):
            services.open_version_for_download(actor=actor, document=document)
    assert selectors.get_document(document.pk, actor=world["editor"]) == document
    assert selectors.list_documents(actor=world["editor"]) == [document]


def test_every_download_is_audited_even_of_restricted_and_public_documents(world):
    secret = _upload(world, classification=Level.RESTRICTED, restriction_reason="personal")
    public = _upload(world, classification=Level.PUBLIC, file=upload("photo.png", PNG))

    _read(services.open_version_for_download(actor=world["editor"], document=secret))
    _read(services.open_version_for_download(actor=AnonymousUser(), document=public))

    downloads = AuditEntry.objects.filter(action="documents.document.download").order_by("seq")
    assert [(e.object_id, e.actor_label) for e in downloads] == [
        (str(secret.pk), "editor"),
        (str(public.pk), "anonymous"),
    ]
    assert downloads[0].detail["version"] == 1 and downloads[0].detail["classification"] == "restricted"
    assert verify() == []


def test_only_editors_of_the_owner_may_upload(world):
    with pytest.raises(Forbidden):
        services.upload_document(
            actor=world["viewer"],
            owner=world["owner"],
            title="x",
            file=upload("a.txt", b"x"),
            classification="internal",
        )
    with pytest.raises(Forbidden):
        services.upload_document(
            actor=world["other_staff"],
            owner=world["owner"],
            title="x",
            file=upload("a.txt", b"x"),
            classification="internal",
        )
    document = _upload(world)
    with pytest.raises(Forbidden):
        services.add_version(actor=world["viewer"], document=document, file=upload("a.txt", b"x"))
    assert services.upload_document(
        actor=world["superuser"],
        owner=world["owner"],
        title="x",
        file=upload("a.txt", b"x"),
        classification="internal",
    )


def test_an_executable_is_refused_with_a_bilingual_error(world):
    with pytest.raises(ValidationError) as excinfo:
        _upload(world, file=upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 100))

    [message] = excinfo.value.message_dict["file"]
    assert "アップロードできません" in message and "cannot be uploaded" in message and ".exe" in message
    assert not Document.objects.exists()


def test_content_must_match_the_extension(world):
    with pytest.raises(ValidationError) as excinfo:
        _upload(world, file=upload("invoice.pdf", b"MZ\x90\x00 this is a program"))

    [message] = excinfo.value.message_dict["file"]
    assert "一致しません" in message and "does not match" in message


def test_a_file_above_the_limit_is_refused(world, settings):
    settings.DOCUMENTS_MAX_UPLOAD_SIZE = 1000

    with pytest.raises(ValidationError) as excinfo:
        _upload(world, file=upload("big.txt", b"a" * 2000))

    [message] = excinfo.value.message_dict["file"]
    assert "大きすぎます" in message and "too large" in message


def test_the_same_content_is_stored_once(world):
    first = _upload(world, file=upload("a.png", PNG))
    second = _upload(world, file=upload("b.png", PNG))

    v1, v2 = first.versions.get(), second.versions.get()
    assert v1.storage_name == v2.storage_name
    assert v1.original_filename == "a.png" and v2.original_filename == "b.png"


def test_a_document_can_be_attached_to_a_dataset_record(world):
    dataset = Dataset.objects.create(name="shelters", title="避難所", owner=world["owner"])
    other = Dataset.objects.create(
        name="secret", title="秘", owner=world["other"], classification=Level.LIMITED
    )

    document = _upload(world, dataset=dataset, record_id=42)

    assert selectors.list_documents(actor=world["viewer"], dataset=dataset) == [document]
    assert selectors.list_documents(actor=world["viewer"], dataset=other) == []
    with pytest.raises(ValidationError):  # a dataset the uploader cannot see
        _upload(world, dataset=other)
    with pytest.raises(ValidationError):  # a record without its dataset
        _upload(world, record_id=1)


def test_a_broken_file_is_kept_with_a_note(world):
    document = _upload(world, file=upload("scan.pdf", b"%PDF-1.4\n garbage"))

    version = document.versions.get()
    assert version.extracted_text == "" and version.extraction_note
