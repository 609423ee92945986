"""Publishing puts the master itself on the open-data API, and only when everyone may see all of it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaidan.accounts.models import User
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden
from kaidan.opendata.services import PublishRefused, publish, readiness, unpublish

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo", stdout=io.StringIO())


def test_a_dataset_with_limited_or_secret_columns_cannot_be_published(demo):
    register = Dataset.objects.get(name="mimamori")
    reasons = " ".join(readiness(register).reasons)
    assert "氏名" in reasons and "電話" in reasons and "備考" in reasons
    with pytest.raises(PublishRefused):
        publish(User.objects.get(username="fukushi.manager"), register)
    register.refresh_from_db()
    assert not register.published


def test_an_undecided_dataset_cannot_be_published(demo):
    draft = Dataset.objects.get(name="budget-draft")
    assert readiness(draft).reasons
    with pytest.raises(PublishRefused):
        publish(User.objects.get(username="admin"), draft)


def test_publishing_is_a_managers_act_and_audited(demo):
    aed = Dataset.objects.get(name="aed")
    assert aed.published  # the demo publishes its AED list
    unpublish(User.objects.get(username="admin"), aed)
    with pytest.raises(Forbidden):
        publish(User.objects.get(username="bosai.editor"), aed)
    publish(User.objects.get(username="admin"), aed)
    aed.refresh_from_db()
    assert aed.published and aed.published_at is not None
    assert AuditEntry.objects.filter(action="catalog.dataset.publish", object_id=str(aed.pk)).exists()
    unpublish(User.objects.get(username="admin"), aed)
    aed.refresh_from_db()
    assert not aed.published


def test_the_command_line_publishes_and_refuses_with_the_reasons(demo):
    call_command("unpublish", "aed", stdout=io.StringIO())
    out = io.StringIO()
    call_command("publish", "aed", stdout=out)
    assert "published" in out.getvalue()
    with pytest.raises(CommandError) as refused:
        call_command("publish", "mimamori", stdout=io.StringIO())
    assert "氏名" in str(refused.value) and refused.value.returncode == 2
    call_command("unpublish", "aed", stdout=io.StringIO())
    assert not Dataset.objects.get(name="aed").published
