"""Feeds and discovery for the open data: an Atom feed of updates, sitemap.xml and robots.txt.

Only published datasets appear (kaidan.opendata.catalog), newest change first.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from kaidan.values.messages import Message, gettext_noop

from . import catalog
from .views import site_url

FEED_ENTRIES = 50


def _newest(datasets: list[Any]) -> Any:
    return max((d.updated_at for d in datasets), default=None)


def atom_feed(request: HttpRequest) -> HttpResponse:
    """/opendata/feed.atom: one entry per published dataset, by its last change (an Atom 1.0 feed)."""
    base = site_url(request)
    datasets = sorted(catalog.published(), key=lambda d: (d.updated_at, d.pk), reverse=True)[:FEED_ENTRIES]
    updated = catalog.iso(_newest(datasets)) or "1970-01-01T00:00:00"
    entries = []
    for dataset in datasets:
        package = catalog.package_dict(dataset, base)
        entries.append(
            "<entry>"
            f"<id>urn:uuid:{package['id']}</id>"
            f"<title>{escape(dataset.title)}</title>"
            f'<link rel="alternate" href="{escape(package["url"])}"/>'
            f'<link rel="enclosure" type="text/csv" href="{escape(package["resources"][0]["url"])}"/>'
            f"<updated>{package['metadata_modified']}Z</updated>"
            f"<author><name>{escape(dataset.owner.name)}</name></author>"
            f"<summary>{escape(dataset.description or dataset.title)}"
            f"（版 {dataset.current_revision}、{dataset.row_count:,} 行）</summary>"
            "</entry>"
        )
    title = Message(gettext_noop("Open data updates")).bilingual()
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">'
        f"<id>{escape(base)}/opendata/feed.atom</id>"
        f"<title>{escape(title)}</title>"
        f'<link rel="self" href="{escape(base)}/opendata/feed.atom"/>'
        f"<updated>{updated}Z</updated>" + "".join(entries) + "</feed>"
    )
    return _conditional(
        request, HttpResponse(body, content_type="application/atom+xml; charset=utf-8"), datasets
    )


def sitemap(request: HttpRequest) -> HttpResponse:
    base = site_url(request)
    datasets = catalog.published()
    urls = [f"<url><loc>{escape(base)}/</loc></url>", f"<url><loc>{escape(base)}/dataset/</loc></url>"]
    for dataset in datasets:
        urls.append(
            f"<url><loc>{escape(base)}/dataset/{dataset.name}/</loc>"
            f"<lastmod>{catalog.iso(dataset.updated_at)}Z</lastmod></url>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(urls) + "</urlset>"
    )
    return _conditional(request, HttpResponse(body, content_type="application/xml; charset=utf-8"), datasets)


def open_data_list(request: HttpRequest) -> HttpResponse:
    """The ward's オープンデータ一覧 (自治体標準オープンデータセット layout), generated from the catalogue."""
    from .standards import open_data_list as build

    response = HttpResponse(build(site_url(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="opendata_list.csv"'
    return _conditional(request, response, catalog.published())


def robots(request: HttpRequest) -> HttpResponse:
    base = site_url(request)
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        "Disallow: /share/",
        "Disallow: /import/",
        "Disallow: /admin/",
        f"Sitemap: {base}/sitemap.xml",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def _conditional(request: HttpRequest, response: HttpResponse, datasets: list[Any]) -> HttpResponse:
    """Last-Modified and a weak ETag from the newest change; 304 when the client already has it."""
    newest = _newest(datasets)
    tag = f'W/"{len(datasets)}-{newest.timestamp() if newest else 0}"'
    response["ETag"] = tag
    if newest is not None:
        response["Last-Modified"] = http_date(newest.timestamp())
    if request.headers.get("If-None-Match") == tag:
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = tag
        return not_modified
    return response
