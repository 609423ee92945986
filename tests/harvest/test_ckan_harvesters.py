"""CKAN's own harvesting code pages through Kaidan's whole catalogue, and incrementally by metadata_modified.

ckanext-harvest's CKAN harvester and ckanext-dcat's RDF parser need CKAN itself installed (CKAN 2.11 with its
pinned requirements), which would not sit beside Kaidan's own dependencies. So they run in an environment of
their own, and these tests run them there as another process against a live Kaidan (tests/harvest/ckan_side.py):

    python3 scripts/ckan_harvest_check.py      # builds that environment once, then runs this module

Without it (KAIDAN_CKAN_PYTHON unset) the module is skipped with that instruction: the default test command
does not install CKAN.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from kaidan.accounts.models import User
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.opendata.services import publish

CKAN_PYTHON = os.environ.get("KAIDAN_CKAN_PYTHON", "")
SIDE = Path(__file__).with_name("ckan_side.py")
MANY = 230  # more than two of the harvester's 100-row pages

pytestmark = pytest.mark.skipif(
    not CKAN_PYTHON,
    reason="CKAN's harvesters run in their own environment: python3 scripts/ckan_harvest_check.py",
)


def harvest(kind: str, url: str, since: str | None = None) -> list[dict]:
    args = [CKAN_PYTHON, str(SIDE), kind, url, *([since] if since else [])]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, cwd="/")
    assert done.returncode == 0, done.stderr[-3000:]
    return list(json.loads(done.stdout))


@pytest.fixture
def catalogue(live_server, transactional_db, tmp_path):
    """The demo ward with MANY more public datasets published by two organizations."""
    call_command("demo", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    publish(Dataset.objects.get(name="aed"), actor=admin, reason="施設の代表番号")
    for i in range(MANY):
        path = tmp_path / f"shelters{i}.csv"
        path.write_text(f"番号,施設名,地区\n{i},避難所{i},池尻\n", encoding="utf-8")
        org = "bosai" if i % 2 else "dx"
        plan, _ = plan_import(
            path,
            dataset=f"shelters-{i:03d}",
            organization=org,
            title=f"避難所一覧 {i}",
            classification="public",
        )
        run_import(plan, actor=admin)
        publish(Dataset.objects.get(name=f"shelters-{i:03d}"), actor=admin)
    return live_server.url


def published_names() -> set[str]:
    return set(Dataset.objects.filter(published=True).values_list("name", flat=True))


def test_the_ckan_harvester_gathers_every_published_dataset_once_then_only_what_changed(catalogue):
    gathered = harvest("ckan", catalogue)
    names = [p["name"] for p in gathered]
    assert len(names) == len(set(names)) == len(published_names()) > MANY
    assert set(names) == published_names()
    assert all(p["resources"] and p["organization"]["name"] for p in gathered)

    time.sleep(1.1)
    since = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    time.sleep(1.1)
    changed = Dataset.objects.get(name="shelters-007")
    changed.description = "収容人数を更新"
    changed.save()
    again = harvest("ckan", catalogue, since)
    assert [p["name"] for p in again] == ["shelters-007"]


def test_ckanext_dcat_parses_every_page_of_the_catalogue_and_its_modified_since(catalogue):
    datasets = harvest("dcat", catalogue)
    titles = [d["title"] for d in datasets]
    assert len(titles) == len(set(titles)) == len(published_names()) > MANY
    assert all(d["resources"] for d in datasets)

    time.sleep(1.1)
    since = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    time.sleep(1.1)
    changed = Dataset.objects.get(name="shelters-011")
    changed.description = "住所を更新"
    changed.save()
    assert [d["title"] for d in harvest("dcat", catalogue, since)] == ["避難所一覧 11"]
