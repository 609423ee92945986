from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaidan.catalog.models import Dataset
from kaidan.opendata.services import publish


@pytest.fixture
def ward(db):
    """The demo ward with its public AED list published as open data."""
    call_command("demo", stdout=io.StringIO())
    aed = Dataset.objects.get(name="aed")
    from kaidan.accounts.models import User

    publish(aed, actor=User.objects.get(username="admin"), reason="施設の代表番号")
    aed.refresh_from_db()
    return aed
