"""Publishing from the dataset page: a manager sees what stands in the way, is warned about values that look
personal (and publishes only with a recorded reason), chooses the licence, and can stop publishing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaidan.accounts.models import User
from kaidan.accounts.services import set_membership
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset

from .conftest import aed_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward():
    call_command("demo", stdout=io.StringIO())
    aed_only()


def test_a_manager_publishes_from_the_dataset_page_and_stops_publishing(ward, client):
    client.force_login(User.objects.get(username="bosai.editor"))
    aed = Dataset.objects.get(name="aed")
    page = client.get(f"/datasets/{aed.name}/")
    assert f"/datasets/{aed.name}/publish" not in page.content.decode()  # an editor, not a manager
    assert client.get(f"/datasets/{aed.name}/publish").status_code == 403
    editor = User.objects.get(username="bosai.editor")
    set_membership(actor=None, user=editor, organization=aed.owner, role="manager")  # now 防災課's manager
    assert f"/datasets/{aed.name}/publish" in client.get(f"/datasets/{aed.name}/").content.decode()
    client.post(f"/datasets/{aed.name}/publish", {"action": "unpublish"})
    aed.refresh_from_db()
    assert not aed.published
    warned = client.post(f"/datasets/{aed.name}/publish", {"action": "publish", "licence": "CC0-1.0"})
    assert warned.status_code == 409 and "電話番号" in warned.content.decode()  # the phones look personal
    client.post(
        f"/datasets/{aed.name}/publish",
        {"action": "publish", "licence": "CC0-1.0", "reason": "施設の代表番号で個人の情報ではない"},
    )
    aed.refresh_from_db()
    assert aed.published and aed.licence == "CC0-1.0"
    assert AuditEntry.objects.filter(action="catalog.dataset.publish", object_id=str(aed.pk)).count() >= 2


def test_the_page_names_what_stands_in_the_way(ward, client):
    client.force_login(User.objects.get(username="fukushi.manager"))
    page = client.get("/datasets/mimamori/publish")
    text = page.content.decode()
    assert (
        page.status_code == 200
        and "error-summary" in text
        and "<button" not in text.split("error-summary")[1][:400]
    )
    refused = client.post("/datasets/mimamori/publish", {"action": "publish", "reason": "x"})
    assert refused.status_code == 409
    assert not Dataset.objects.get(name="mimamori").published
