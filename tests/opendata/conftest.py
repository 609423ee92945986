from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaidan.catalog.models import Dataset
from kaidan.opendata.services import publish


def aed_only() -> None:
    """The demo ward's open data reduced to its AED list: these tests describe one published dataset (the
    analysis demo, kaidan.charts.demo, also publishes a budget and a facilities list for its dashboard)."""
    from kaidan.access.actors import SYSTEM
    from kaidan.opendata.services import unpublish

    for dataset in Dataset.objects.filter(name__in=["budget", "facilities"], published=True):
        unpublish(dataset, actor=SYSTEM)


def publish_aed() -> Dataset:
    call_command("demo", stdout=io.StringIO())
    aed_only()
    aed = Dataset.objects.get(name="aed")
    from kaidan.accounts.models import User

    publish(aed, actor=User.objects.get(username="admin"), reason="施設の代表番号")
    aed.refresh_from_db()
    return aed


@pytest.fixture
def ward(db):
    """The demo ward with its public AED list published as open data."""
    return publish_aed()


@pytest.fixture
def committed_ward(transactional_db):
    """The same ward, committed (each statement in autocommit, as `kaidan serve` runs a request)."""
    return publish_aed()
