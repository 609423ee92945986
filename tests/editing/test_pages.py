"""The editing pages with Django's client: record form, stale refusal, errors, new, delete, cell, bulk, schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.catalog.selectors import get_row
from kaidan.editing import services

from .conftest import refresh, row_ids


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def login(client, user):
    client.force_login(user)
    return client


def record_url(ds, row):
    return reverse("editing:record", args=[ds.name, row])


def form_data(page_inputs, **changes):
    """What the browser posts: every input's text and original, with some texts changed."""
    data = {}
    for item in page_inputs:
        data[item.id] = changes.get(item.field.name, item.text)
        data[item.original_name] = item.original
    return data


def test_the_record_page_shows_values_and_a_typed_form_for_editors(client, world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    response = login(client, world.editor).get(record_url(ds, row))
    html = response.content.decode()
    assert response.status_code == 200
    assert "池尻小学校" in html
    fields = world.fields
    assert f'type="date" id="f_{fields["開設日"].pk}"' in html
    assert 'value="2019-04-01"' in html
    assert f'type="number" id="f_{fields["定員"].pk}"' in html
    assert 'name="rev"' in html


def test_viewers_see_the_record_without_a_form(client, world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    html = login(client, world.viewer).get(record_url(ds, row)).content.decode()
    assert "池尻小学校" in html and 'name="rev"' not in html
    assert "校長室" not in html  # restricted column, viewer clearance is limited
    assert login(client, world.viewer).post(record_url(ds, row), {"rev": "1"}).status_code == 403


def test_saving_the_form_writes_only_changed_columns_and_redirects_with_a_message(client, world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    response = login(client, world.editor).get(record_url(ds, row))
    inputs = response.context["inputs"]
    data = form_data(inputs, 定員="130")
    data.update(rev=response.context["rev"], message="定員見直し")
    response = client.post(record_url(ds, row), data, follow=True)
    assert response.redirect_chain[-1][0] == record_url(ds, row)
    assert "保存しました" in response.content.decode()
    revision = refresh(ds).revisions.first()
    assert revision.message == "定員見直し" and revision.changed == 1
    assert list(revision.changes.get().new) == [world.fields["定員"].column]


def test_a_stale_form_is_refused_showing_their_values_and_name_and_keeping_the_input(client, world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    page = login(client, world.editor).get(record_url(ds, row))
    seen = get_row(ds, row, actor=world.editor2).rev
    services.edit_record(
        ds, row, {"定員": "150", "施設名": "池尻小学校（体育館）"}, seen, actor=world.editor2
    )

    data = form_data(page.context["inputs"], 定員="130")
    data["rev"] = page.context["rev"]
    response = client.post(record_url(ds, row), data)

    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html and "鈴木 一郎" in html
    assert "池尻小学校（体育館）" in html  # their value
    inputs = {i.field.name: i for i in response.context["inputs"]}
    assert inputs["定員"].text == "130"  # the user's unsaved input is kept
    assert inputs["定員"].conflict == "150"
    assert inputs["施設名"].text == "池尻小学校（体育館）"  # untouched columns take their value
    assert response.context["rev"] == refresh(ds).current_revision
    assert get_row(refresh(ds), row, actor=world.editor).values[4] == 150

    # Saving again now is a knowing decision: only the user's own change is written.
    again = form_data(response.context["inputs"])
    again["rev"] = response.context["rev"]
    assert client.post(record_url(ds, row), again).status_code == 302
    saved = get_row(refresh(ds), row, actor=world.editor)
    assert saved.values[4] == 130 and saved.values[1] == "池尻小学校（体育館）"


def test_invalid_values_are_shown_next_to_their_inputs(english, world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    page = login(english, world.editor).get(record_url(ds, row))
    data = form_data(page.context["inputs"], 開設日="いつか")
    data["rev"] = page.context["rev"]
    response = english.post(record_url(ds, row), data)
    assert response.status_code == 400
    html = response.content.decode()
    pk = world.fields["開設日"].pk
    assert f'id="f_{pk}-errors"' in html and 'aria-invalid="true"' in html
    assert "いつか" in html and "Not saved" in html


def test_a_record_outside_the_scope_or_absent_is_404(client, world):
    ds = world.dataset
    assert login(client, world.editor).get(record_url(ds, 9999)).status_code == 404


def test_new_record_page_adds_and_redirects_to_the_record(client, world):
    ds = world.dataset
    url = reverse("editing:add", args=[ds.name])
    login(client, world.editor)
    assert client.get(url).status_code == 200
    f = world.fields
    response = client.post(url, {f"f_{f['施設番号'].pk}": "S010", f"f_{f['施設名'].pk}": "新センター"})
    assert response.status_code == 302
    ds = refresh(ds)
    assert ds.row_count == 4
    response = client.post(url, {f"f_{f['施設番号'].pk}": "S010"})
    assert response.status_code == 400 and "S010" in response.content.decode()


def test_delete_asks_for_confirmation_then_deletes(client, world):
    ds = world.dataset
    row = row_ids(ds)["S002"]
    url = reverse("editing:delete", args=[ds.name, row])
    login(client, world.editor)
    page = client.get(url)
    assert page.status_code == 200 and "三宿中学校" in page.content.decode()
    assert client.post(url, {"rev": page.context["rev"]}).status_code == 302
    assert refresh(ds).row_count == 2


def test_the_cell_endpoint_saves_and_answers_409_when_stale(client, world):
    ds = world.dataset
    row = row_ids(ds)["S001"]
    url = reverse("editing:cell", args=[ds.name, row])
    login(client, world.editor)
    rev = get_row(ds, row, actor=world.editor).rev
    field = world.fields["開設日"].pk
    response = client.post(url, {"field": field, "value": "R2.4.1", "rev": rev})
    assert response.status_code == 200
    body = response.json()
    assert body["input"] == "2020-04-01" and body["rev"] == refresh(ds).current_revision

    stale = client.post(url, {"field": field, "value": "R3.4.1", "rev": rev})
    assert stale.status_code == 409
    assert stale.json()["by"] == "山田 花子" and stale.json()["input"] == "2020-04-01"

    bad = client.post(url, {"field": field, "value": "そのうち", "rev": body["rev"]})
    assert bad.status_code == 400 and "そのうち" in bad.json()["message"]


def test_bulk_edit_previews_the_count_then_applies_to_the_filtered_rows(client, world):
    ds = world.dataset
    url = reverse("editing:bulk", args=[ds.name])
    login(client, world.editor)
    q = "定員__gte=100"
    page = client.get(url, {"q": q})
    assert page.status_code == 200 and page.context["matching"] == 2
    preview = client.post(url, {"q": q, "field": "予算", "value": "△10", "action": "preview"})
    assert preview.context["preview"].count == 2
    assert refresh(ds).current_revision == ds.current_revision
    applied = client.post(url, {"q": q, "field": "予算", "value": "△10", "action": "apply"})
    assert applied.status_code == 302
    ds = refresh(ds)
    assert ds.revisions.first().changed == 2
    budgets = sorted(get_row(ds, r, actor=world.editor).values[5] for r in row_ids(ds).values())
    assert budgets == [-50, -10, -10]


def test_bulk_edit_refuses_to_set_one_key_on_many_rows(client, world):
    ds = world.dataset
    login(client, world.editor)
    response = client.post(
        reverse("editing:bulk", args=[ds.name]),
        {"q": "", "field": "施設番号", "value": "X", "action": "apply"},
    )
    assert response.status_code == 400


def test_the_schema_page_is_for_managers_and_applies_operations(client, world):
    ds = world.dataset
    url = reverse("editing:schema", args=[ds.name])
    assert login(client, world.editor).get(url).status_code == 403
    login(client, world.manager)
    assert client.get(url).status_code == 200
    assert client.post(url, {"op": "add", "label": "備考", "name": "note", "type": "text"}).status_code == 302
    assert "note" in [f.name for f in refresh(ds).live_fields()]
    failed = client.post(url, {"op": "retype", "field": "施設名", "type": "date"})
    assert failed.status_code == 400 and "池尻小学校" in failed.content.decode()
    assert client.post(url, {"op": "remove", "field": "note"}).status_code == 400  # unconfirmed
    assert client.post(url, {"op": "remove", "field": "note", "confirm": "yes"}).status_code == 302
    assert "note" not in [f.name for f in refresh(ds).live_fields()]


def test_the_dataset_page_offers_the_actions_the_user_may_take(client, world):
    ds = world.dataset
    page = reverse("catalog:dataset", args=[ds.name])
    html = login(client, world.manager).get(page).content.decode()
    assert reverse("editing:schema", args=[ds.name]) in html
    assert reverse("editing:add", args=[ds.name]) in html
    assert "grid-edit.js" in html and 'data-editable="true"' in html
    html = login(client, world.editor).get(page).content.decode()
    assert reverse("editing:schema", args=[ds.name]) not in html
    assert reverse("editing:add", args=[ds.name]) in html
    html = login(client, world.viewer).get(page).content.decode()
    assert reverse("editing:add", args=[ds.name]) not in html and "grid-edit.js" not in html


def test_saving_a_record_deleted_meanwhile_says_so_and_returns_to_the_dataset(client, world):
    ds = world.dataset
    row = row_ids(ds)["S003"]
    page = login(client, world.editor).get(record_url(ds, row))
    services.delete_records(ds, {row: page.context["rev"]}, actor=world.editor2)
    data = form_data(page.context["inputs"], 定員="1")
    data["rev"] = page.context["rev"]
    response = client.post(record_url(ds, row), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("catalog:dataset", args=[ds.name])
    assert "鈴木 一郎 さんが削除しました" in response.content.decode()
