"""The sharing page, the access log and the auditors' export, through the web client."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kaidan.access.models import AccessGrant
from kaidan.audit.models import AuditEntry
from kaidan.audit.services import record
from kaidan.sharing.services import grant_access

from .conftest import field_id

pytestmark = pytest.mark.django_db


def test_the_sharing_page_is_for_managers_only(client, dataset, world, manager, make_user):
    url = reverse("sharing:dataset", args=[dataset.name])
    client.force_login(make_user("fukushi.editor", world.fukushi, role="editor"))
    assert client.get(url).status_code == 403
    client.force_login(make_user("shakyo.staff", world.shakyo))
    assert client.get(url).status_code == 404  # may not even know it exists
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_the_dataset_page_links_to_sharing_only_for_managers(client, dataset, world, manager, make_user):
    page = reverse("catalog:dataset", args=[dataset.name])
    sharing = reverse("sharing:dataset", args=[dataset.name])
    client.force_login(manager)
    assert sharing in client.get(page).content.decode()
    client.force_login(make_user("fukushi.viewer", world.fukushi))
    assert sharing not in client.get(page).content.decode()


def test_a_manager_adds_a_scoped_grant_with_the_builder_sees_it_explained_and_removes_it(
    client, dataset, world, manager
):
    client.force_login(manager)
    url = reverse("sharing:dataset", args=[dataset.name])
    response = client.post(
        url,
        {
            "action": "grant",
            "organization": world.shakyo.pk,
            "min_role": "viewer",
            "permission": "view",
            "clearance": "limited",
            "cond1_field": "地区",
            "cond1_values": "池尻\n太子堂",
            "viewer_org_field": "担当",
        },
    )
    assert response.status_code == 302
    grant = AccessGrant.objects.get()
    assert grant.row_filter == [
        {"field_id": field_id(dataset, "地区"), "op": "in", "value": ["池尻", "太子堂"]},
        {"field_id": field_id(dataset, "担当"), "op": "viewer_org"},
    ]
    html = client.get(url).content.decode()
    assert "社会福祉協議会" in html
    assert "「地区」が「池尻」、「太子堂」のいずれか" in html
    assert "見える列" in html or "見られる列" in html

    client.post(url, {"action": "revoke", "grant": grant.pk})
    assert not AccessGrant.objects.exists()


def test_a_bad_condition_is_shown_next_to_the_form_in_both_languages(client, dataset, world, manager):
    client.force_login(manager)
    url = reverse("sharing:dataset", args=[dataset.name])
    data = {
        "action": "grant",
        "organization": world.shakyo.pk,
        "min_role": "viewer",
        "permission": "view",
        "clearance": "limited",
        "cond1_field": "年齢",
        "cond1_values": "abc",
    }
    ja = client.post(url, data)
    assert ja.status_code == 400
    assert "「年齢」" in ja.content.decode() and "「abc」" in ja.content.decode()
    client.cookies["django_language"] = "en"
    en = client.post(url, data)
    assert "“年齢”" in en.content.decode() and "“abc”" in en.content.decode()
    assert not AccessGrant.objects.exists()


def test_a_manager_changes_a_grant_on_its_own_page(client, dataset, world, manager):
    grant = grant_access(dataset, actor=manager, organization=world.shakyo)
    client.force_login(manager)
    url = reverse("sharing:grant_edit", args=[dataset.name, grant.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"permission": "edit", "clearance": "restricted", "cond1_field": "地区", "cond1_values": "三宿"}
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.permission, grant.clearance) == ("edit", "restricted")
    assert grant.row_filter == [{"field_id": field_id(dataset, "地区"), "op": "in", "value": ["三宿"]}]


def test_masking_and_undecided_are_set_on_the_page_and_release_needs_confirmation(client, dataset, manager):
    client.force_login(manager)
    url = reverse("sharing:dataset", args=[dataset.name])
    client.post(url, {"action": "masking", "m-masking": "masked"})
    dataset.refresh_from_db()
    assert dataset.masking == "masked"
    planned = (timezone.localdate() + timedelta(days=7)).isoformat()
    client.post(url, {"action": "undecided", "u-planned_release": planned})
    dataset.refresh_from_db()
    assert dataset.undecided and dataset.planned_release.isoformat() == planned
    assert planned in client.get(url).content.decode()

    release_url = reverse("sharing:release", args=[dataset.name])
    confirm = client.get(release_url)
    assert confirm.status_code == 200
    dataset.refresh_from_db()
    assert dataset.undecided  # a GET only asks
    client.post(release_url)
    dataset.refresh_from_db()
    assert not dataset.undecided


def test_the_access_log_lists_this_datasets_entries_newest_first_filters_and_downloads(
    client, dataset, make_dataset, world, manager, make_user
):
    other = make_dataset("other")
    grant_access(dataset, actor=manager, organization=world.shakyo)
    record("store.export", dataset, actor=manager, detail={"format": "csv", "revision": None})
    record("store.read_restricted.view", dataset, actor=manager, detail={"revision": 1})
    record("link.access", None, actor=manager, detail={"dataset": dataset.name})
    record("store.export", other, actor=manager, detail={"format": "csv"})
    url = reverse("sharing:access_log", args=[dataset.name])

    client.force_login(make_user("fukushi.editor", world.fukushi, role="editor"))
    assert client.get(url).status_code == 403
    client.force_login(manager)
    page = client.get(url)
    actions = [e.action for e in page.context["page"]]
    assert actions[:4] == ["link.access", "store.read_restricted.view", "store.export", "access.grant"]
    assert len([a for a in actions if a == "store.export"]) == 1  # not the other dataset's
    assert [e.action for e in client.get(url, {"kind": "restricted"}).context["page"]] == [
        "store.read_restricted.view"
    ]
    assert [e.action for e in client.get(url, {"kind": "share_link"}).context["page"]] == ["link.access"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert list(client.get(url, {"since": tomorrow}).context["page"]) == []

    download = client.get(url, {"kind": "export", "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    assert download.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["seq", "at", "actor_id", "actor_label", "action"]
    assert [r[4] for r in rows[1:]] == ["store.export"]


def test_the_access_log_is_paginated(client, dataset, manager):
    for i in range(60):
        record("store.export", dataset, actor=manager, detail={"n": i})
    client.force_login(manager)
    url = reverse("sharing:access_log", args=[dataset.name])
    first = client.get(url, {"kind": "export"})
    assert len(first.context["page"]) == 50 and first.context["page"].has_next()
    second = client.get(url, {"kind": "export", "page": 2})
    assert len(second.context["page"]) == 10


def test_superusers_verify_and_export_the_audit_log_for_a_date_range(
    client, world, make_user, manager, dataset, login_verified
):
    url = reverse("sharing_site:audit_export")
    client.force_login(manager)
    assert client.get(url).status_code == 403
    assert url not in client.get(reverse("core:staff_home")).content.decode()
    login_verified(client, make_user("root", is_superuser=True))
    page = client.get(url)
    assert page.status_code == 200 and page.context["problems"] == []
    assert url in client.get(reverse("core:staff_home")).content.decode()

    old = record("store.export", dataset, actor=manager, at=timezone.now() - timedelta(days=10))
    today = timezone.localdate().isoformat()
    response = client.get(url, {"since": today, "until": today, "format": "csv"})
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and str(old.seq) not in [r["seq"] for r in rows]
    assert all(r["hash"] for r in rows)
    lines = client.get(url, {"format": "jsonl"}).content.decode().splitlines()
    assert str(old.seq) in [str(json.loads(line)["seq"]) for line in lines]
    assert AuditEntry.objects.filter(action="audit.export", actor_label="root").count() == 2


def test_the_audit_page_reports_a_broken_chain(client, make_user, manager, dataset, login_verified):
    entry = record("store.export", dataset, actor=manager)
    AuditEntry.objects.filter(pk=entry.pk).update(actor_label="someone-else")
    login_verified(client, make_user("root", is_superuser=True))
    page = client.get(reverse("sharing_site:audit_export"))
    assert page.context["problems"] and f"#{entry.seq}" in page.content.decode()


def test_the_invitations_link_is_in_the_nav_for_managers(client, world, manager, make_user):
    client.force_login(manager)
    assert reverse("sharing_site:invitations") in client.get(reverse("core:staff_home")).content.decode()
    client.force_login(make_user("viewer", world.fukushi))
    assert reverse("sharing_site:invitations") not in client.get(reverse("core:staff_home")).content.decode()


def test_the_access_log_heads_the_address_column_ip_and_names_the_browser_in_words(client, dataset, manager):
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    record("link.access", None, actor=manager, detail={"dataset": dataset.name, "user_agent": ua})
    client.force_login(manager)

    html = client.get(reverse("sharing:access_log", args=[dataset.name])).content.decode()

    assert '<th scope="col">IPアドレス</th>' in html and "開始日</th>" not in html
    assert "Chrome 120 / Windows" in html
    assert f'title="{ua}"' in html  # the raw header stays at hand


def test_the_access_log_says_queries_and_row_scopes_in_words(client, dataset, manager):
    record("view.create", dataset, actor=manager, detail={"query": "地区__exact=池尻"})
    client.force_login(manager)

    html = client.get(reverse("sharing:access_log", args=[dataset.name])).content.decode()

    assert "__exact" not in html and "field_id" not in html
    assert "地区が池尻" in html
