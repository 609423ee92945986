"""Homes that help: residents search the open data; staff see their datasets, recent changes, imports
and share links about to expire — each only through the access rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kaidan.access.levels import Level
from kaidan.catalog.models import Dataset
from kaidan.ingest.models import ImportJob
from kaidan.links.models import Kind, ShareLink
from kaidan.store.models import Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward(make_org, make_user):
    fukushi, bosai = make_org("fukushi", name="保健福祉政策課"), make_org("bosai", name="防災課")
    aed = Dataset.objects.create(
        name="aed",
        title="AED設置場所",
        description="区内のAED（自動体外式除細動器）",
        owner=bosai,
        classification=Level.PUBLIC,
    )
    shelters = Dataset.objects.create(
        name="hinanjo",
        title="避難所一覧",
        description="災害時の避難所",
        owner=bosai,
        classification=Level.PUBLIC,
    )
    secret = Dataset.objects.create(
        name="meibo", title="AED講習の受講者名簿", owner=fukushi, classification=Level.LIMITED
    )
    internal = Dataset.objects.create(
        name="yosan", title="予算案", owner=bosai, classification=Level.INTERNAL
    )
    own = Dataset.objects.create(name="kaigo", title="介護認定", owner=fukushi, classification=Level.INTERNAL)
    return {
        "fukushi": fukushi,
        "bosai": bosai,
        "aed": aed,
        "shelters": shelters,
        "secret": secret,
        "internal": internal,
        "own": own,
        "clerk": make_user("fukushi.editor", fukushi, "editor"),
        "other": make_user("bosai.editor", bosai, "editor"),
    }


# -- the public home ----------------------------------------------------------------------------------


def test_the_public_home_searches_titles_and_descriptions_of_public_datasets_only(client, ward):
    by_title = client.get(reverse("core:home"), {"q": "AED"})
    assert [d.name for d in by_title.context["results"]] == ["aed"]  # not the limited 受講者名簿
    html = by_title.content.decode()
    assert "AED設置場所" in html and "受講者名簿" not in html and 'role="search"' in html

    by_description = client.get(reverse("core:home"), {"q": "災害時　避難所"})  # a full-width space
    assert [d.name for d in by_description.context["results"]] == ["hinanjo"]

    nothing = client.get(reverse("core:home"), {"q": "予算"})
    assert nothing.context["results"] == []  # the internal dataset stays hidden
    assert "予算案" not in nothing.content.decode()


def test_the_public_home_searches_as_a_resident_even_for_logged_in_staff(client, ward):
    client.force_login(ward["clerk"])
    assert client.get(reverse("core:home"), {"q": "介護"}).context["results"] == []


def test_the_public_home_lists_the_latest_public_datasets(client, ward):
    Dataset.objects.filter(pk=ward["aed"].pk).update(updated_at=timezone.now() + timedelta(minutes=1))
    response = client.get(reverse("core:home"))

    assert [d.name for d in response.context["latest"]] == ["aed", "hinanjo"]
    assert response.context["results"] is None


def test_the_public_home_ranks_the_public_datasets_by_downloads_in_the_last_30_days(client, ward):
    from kaidan.catalog.models import DatasetUse

    today = timezone.localdate()
    DatasetUse.objects.create(dataset=ward["aed"], day=today, downloads=3)
    DatasetUse.objects.create(dataset=ward["shelters"], day=today - timedelta(days=29), downloads=5)
    DatasetUse.objects.create(
        dataset=ward["shelters"], day=today - timedelta(days=30), downloads=50
    )  # too old
    DatasetUse.objects.create(dataset=ward["secret"], day=today, downloads=100)  # not public

    response = client.get(reverse("core:home"))

    assert [(d.name, n) for d, n in response.context["most_used"]] == [("hinanjo", 5), ("aed", 3)]
    html = response.content.decode()
    assert "よく使われているオープンデータ" in html and "過去30日間のダウンロード数の順" in html
    assert "ダウンロード 5 回" in html and "受講者名簿" not in html


def test_the_public_home_has_no_most_used_list_before_any_download(client, ward):
    response = client.get(reverse("core:home"))

    assert response.context["most_used"] == []
    assert "よく使われている" not in response.content.decode()


# -- the staff home -----------------------------------------------------------------------------------


def test_the_staff_home_shows_my_organizations_datasets(client, ward):
    client.force_login(ward["clerk"])
    mine = client.get(reverse("core:staff_home")).context["my_datasets"]

    assert {d.name for d in mine} == {"meibo", "kaigo"}  # not 防災課's, though the clerk may see them


def test_recent_changes_show_only_datasets_i_may_see(client, ward, make_org):
    partner = make_org("shakyo", "partner", "社会福祉協議会")
    hidden = Dataset.objects.create(
        name="hidden", title="他課の限定データ", owner=partner, classification=Level.LIMITED
    )
    for ds in (ward["aed"], ward["own"], hidden):
        Revision.objects.create(
            dataset=ds, number=1, source=Revision.Source.IMPORT, message="秘密のメッセージ"
        )
    client.force_login(ward["clerk"])

    response = client.get(reverse("core:staff_home"))

    assert {r.dataset.name for r in response.context["recent_changes"]} == {"aed", "kaigo"}
    html = response.content.decode()
    assert "他課の限定データ" not in html and "秘密のメッセージ" not in html
    assert reverse("history:revisions", args=["kaigo"]) in html


def test_my_imports_are_mine_pending_first(client, ward):
    done = ImportJob.objects.create(
        created_by=ward["clerk"],
        status=ImportJob.Status.DONE,
        plan={"original_name": "古い.csv", "title": "古い取込"},
    )
    waiting = ImportJob.objects.create(
        created_by=ward["clerk"], plan={"original_name": "新しい.xlsx", "title": "", "dataset": "atarashii"}
    )
    ImportJob.objects.create(
        created_by=ward["other"], plan={"original_name": "他人.csv", "title": "他人の取込"}
    )
    client.force_login(ward["clerk"])

    response = client.get(reverse("core:staff_home"))

    assert response.context["my_imports"] == [waiting, done]
    html = response.content.decode()
    assert (
        reverse("ingest:plan", args=[waiting.pk]) in html
        and reverse("ingest:progress", args=[done.pk]) in html
    )
    assert "他人の取込" not in html and "確認待ち" in html


def test_my_share_links_about_to_expire(client, ward):
    now = timezone.now()

    def link(token: str, **extra) -> ShareLink:
        fields = {"expires_at": now + timedelta(days=2), **extra}
        return ShareLink.objects.create(
            kind=Kind.VIEW,
            dataset=ward["own"],
            recipient_name=f"宛先{token}",
            recipient_email="a@example.jp",
            token_hash=token * 8,
            created_by=ward["clerk"],
            **fields,
        )

    soon = link("a")
    link("b", expires_at=now + timedelta(days=30))
    link("c", revoked_at=now)
    link("d", expires_at=now - timedelta(hours=1))
    client.force_login(ward["clerk"])

    response = client.get(reverse("core:staff_home"))

    assert response.context["expiring_links"] == [soon]
    html = response.content.decode()
    assert "宛先a" in html and "宛先b" not in html and "宛先c" not in html


def test_the_staff_home_in_english(client, ward):
    client.force_login(ward["clerk"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("core:staff_home")).content.decode()
    assert "My datasets" in html and "Recent changes" in html and "My imports" in html


def test_the_catalog_page_searches_too_with_the_visitors_own_rights(client, ward):
    client.force_login(ward["clerk"])
    found = client.get(reverse("catalog:catalog"), {"q": "AED"}).context["datasets"]

    assert {d.name for d in found} == {"aed", "meibo"}  # the clerk's own limited dataset too
    assert [d.name for d in Client().get(reverse("catalog:catalog"), {"q": "AED"}).context["datasets"]] == [
        "aed"
    ]
