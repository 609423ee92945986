"""The dataset page carries the live-update hooks; the record-page include is ready for the editing app."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from .conftest import change_cell

pytestmark = pytest.mark.django_db


def test_the_dataset_page_listens_for_changes_from_the_revision_it_shows(client, reader, shelters):
    client.force_login(reader)
    html = client.get(reverse("catalog:dataset", args=[shelters.name])).content.decode()
    events = reverse("live:events", args=[shelters.name])
    assert f'data-live-events="{events}?since={shelters.current_revision}"' in html
    assert 'data-live-grid="#grid"' in html
    assert 'role="status" aria-live="polite"' in html
    assert "live/live.js" in html and "live/live.css" in html
    assert f"<span data-live-revision>{shelters.current_revision}</span>" in html


def test_a_past_revision_of_the_grid_is_not_refreshed(client, reader, suzuki, shelters):
    change_cell(suzuki, shelters, 0, "収容人数", 301)
    client.force_login(reader)
    html = client.get(reverse("catalog:dataset", args=[shelters.name]) + "?as_of=1").content.decode()
    assert "data-live-events" in html  # the note still says that the data changed
    assert "data-live-grid" not in html  # but the old revision stays on screen


def test_the_record_page_include_offers_a_reload_instead_of_replacing_the_form(shelters):
    html = render_to_string("live/_record_live.html", {"dataset": shelters})
    assert reverse("live:events", args=[shelters.name]) in html
    assert "data-live-grid" not in html
    assert "data-live-reload=" in html
