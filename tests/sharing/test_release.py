"""Undecided (未決定) datasets and documents: hidden outside the owner organization until released,
by hand or automatically on the planned date; every release is audited."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kaidan.access.services import rights
from kaidan.audit.models import AuditEntry
from kaidan.core import periodic
from kaidan.sharing.services import grant_access, mark_undecided, release, release_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world, make_user):
    return {
        "staff": make_user("bosai.editor", world.bosai, role="editor"),
        "partner": make_user("shakyo.staff", world.shakyo),
        "own": make_user("fukushi.viewer", world.fukushi),
    }


def test_an_undecided_dataset_is_hidden_from_others_until_released_and_the_release_is_logged(
    make_dataset, world, manager, people
):
    dataset = make_dataset("kaigo", classification="internal")
    grant_access(dataset, actor=manager, organization=world.shakyo)
    mark_undecided(dataset, actor=manager, planned_release=timezone.localdate() + timedelta(days=30))
    assert rights(dataset, actor=people["own"]).can_read
    assert not rights(dataset, actor=people["staff"]).can_read
    assert not rights(dataset, actor=people["partner"]).can_read

    assert release(dataset, actor=manager) is True

    dataset.refresh_from_db()
    assert not dataset.undecided
    assert rights(dataset, actor=people["staff"]).can_read
    assert rights(dataset, actor=people["partner"]).can_read
    entry = AuditEntry.objects.get(action="object.release")
    assert entry.actor_label == "fukushi.manager"
    assert entry.object_id == str(dataset.pk)
    assert entry.detail["automatic"] is False
    assert release(dataset, actor=manager) is False  # already released: nothing happens, nothing logged
    assert AuditEntry.objects.filter(action="object.release").count() == 1


def test_release_due_releases_what_is_due_and_nothing_else(make_dataset, manager, people):
    today = timezone.localdate()
    due = make_dataset("due", classification="internal")
    later = make_dataset("later", classification="internal")
    manual = make_dataset("manual", classification="internal")
    mark_undecided(due, actor=manager, planned_release=today)
    mark_undecided(later, actor=manager, planned_release=today + timedelta(days=1))
    mark_undecided(manual, actor=manager)

    released = release_due()

    assert [d.name for d in released] == ["due"]
    assert rights(type(due).objects.get(pk=due.pk), actor=people["staff"]).can_read
    assert not rights(type(later).objects.get(pk=later.pk), actor=people["staff"]).can_read
    entry = AuditEntry.objects.get(action="object.release")
    assert entry.actor_label == "system" and entry.detail["automatic"] is True
    # the next day, the later one is due
    tomorrow = timezone.make_aware(
        datetime.combine(today + timedelta(days=1), datetime.min.time())
    ) + timedelta(hours=1)
    assert [d.name for d in release_due(tomorrow)] == ["later"]


def test_the_release_due_command_releases_due_objects(make_dataset, manager):
    first = make_dataset("first")
    mark_undecided(first, actor=manager, planned_release=timezone.localdate())
    out = io.StringIO()
    call_command("release_due", stdout=out)
    assert "1 released" in out.getvalue()
    first.refresh_from_db()
    assert not first.undecided


@pytest.mark.django_db(transaction=True)
def test_the_background_loop_of_kaidan_serve_releases_due_objects(make_dataset, manager):
    dataset = make_dataset("second")
    mark_undecided(dataset, actor=manager, planned_release=timezone.localdate())

    stop = periodic.start(interval=0.05)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            dataset.refresh_from_db()
            if not dataset.undecided:
                break
            time.sleep(0.05)
    finally:
        stop.set()
    assert not dataset.undecided
    assert AuditEntry.objects.filter(action="object.release", actor_label="system").exists()


def test_documents_are_released_the_same_way(world, manager, people, client):
    from kaidan.documents.services import upload_document

    document = upload_document(
        actor=manager,
        title="議会答弁案",
        owner=world.fukushi,
        classification="internal",
        file=SimpleUploadedFile("toben.txt", "答弁案".encode()),
    )
    mark_undecided(document, actor=manager, planned_release=timezone.localdate())
    assert not rights(document, actor=people["staff"]).can_read

    assert [d.pk for d in release_due()] == [document.pk]
    document.refresh_from_db()
    assert rights(document, actor=people["staff"]).can_read
    assert AuditEntry.objects.get(action="object.release").object_type == "documents.document"


def test_the_document_page_marks_and_releases_with_confirmation(world, manager, people, client):
    from kaidan.documents.services import upload_document

    document = upload_document(
        actor=manager,
        title="計画案",
        owner=world.fukushi,
        classification="internal",
        file=SimpleUploadedFile("a.txt", b"x"),
    )
    url = reverse("sharing_site:document_release", args=[document.pk])
    client.force_login(people["staff"])
    assert client.get(url).status_code == 403  # a reader may not manage it
    client.force_login(manager)
    planned = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(url, {"action": "undecided", "u-planned_release": planned})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.undecided and document.planned_release == date.fromisoformat(planned)
    confirm = client.get(url + "?confirm=release")
    assert "公開" in confirm.content.decode()
    client.post(url, {"action": "release"})
    document.refresh_from_db()
    assert not document.undecided
