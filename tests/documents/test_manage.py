"""Changing a document's classification and details, marking it undecided, and deleting it (services)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from kaidan.access.levels import Level
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import verify
from kaidan.core.errors import Forbidden, NotFound
from kaidan.documents import selectors, services
from kaidan.documents.models import Document
from kaidan.store.models import Blob

from .conftest import make_docx, make_pdf, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(world, make_user):
    return make_user("manager", world["owner"], "manager")


def _upload(world, *, data: bytes | None = None, name="計画.pdf", **extra) -> Document:
    values = {
        "owner": world["owner"],
        "title": "防災計画",
        "file": upload(name, data if data is not None else make_pdf("plan")),
        "classification": Level.INTERNAL,
    } | extra
    return services.upload_document(actor=world["editor"], **values)


def _edit(actor, document, **changes):
    values = {
        "title": document.title,
        "description": document.description,
        "classification": document.classification,
        "restriction_reason": document.restriction_reason,
        "undecided": document.undecided,
        "planned_release": document.planned_release,
    } | changes
    return services.update_document(actor=actor, document=document, **values)


def _stored(document: Document):
    return settings.MEDIA_ROOT / document.versions.get(number=1).storage_name


# --- reclassify -------------------------------------------------------------------------------------


def test_a_manager_reclassifies_a_document_and_the_audit_names_old_and_new(world, manager):
    document = _upload(world, description="旧い説明")

    _edit(
        manager, document, classification=Level.RESTRICTED, restriction_reason="personal", title="新しい題名"
    )

    document.refresh_from_db()
    assert document.classification == Level.RESTRICTED and document.restriction_reason == "personal"
    assert document.title == "新しい題名"
    entry = AuditEntry.objects.get(action="documents.document.reclassify", object_id=str(document.pk))
    assert entry.actor_label == "manager"
    assert entry.detail["old"] == {
        "title": "防災計画",
        "classification": "internal",
        "restriction_reason": "",
    }
    assert entry.detail["new"] == {
        "title": "新しい題名",
        "classification": "restricted",
        "restriction_reason": "personal",
    }
    assert verify() == []


def test_changing_only_title_and_description_is_an_update_not_a_reclassification(world, manager):
    document = _upload(world)

    _edit(manager, document, description="説明を追加しました")

    entry = AuditEntry.objects.get(action="documents.document.update", object_id=str(document.pk))
    assert entry.detail == {"old": {"description": ""}, "new": {"description": "説明を追加しました"}}
    assert not AuditEntry.objects.filter(action="documents.document.reclassify").exists()


def test_saving_without_changes_writes_nothing(world, manager):
    document = _upload(world)
    before = AuditEntry.objects.count()

    _edit(manager, document)

    assert AuditEntry.objects.count() == before


def test_restricted_needs_a_reason_in_japanese_and_english(world, manager):
    document = _upload(world)

    with pytest.raises(ValidationError) as raised:
        _edit(manager, document, classification=Level.RESTRICTED, restriction_reason="")

    message = raised.value.message_dict["restriction_reason"][0]
    assert "秘の情報には" in message and "Restricted (秘) information needs a recorded reason." in message
    document.refresh_from_db()
    assert document.classification == Level.INTERNAL


def test_lowering_from_restricted_drops_the_reason(world, manager):
    document = _upload(world, classification=Level.RESTRICTED, restriction_reason="bid")

    _edit(manager, document, classification=Level.LIMITED, restriction_reason="bid")

    document.refresh_from_db()
    assert document.classification == Level.LIMITED and document.restriction_reason == ""


@pytest.mark.parametrize("who", ["editor", "viewer", "other_staff"])
def test_only_managers_of_the_owner_may_reclassify(world, who):
    document = _upload(world)

    with pytest.raises(Forbidden):
        _edit(world[who], document, classification=Level.PUBLIC)

    document.refresh_from_db()
    assert document.classification == Level.INTERNAL


# --- undecided (未決定) ----------------------------------------------------------------------------


def test_an_undecided_upload_is_seen_only_by_the_owner_organization(world):
    release = timezone.localdate() + datetime.timedelta(days=30)
    document = _upload(world, classification=Level.PUBLIC, undecided=True, planned_release=release)

    assert document.undecided and document.planned_release == release
    assert document in selectors.list_documents(actor=world["viewer"])
    assert document not in selectors.list_documents(actor=world["other_staff"])
    assert document not in selectors.list_documents(actor=None)
    with pytest.raises(NotFound):
        selectors.get_document(document.pk, actor=world["other_staff"])


def test_a_planned_release_date_needs_the_undecided_flag(world):
    with pytest.raises(ValidationError) as raised:
        _upload(world, planned_release=timezone.localdate() + datetime.timedelta(days=3))

    message = raised.value.message_dict["planned_release"][0]
    assert "未決定の文書にだけ" in message and "only applies to undecided documents" in message


def test_a_planned_release_date_in_the_past_is_refused_with_the_date(world, manager):
    document = _upload(world)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as raised:
        _edit(manager, document, undecided=True, planned_release=yesterday)

    message = raised.value.message_dict["planned_release"][0]
    assert yesterday.isoformat() in message and "過去の日付" in message and "in the past" in message


def test_marking_a_document_undecided_is_a_reclassification(world, manager):
    document = _upload(world)
    release = timezone.localdate() + datetime.timedelta(days=10)

    _edit(manager, document, undecided=True, planned_release=release)

    entry = AuditEntry.objects.get(action="documents.document.reclassify")
    assert entry.detail["old"] == {"undecided": False, "planned_release": None}
    assert entry.detail["new"] == {"undecided": True, "planned_release": release.isoformat()}
    assert document not in selectors.list_documents(actor=world["other_staff"])


# --- delete --------------------------------------------------------------------------------------


def test_a_deleted_document_disappears_and_its_unshared_file_is_removed_after_commit(
    world, manager, django_capture_on_commit_callbacks
):
    document = _upload(world)
    stored = _stored(document)
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(actor=manager, document=document)

    assert not stored.exists()
    assert not Document.objects.filter(pk=document.pk).exists()
    kept = Document.all_objects.get(pk=document.pk)
    assert kept.deleted_at is not None and kept.deleted_by == manager
    assert document not in selectors.list_documents(actor=world["superuser"])
    for actor in (manager, world["superuser"]):
        with pytest.raises(NotFound):
            selectors.get_document(document.pk, actor=actor)
    entry = AuditEntry.objects.get(action="documents.document.delete", object_id=str(document.pk))
    assert entry.detail["title"] == "防災計画" and entry.detail["versions"][0]["filename"] == "計画.pdf"
    assert entry.detail["files_removed"] == [entry.detail["versions"][0]["sha256"]]
    assert verify() == []


def test_the_file_stays_while_another_document_has_the_same_content(
    world, manager, django_capture_on_commit_callbacks
):
    data = make_docx("同じ内容")
    first = _upload(world, data=data, name="a.docx")
    second = _upload(world, data=data, name="b.docx", title="写し")
    stored = _stored(first)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(actor=manager, document=first)

    assert stored.exists()
    download = services.open_version_for_download(actor=world["editor"], document=second)
    with download.file as handle:
        assert handle.read() == data
    entry = AuditEntry.objects.get(action="documents.document.delete")
    assert entry.detail["files_removed"] == [] and len(entry.detail["files_kept"]) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(actor=manager, document=second)

    assert not stored.exists()


def test_the_file_stays_while_an_older_version_of_another_document_has_it(
    world, manager, django_capture_on_commit_callbacks
):
    data = make_pdf("shared")
    other = _upload(world, data=data, title="別の文書")
    services.add_version(actor=world["editor"], document=other, file=upload("v2.pdf", make_pdf("newer")))
    doomed = _upload(world, data=data, title="削除する文書")

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(actor=manager, document=doomed)

    assert _stored(other).exists()
    assert (
        services.open_version_for_download(actor=world["editor"], document=other, number=1).version.number
        == 1
    )


def test_the_file_stays_while_an_import_source_has_the_same_content(
    world, manager, django_capture_on_commit_callbacks
):
    data = "地区,人口\n池尻,1234\n".encode()
    document = _upload(world, data=data, name="人口.csv")
    version = document.versions.get()
    Blob.objects.create(sha256=version.sha256, size=version.size)

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(actor=manager, document=document)

    assert _stored(document).exists()


def test_a_rolled_back_delete_keeps_document_and_file(world, manager):
    from django.db import transaction

    document = _upload(world)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.delete_document(actor=manager, document=document)
        raise RuntimeError("later failure")

    assert Document.objects.filter(pk=document.pk).exists()
    assert _stored(document).exists()


@pytest.mark.parametrize("who", ["editor", "viewer", "other_staff"])
def test_only_managers_of_the_owner_may_delete(world, who):
    document = _upload(world)

    with pytest.raises(Forbidden):
        services.delete_document(actor=world[who], document=document)

    assert Document.objects.filter(pk=document.pk).exists()


def test_a_deleted_document_cannot_get_new_versions_or_downloads(world, manager):
    document = _upload(world)
    services.delete_document(actor=manager, document=document)

    with pytest.raises(NotFound):
        services.add_version(actor=world["editor"], document=document, file=upload("x.pdf", make_pdf("x")))
    with pytest.raises(NotFound):
        services.open_version_for_download(actor=world["editor"], document=document)


def test_the_audit_trail_of_a_deleted_document_stays_visible_to_superusers_only(world, manager):
    document = _upload(world)
    services.delete_document(actor=manager, document=document)

    found, entries = selectors.audit_trail_of(document.pk, actor=world["superuser"])

    assert found.pk == document.pk
    assert [e.action for e in entries] == ["documents.document.delete", "documents.document.upload"]
    for actor in (manager, world["editor"], world["other_staff"], None):
        with pytest.raises(NotFound):
            selectors.audit_trail_of(document.pk, actor=actor)
