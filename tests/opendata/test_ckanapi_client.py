"""The real `ckanapi` client, as a module and as its command line, works against Kaidan unchanged."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from kaidan.accounts.models import User
from kaidan.catalog.models import Dataset
from kaidan.opendata.services import publish

from .conftest import aed_only


@pytest.fixture
def site(live_server, transactional_db):
    call_command("demo", stdout=io.StringIO())
    aed_only()
    publish(
        Dataset.objects.get(name="aed"), actor=User.objects.get(username="admin"), reason="施設の代表番号"
    )
    return live_server.url


def test_remote_ckan_lists_shows_searches_and_reads_the_datastore(site):
    from ckanapi import NotFound, RemoteCKAN

    ckan = RemoteCKAN(site, user_agent="kaidan-tests")
    assert ckan.action.package_list() == ["aed"]
    package = ckan.action.package_show(id="aed")
    assert package["organization"]["name"] == "bosai"
    with pytest.raises(NotFound):
        ckan.action.package_show(id="mimamori")  # 限定: not open data
    found = ckan.action.package_search(fq="organization:bosai", rows=10)
    assert found["count"] == 1 and found["results"][0]["id"] == package["id"]
    rows = ckan.action.datastore_search(resource_id=package["resources"][0]["id"], limit=2)
    assert len(rows["records"]) == 2 and rows["total"] > 2


def _ckanapi() -> str:
    script = Path(sys.executable).with_name("ckanapi")
    return str(script) if script.exists() else shutil.which("ckanapi") or "ckanapi"


def _env() -> dict[str, str]:
    """ckanapi's workers start `ckanapi` by name: the virtualenv's bin comes first on PATH."""
    return {**os.environ, "PATH": f"{Path(_ckanapi()).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_the_ckanapi_command_line_dumps_and_searches_the_catalogue(site):
    dump = subprocess.run(
        [_ckanapi(), "dump", "datasets", "--all", "-r", site, "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(),
    )
    assert dump.returncode == 0, dump.stderr
    names = [json.loads(line)["name"] for line in dump.stdout.splitlines() if line.strip()]
    assert names == ["aed"]
    search = subprocess.run(
        [_ckanapi(), "search", "datasets", "q=AED", "-r", site],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(),
    )
    assert search.returncode == 0, search.stderr
    assert [json.loads(line)["name"] for line in search.stdout.splitlines() if line.strip()] == ["aed"]
