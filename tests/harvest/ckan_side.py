"""Run inside CKAN's own environment (ckan, ckanext-harvest, ckanext-dcat): harvest a Kaidan site.

    python ckan_side.py ckan URL [SINCE_ISO]   → JSON list of the package dicts CKANHarvester gathered
    python ckan_side.py dcat URL [SINCE_ISO]   → JSON list of the dataset dicts ckanext-dcat parsed, page by page

This file imports nothing of Kaidan. For `ckan` it runs ckanext-harvest's CKANHarvester.gather_stage — its
package_search paging (rows=100, start, sort=id asc, stop at the first empty page) and, given SINCE, its
incremental `fq=metadata_modified:[… TO *]` — with the harvest job and its database rows replaced by plain
objects (gather_stage only reads job.source.url/config and the last error-free job's start time, and saves
one HarvestObject per dataset). For `dcat` it runs ckanext-dcat's RDFParser over /catalog.ttl as
DCATRDFHarvester does: parse a page, take its datasets, follow the hydra next page until there is none.
"""

from __future__ import annotations

import datetime
import json
import sys
import types
from urllib.request import urlopen


def gather_ckan(url: str, since: str | None) -> list[dict]:
    from ckanext.harvest.harvesters import ckanharvester

    saved: list[dict] = []

    class HarvestObject:  # the database row gather_stage saves per dataset
        def __init__(self, guid: str, job: object, content: str) -> None:
            self.id, self.content = guid, content

        def save(self) -> None:
            saved.append(json.loads(self.content))

    errors: list[str] = []
    ckanharvester.HarvestObject = HarvestObject
    harvester = ckanharvester.CKANHarvester()
    harvester._save_gather_error = lambda message, job: errors.append(message)
    last = None
    if since:
        # gather_stage asks from one hour before the last error-free job started
        started = datetime.datetime.fromisoformat(since) + datetime.timedelta(hours=1)
        last = types.SimpleNamespace(gather_started=started)
    harvester.last_error_free_job = lambda job: last
    job = types.SimpleNamespace(
        source=types.SimpleNamespace(url=url, config=json.dumps({"force_all": False}))
    )
    ids = harvester.gather_stage(job)
    if errors:
        raise SystemExit("gather errors: " + "; ".join(errors))
    if ids is None:
        raise SystemExit("gather_stage failed")
    return saved


def parse_dcat(url: str, since: str | None) -> list[dict]:
    from ckanext.dcat.processors import RDFParser

    page = f"{url}/catalog.ttl" + (f"?modified_since={since}" if since else "")
    datasets: list[dict] = []
    seen_pages = 0
    while page:
        with urlopen(page) as response:  # noqa: S310 — the test's own loopback server
            body = response.read().decode()
        parser = RDFParser(profiles=["euro_dcat_ap_3"])
        parser.parse(body, _format="turtle")
        datasets.extend(parser.datasets())
        page = parser.next_page()
        seen_pages += 1
        if seen_pages > 1000:
            raise SystemExit("paging does not end")
    return datasets


if __name__ == "__main__":
    kind, site = sys.argv[1], sys.argv[2].rstrip("/")
    since_arg = sys.argv[3] if len(sys.argv) > 3 else None
    result = gather_ckan(site, since_arg) if kind == "ckan" else parse_dcat(site, since_arg)
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)
