"""The edit, delete and audit-trail pages, the undecided fields of the forms and the list's filters."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kaidan.access.levels import Level
from kaidan.audit.models import AuditEntry
from kaidan.documents import services
from kaidan.documents.models import Document

from .conftest import make_docx, make_pdf, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(world, make_user):
    return make_user("manager", world["owner"], "manager")


def _document(world, *, data: bytes | None = None, name: str = "マニュアル.docx", **extra) -> Document:
    values = {
        "owner": world["owner"],
        "title": "避難所運営マニュアル",
        "file": upload(name, data if data is not None else make_docx()),
        "classification": Level.INTERNAL,
    } | extra
    return services.upload_document(actor=world["editor"], **values)


def _edit_data(document: Document, **changes) -> dict:
    return {
        "title": document.title,
        "description": document.description,
        "classification": document.classification,
        "restriction_reason": document.restriction_reason,
        "planned_release": "",
    } | changes


# --- detail page ------------------------------------------------------------------------------------


def test_the_detail_page_offers_edit_delete_and_audit_to_managers_only(client, world, manager):
    document = _document(world)
    edit = reverse("documents:edit", args=[document.pk])
    delete = reverse("documents:delete", args=[document.pk])

    client.force_login(manager)
    page = client.get(document.get_absolute_url()).content.decode()
    assert edit in page and delete in page and reverse("documents:audit", args=[document.pk]) in page
    assert '<ul class="nav doc-actions"' in page

    client.force_login(world["editor"])
    page = client.get(document.get_absolute_url()).content.decode()
    assert edit not in page and delete not in page


def test_the_detail_page_passes_the_viewers_rights_to_the_share_link_actions(client, world, manager):
    document = _document(world)
    client.force_login(world["viewer"])

    response = client.get(document.get_absolute_url())

    assert response.context["document"] == document
    rights = response.context["rights"]
    assert rights.can_read and not rights.can_edit and not rights.can_manage
    assert "links/_document_actions.html" in [t.name for t in response.templates]


def test_an_undecided_document_shows_its_planned_release_date(client, world):
    release = timezone.localdate() + datetime.timedelta(days=14)
    document = _document(world, undecided=True, planned_release=release)
    client.force_login(world["viewer"])

    detail = client.get(document.get_absolute_url()).content.decode()
    listing = client.get(reverse("documents:list")).content.decode()

    badge = f"{release.year}年{release.month}月{release.day}日 まで未決定"  # the Japanese date format
    assert badge in detail and badge in listing


# --- upload form with undecided fields ----------------------------------------------------------


def test_the_upload_form_marks_a_document_undecided_until_a_date(client, world):
    release = timezone.localdate() + datetime.timedelta(days=7)
    client.force_login(world["editor"])

    form = client.get(reverse("documents:new")).content.decode()
    assert 'name="undecided"' in form and 'type="date"' in form

    response = client.post(
        reverse("documents:new"),
        {
            "title": "予算案",
            "owner": world["owner"].pk,
            "classification": "limited",
            "undecided": "on",
            "planned_release": release.isoformat(),
            "file": upload("予算案.pdf", make_pdf("budget")),
        },
    )

    assert response.status_code == 302
    document = Document.objects.get()
    assert document.undecided and document.planned_release == release
    client.force_login(world["other_staff"])
    assert client.get(document.get_absolute_url()).status_code == 404


def test_the_upload_form_refuses_a_release_date_without_undecided(client, world):
    client.force_login(world["editor"])

    response = client.post(
        reverse("documents:new"),
        {
            "title": "予算案",
            "owner": world["owner"].pk,
            "classification": "internal",
            "planned_release": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
            "file": upload("予算案.pdf", make_pdf("budget")),
        },
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "only applies to undecided documents" in content and "未決定の文書にだけ" in content
    assert not Document.objects.exists()


# --- edit page ----------------------------------------------------------------------------------------


def test_a_manager_reclassifies_through_the_edit_page(client, world, manager):
    document = _document(world)
    client.force_login(manager)
    url = reverse("documents:edit", args=[document.pk])

    form = client.get(url)
    assert form.status_code == 200 and 'value="避難所運営マニュアル"' in form.content.decode()

    response = client.post(
        url,
        _edit_data(
            document, title="改訂版マニュアル", classification="restricted", restriction_reason="legal"
        ),
    )

    assert response.status_code == 302 and response["Location"] == document.get_absolute_url()
    document.refresh_from_db()
    assert document.title == "改訂版マニュアル" and document.classification == "restricted"
    entry = AuditEntry.objects.get(action="documents.document.reclassify")
    assert entry.detail["old"]["classification"] == "internal"
    assert entry.detail["new"]["classification"] == "restricted"


def test_the_edit_page_explains_a_missing_restriction_reason_in_both_languages(client, world, manager):
    document = _document(world)
    client.force_login(manager)

    response = client.post(
        reverse("documents:edit", args=[document.pk]), _edit_data(document, classification="restricted")
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "秘の情報には、秘とする理由を記録してください。" in content
    assert "Restricted (秘) information needs a recorded reason." in content
    assert 'aria-describedby="id_restriction_reason_errors"' in content
    document.refresh_from_db()
    assert document.classification == Level.INTERNAL


@pytest.mark.parametrize("who", ["viewer", "editor", "other_staff"])
def test_a_viewer_without_manage_rights_is_refused_the_edit_page(client, world, who):
    document = _document(world)
    client.force_login(world[who])
    url = reverse("documents:edit", args=[document.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, _edit_data(document, classification="public")).status_code == 403

    document.refresh_from_db()
    assert document.classification == Level.INTERNAL


def test_the_edit_page_of_a_document_one_may_not_read_is_not_found(client, world, manager):
    document = _document(world, classification=Level.LIMITED)
    client.force_login(world["other_staff"])

    assert client.get(reverse("documents:edit", args=[document.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_login_from_the_edit_and_delete_pages(client, world):
    document = _document(world, classification=Level.PUBLIC)

    for name in ("documents:edit", "documents:delete"):
        response = client.get(reverse(name, args=[document.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- delete page ----------------------------------------------------------------------------------


def test_deleting_asks_for_confirmation_then_everything_answers_404(
    client, world, manager, login_verified, django_capture_on_commit_callbacks
):
    document = _document(world)
    stored = settings.MEDIA_ROOT / document.versions.get().storage_name
    client.force_login(manager)
    url = reverse("documents:delete", args=[document.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "避難所運営マニュアル" in confirm.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()  # a GET deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302 and response["Location"] == reverse("documents:list")
    assert not stored.exists()
    client.get(reverse("documents:list"))  # shows (and consumes) the "was deleted" message
    assert "避難所運営マニュアル" not in client.get(reverse("documents:list")).content.decode()
    for actor in (manager, world["superuser"]):
        login_verified(client, actor)
        for name in ("documents:detail", "documents:download", "documents:edit", "documents:delete"):
            assert client.get(reverse(name, args=[document.pk])).status_code == 404, name
        assert client.get(reverse("documents:version_download", args=[document.pk, 1])).status_code == 404


def test_a_deleted_documents_download_is_404_but_the_file_stays_for_the_version_sharing_it(
    client, world, manager, django_capture_on_commit_callbacks
):
    data = make_pdf("shared content")
    other = _document(world, data=make_docx(), title="別の文書")
    services.add_version(actor=world["editor"], document=other, file=upload("same.pdf", data))
    doomed = _document(world, data=data, name="消す.pdf", title="消す文書")
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:delete", args=[doomed.pk]))

    assert client.get(reverse("documents:download", args=[doomed.pk])).status_code == 404
    response = client.get(reverse("documents:version_download", args=[other.pk, 2]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == data


@pytest.mark.parametrize("who", ["viewer", "editor", "other_staff"])
def test_a_viewer_without_manage_rights_cannot_delete(client, world, who):
    document = _document(world)
    client.force_login(world[who])
    url = reverse("documents:delete", args=[document.pk])

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_the_audit_trail_page_of_a_deleted_document_is_for_superusers(client, world, manager, login_verified):
    document = _document(world)
    services.delete_document(actor=manager, document=document)
    url = reverse("documents:audit", args=[document.pk])

    login_verified(client, world["superuser"])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "documents.document.delete" in content and "documents.document.upload" in content

    client.force_login(manager)
    assert client.get(url).status_code == 404


def test_the_audit_trail_page_of_a_live_document_is_for_managers(client, world, manager):
    document = _document(world)
    url = reverse("documents:audit", args=[document.pk])

    client.force_login(manager)
    assert client.get(url).status_code == 200
    client.force_login(world["viewer"])
    assert client.get(url).status_code == 403
    client.force_login(world["other_staff"])
    assert client.get(url).status_code == 403  # internal: readable by all staff, auditable by managers


# --- list filters ---------------------------------------------------------------------------------


def test_the_list_filters_by_classification_and_owner(client, world):
    _document(world, title="庁内の手引き")
    _document(world, title="公開の手引き", classification=Level.PUBLIC)
    services.upload_document(
        actor=world["other_staff"],
        owner=world["other"],
        title="防災課の資料",
        file=upload("a.pdf", make_pdf("a")),
        classification=Level.INTERNAL,
    )
    client.force_login(world["viewer"])

    public = client.get(reverse("documents:list"), {"classification": "public"}).content.decode()
    assert "公開の手引き" in public and "庁内の手引き" not in public and "防災課の資料" not in public
    bosai = client.get(reverse("documents:list"), {"owner": "bosai"}).content.decode()
    assert "防災課の資料" in bosai and "公開の手引き" not in bosai
    assert '<option value="bosai" selected>' in bosai
    everything = client.get(reverse("documents:list")).content.decode()
    assert all(title in everything for title in ("庁内の手引き", "公開の手引き", "防災課の資料"))
    assert 'for="filter-classification"' in everything


def test_the_list_is_paginated(client, world, settings):
    from kaidan.documents import views

    for number in range(3):
        _document(world, title=f"文書{number}", data=make_pdf(f"n{number}"), name="n.pdf")
    client.force_login(world["viewer"])
    original = views.PAGE_SIZE
    views.PAGE_SIZE = 2
    try:
        first = client.get(reverse("documents:list")).content.decode()
        second = client.get(reverse("documents:list"), {"page": 2}).content.decode()
    finally:
        views.PAGE_SIZE = original
    assert "page=2" in first and first.count("文書") >= 2
    assert "文書0" in second and "文書0" not in first


def test_the_audit_page_shows_the_address_and_the_browser_in_words(client, world, manager):
    from kaidan.audit.services import record

    document = _document(world)
    ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Version/17.1 Safari/604.1"
    record("link.access", document, actor=manager, detail={"user_agent": ua}, source="192.0.2.7")
    client.force_login(manager)

    page = client.get(reverse("documents:audit", args=[document.pk])).content.decode()

    assert "IPアドレス</th>" in page and "192.0.2.7" in page
    assert "Safari 17 / iOS" in page and f'title="{ua}"' in page
