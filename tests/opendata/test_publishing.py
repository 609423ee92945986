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

from .conftest import aed_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo", stdout=io.StringIO())
    aed_only()


def test_a_dataset_with_limited_or_secret_columns_cannot_be_published(demo):
    register = Dataset.objects.get(name="mimamori")
    reasons = " ".join(readiness(register).reasons)
    assert "氏名" in reasons and "電話" in reasons and "備考" in reasons
    with pytest.raises(PublishRefused):
        publish(register, actor=User.objects.get(username="fukushi.manager"))
    register.refresh_from_db()
    assert not register.published


def test_an_undecided_dataset_cannot_be_published(demo):
    draft = Dataset.objects.get(name="budget-draft")
    assert readiness(draft).reasons
    with pytest.raises(PublishRefused):
        publish(draft, actor=User.objects.get(username="admin"))


def test_publishing_is_a_managers_act_and_audited(demo):
    aed = Dataset.objects.get(name="aed")
    assert aed.published  # the demo publishes its AED list
    unpublish(aed, actor=User.objects.get(username="admin"))
    with pytest.raises(Forbidden):
        publish(aed, actor=User.objects.get(username="bosai.editor"))
    publish(aed, actor=User.objects.get(username="admin"), reason="施設の代表番号")
    aed.refresh_from_db()
    assert aed.published and aed.published_at is not None
    assert AuditEntry.objects.filter(action="catalog.dataset.publish", object_id=str(aed.pk)).exists()
    unpublish(aed, actor=User.objects.get(username="admin"))
    aed.refresh_from_db()
    assert not aed.published


def test_the_command_line_publishes_and_refuses_with_the_reasons(demo):
    call_command("unpublish", "aed", stdout=io.StringIO())
    out = io.StringIO()
    call_command("publish", "aed", "--reason=施設の代表番号", stdout=out)
    assert "published" in out.getvalue()
    with pytest.raises(CommandError) as refused:
        call_command("publish", "mimamori", stdout=io.StringIO())
    assert "氏名" in str(refused.value) and refused.value.returncode == 2
    call_command("unpublish", "aed", stdout=io.StringIO())
    assert not Dataset.objects.get(name="aed").published


def test_values_that_look_personal_need_a_managers_recorded_reason(demo):
    from kaidan.opendata.services import PublishWarned

    admin = User.objects.get(username="admin")
    aed = Dataset.objects.get(name="aed")
    unpublish(aed, actor=admin)
    with pytest.raises(PublishWarned) as warned:
        publish(aed, actor=admin)  # the AED list has phone numbers (the facilities' own)
    assert any(f.column == "電話番号" and f.kind == "phone" for f in warned.value.findings)
    assert "054-***-1139" in str(warned.value)  # examples, partly hidden
    assert not any(f.column == "NO" for f in warned.value.findings)  # 0000000001 is no phone number
    aed.refresh_from_db()
    assert not aed.published
    publish(aed, actor=admin, reason="施設の代表電話番号で、個人の情報ではない")
    entry = AuditEntry.objects.filter(action="catalog.dataset.publish").latest("seq")
    assert entry.detail["override_reason"] == "施設の代表電話番号で、個人の情報ではない"
    assert "電話番号" in [w["column"] for w in entry.detail["warnings"]]


def test_the_command_line_names_the_warnings_and_takes_a_reason(demo):
    call_command("unpublish", "aed", stdout=io.StringIO())
    with pytest.raises(CommandError) as warned:
        call_command("publish", "aed", stdout=io.StringIO())
    assert "--reason" in str(warned.value) and "電話番号" in str(warned.value)
    call_command("publish", "aed", "--reason=代表番号", stdout=io.StringIO())
    assert Dataset.objects.get(name="aed").published
