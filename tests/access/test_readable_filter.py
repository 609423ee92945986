"""Lists filter in the database with the access service's own rules: for every kind of actor and every
dataset (each level, decided or undecided, granted or not), the database filter selects exactly the datasets
`rights(actor, d).can_read` allows."""

from __future__ import annotations

import itertools

import pytest

from kaidan.access.levels import Level
from kaidan.access.models import AccessGrant
from kaidan.access.services import SYSTEM, readable_filter, rights
from kaidan.accounts.models import Organization
from kaidan.accounts.services import set_membership
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import list_datasets

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(make_org, make_user):
    owner, other = make_org("hokenfukushi"), make_org("bosai")
    granted = make_org("npo", kind=Organization.Kind.PARTNER, name="NPO法人")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER)
    people = {
        "anonymous": None,
        "owner_viewer": make_user("v", owner, "viewer"),
        "owner_editor": make_user("e", owner, "editor"),
        "other_staff": make_user("s", other, "viewer"),
        "partner": make_user("p", partner, "manager"),
        "granted_viewer": make_user("gv", granted, "viewer"),
        "granted_editor": make_user("ge", granted, "editor"),
        "superuser": make_user("root", None, is_superuser=True),
        "inactive_superuser": make_user("gone", None, is_superuser=True, is_active=False),
        "two_orgs": make_user("both", other, "viewer"),
        "system": SYSTEM,
    }
    set_membership(actor=None, user=people["two_orgs"], organization=owner, role="editor")
    datasets = []
    for org, level, undecided in itertools.product([owner, other], list(Level), [False, True]):
        datasets.append(
            Dataset.objects.create(
                name=f"{org.code}-{level}-{int(undecided)}",
                title=f"{org.code} {level} {undecided}",
                owner=org,
                classification=level,
                restriction_reason="personal" if level == Level.RESTRICTED else "",
                undecided=undecided,
            )
        )
    for dataset in datasets[:10]:
        AccessGrant.objects.create(
            target_type="catalog.dataset",
            target_id=dataset.pk,
            organization=granted,
            clearance=Level.LIMITED if dataset.pk % 2 else Level.RESTRICTED,
            min_role="editor" if dataset.classification == Level.INTERNAL else "viewer",
        )
    from kaidan.api.actors import TokenActor
    from kaidan.api.services import create_token

    for code, org, clearance in (("owner", owner, "internal"), ("granted", granted, "restricted")):
        token, _secret = create_token(
            org, actor=SYSTEM, name=f"{code} system", scopes=["object.view"], clearance=clearance
        )
        people[f"token_{code}"] = TokenActor(token)  # an organization's business system, capped
    return people, datasets


def test_the_database_filter_agrees_with_rights_for_every_actor_and_dataset(catalog):
    people, datasets = catalog
    for name, actor in people.items():
        expected = {d.name for d in datasets if rights(d, actor=actor).can_read}
        got = set(
            Dataset.objects.filter(readable_filter("catalog.dataset", actor=actor)).values_list(
                "name", flat=True
            )
        )
        assert got == expected, name
        assert {d.name for d in list_datasets(actor=actor)} == expected, name


def test_the_catalog_list_narrows_by_owner_classification_and_tag(catalog):
    people, datasets = catalog
    tagged = datasets[0]
    tagged.tags.create(name="福祉")
    editor = people["owner_editor"]
    assert {d.owner.code for d in list_datasets(actor=editor, owner_code="bosai")} == {"bosai"}
    assert {d.classification for d in list_datasets(actor=editor, classification="limited")} == {"limited"}
    assert [d.name for d in list_datasets(actor=editor, tag="福祉")] == [tagged.name]
