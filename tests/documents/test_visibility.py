"""The document list filters in the database exactly as the access service decides per document."""

from __future__ import annotations

import itertools

import pytest

from kaidan.access.levels import Level
from kaidan.access.models import AccessGrant
from kaidan.access.services import rights
from kaidan.accounts.models import Organization
from kaidan.accounts.services import set_membership
from kaidan.catalog.models import Dataset
from kaidan.documents import selectors
from kaidan.documents.models import Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world, make_org, make_user):
    granted = make_org("npo", kind=Organization.Kind.PARTNER, name="NPO法人")
    people = {
        "anonymous": None,
        "viewer": world["viewer"],
        "editor": world["editor"],
        "manager": make_user("manager", world["owner"], "manager"),
        "other_staff": world["other_staff"],
        "partner": make_user("partner", world["partner"], "manager"),
        "granted_viewer": make_user("npo_viewer", granted, "viewer"),
        "granted_editor": make_user("npo_editor", granted, "editor"),
        "superuser": world["superuser"],
        "inactive_superuser": make_user("gone", None, is_superuser=True, is_active=False),
        "both": make_user("both", world["other"], "viewer"),
    }
    set_membership(actor=None, user=people["both"], organization=world["owner"], role="editor")
    documents = []
    for owner, level, undecided in itertools.product(
        [world["owner"], world["other"]], list(Level), [False, True]
    ):
        documents.append(
            Document.objects.create(
                owner=owner,
                title=f"{owner.code}-{level}-{undecided}",
                classification=level,
                restriction_reason="personal" if level == Level.RESTRICTED else "",
                undecided=undecided,
            )
        )
    for document in documents[:8]:
        AccessGrant.objects.create(
            target_type="documents.document",
            target_id=document.pk,
            organization=granted,
            clearance=Level.LIMITED,
            min_role="editor" if document.classification == Level.INTERNAL else "viewer",
        )
    deleted = Document.objects.create(owner=world["owner"], title="deleted", classification=Level.PUBLIC)
    Document.objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00:00Z")
    return people, documents


def test_the_database_filter_agrees_with_rights_for_every_actor_and_document(library):
    people, documents = library
    for name, actor in people.items():
        expected = {d.title for d in documents if rights(d, actor=actor).can_read}
        got = {d.title for d in selectors.visible_documents(actor=actor)}
        assert got == expected, name
        assert "deleted" not in got


def test_the_list_narrows_by_classification_owner_and_dataset(library, world):
    people, documents = library
    shelters = Dataset.objects.create(
        name="shelters", title="避難所", owner=world["owner"], classification=Level.PUBLIC
    )
    attached = documents[0]
    attached.dataset = shelters
    attached.save()
    editor = people["editor"]

    limited = selectors.list_documents(actor=editor, classification=Level.LIMITED)
    assert {d.classification for d in limited} == {Level.LIMITED}
    assert {d.owner for d in selectors.list_documents(actor=editor, owner=world["other"])} == {world["other"]}
    assert selectors.list_documents(actor=editor, dataset=shelters) == [attached]
    owners, datasets = selectors.filter_choices(actor=people["anonymous"])
    assert datasets == [shelters] and sorted(o.code for o in owners) == ["bosai", "fukushi"]
