"""Actors are typed (kaidan.access.actors), and rights are computed once per request yet never stale."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kaidan.access.actors import SYSTEM, ActorKind, account_of, is_superuser, kind_of
from kaidan.access.levels import Level
from kaidan.access.models import AccessGrant
from kaidan.access.services import rights
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset

pytestmark = pytest.mark.django_db


def test_every_kind_of_actor_is_named_once(make_org, make_user):
    from kaidan.links.actors import LinkActor
    from kaidan.links.models import ShareLink

    user = make_user("u", make_org("hokenfukushi"), "viewer")
    from datetime import timedelta

    from django.utils import timezone

    link = ShareLink(
        recipient_name="外部",
        recipient_email="a@example.org",
        clearance="public",
        created_by=user,
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert kind_of(actor=user) is ActorKind.USER and account_of(actor=user) == user
    assert kind_of(actor=None) is kind_of(actor=AnonymousUser()) is ActorKind.ANONYMOUS
    assert (
        kind_of(actor=SYSTEM) is ActorKind.SYSTEM
        and is_superuser(actor=SYSTEM)
        and account_of(actor=SYSTEM) is None
    )
    recipient = LinkActor(link)
    assert kind_of(actor=recipient) is ActorKind.LINK and account_of(actor=recipient) is None
    assert not is_superuser(actor=recipient)


def test_rights_are_computed_once_per_request_and_follow_every_grant_change(
    make_org, make_user, django_assert_num_queries
):
    owner = make_org("hokenfukushi")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER)
    dataset = Dataset.objects.create(name="d", title="d", owner=owner, classification=Level.LIMITED)
    reader = make_user("p", partner, "viewer")
    assert not rights(dataset, actor=reader).can_read
    with django_assert_num_queries(0):  # the second ask in the same request costs nothing
        assert not rights(dataset, actor=reader).can_read
    grant = AccessGrant.objects.create(
        target_type="catalog.dataset", target_id=dataset.pk, organization=partner, clearance="limited"
    )
    assert rights(dataset, actor=reader).can_read  # the same account object sees the new grant at once
    grant.delete()
    assert not rights(dataset, actor=reader).can_read
    dataset.classification = Level.PUBLIC
    assert rights(dataset, actor=reader).can_read  # a changed object is a new question
