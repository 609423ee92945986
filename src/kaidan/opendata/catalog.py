"""The published catalogue as CKAN describes it: packages, resources, organizations and tags.

Only published datasets exist here, and each is read as the anonymous visitor sees it (rights(None, d) and the
anonymous visible relation), so nothing above 公開 can appear. Ids are stable UUIDs derived from Kaidan's
keys (CKAN clients expect UUIDs); names are Kaidan's machine names and organization codes.
"""

from __future__ import annotations

import hashlib
import pickle
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db.models import F, TextField
from django.db.models.functions import Cast

from kaidan.access.levels import Level
from kaidan.access.services import readable_filter, rights
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset
from kaidan.store.plainread import dataset_with_owner, raw_rows

NAMESPACE = uuid.UUID("6b8f0f5e-2a55-4a43-9d0e-6b0b3f1e9a11")

FORMATS = [  # (resource format, export format, mimetype); the first is the datastore resource
    ("CSV", "csv", "text/csv"),
    ("JSON", "json", "application/json"),
    ("XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Parquet", "parquet", "application/vnd.apache.parquet"),
]

LICENCES = {
    "CC-BY-4.0": ("クリエイティブ・コモンズ 表示 4.0 国際", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": (
        "CC0 1.0 全世界 パブリック・ドメイン提供",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "PDL-1.0": (
        "公共データ利用規約（第1.0版）",
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0",
    ),
}


def package_id(dataset: Dataset) -> str:
    return str(uuid.uuid5(NAMESPACE, f"dataset:{dataset.pk}"))


def resource_id(dataset: Dataset, fmt: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"resource:{dataset.pk}:{fmt}"))


def organization_id(org: Organization) -> str:
    return str(uuid.uuid5(NAMESPACE, f"organization:{org.pk}"))


def _published_candidates() -> Any:
    """The published datasets the anonymous visitor's row filter admits (confirmed one by one in
    `published`; the same set the catalogue stamp digests)."""
    return Dataset.objects.filter(readable_filter(Dataset._meta.label_lower, actor=None), published=True)


def published(pk: int | None = None) -> list[Dataset]:
    """The published datasets (or the one with this `pk`), confirmed one by one with the anonymous visitor's
    rights."""
    found = _published_candidates()
    if pk is not None:
        found = found.filter(pk=pk)
    found = found.select_related("owner").prefetch_related("tags").order_by("pk")
    return [d for d in found if d.classification == Level.PUBLIC and rights(d, actor=None).can_read]


_packages: dict[str, tuple[bytes, list[dict[str, Any]]]] = {}
"""base URL → (catalogue stamp, the package dicts of the published catalogue)."""


def _catalogue_stamp() -> bytes:
    """A digest of everything a package dict is made of: every column of each published dataset the anonymous
    visitor may read (by the same filter as `published`), of its owner, and its tags.

    Two plain queries of tuples (about 10 ms for 1,000 datasets) instead of building 1,000 models, their
    organizations, tags and dicts on every `package_search` (about a second): the answer is rebuilt exactly
    when one of its inputs changed, in this process or any other, and never served stale."""
    found = _published_candidates()

    def as_read(prefix: str, model: type[Any]) -> list[Any]:
        # dates and times as the database's own text: parsing 4,000 timestamps costs more than the query
        return [
            Cast(f"{prefix}{f.attname}", TextField())
            if f.get_internal_type() in ("DateTimeField", "DateField")
            else F(f"{prefix}{f.attname}")
            for f in model._meta.concrete_fields
        ]

    columns = as_read("", Dataset)
    owners = as_read("owner__", Organization)
    tags = (
        Dataset.tags.through.objects.filter(dataset__in=found.values("pk"))
        .order_by("dataset_id", "tag_id")
        .values_list("dataset_id", "tag_id", "tag__name")
    )
    stamp = hashlib.blake2b(digest_size=20)
    for query in (found.order_by("pk").values_list(*columns, *owners), tags):
        stamp.update(pickle.dumps(raw_rows(query), protocol=5))  # the database's own values, no models
    return stamp.digest()


def published_packages(base_url: str) -> list[dict[str, Any]]:
    """`package_dict` of every published dataset, built again only when the catalogue changed (the dicts are
    shared between requests: read them, never change them)."""
    stamp = _catalogue_stamp()
    hit = _packages.get(base_url)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    packages = [package_dict(d, base_url) for d in published()]
    if len(_packages) >= 8:  # a handful of host names at most; never grow without bound
        _packages.clear()
    _packages[base_url] = (stamp, packages)
    return packages


def find_package(key: str) -> Dataset | None:
    return next((d for d in published() if key in (d.name, package_id(d))), None)


_resource_keys: dict[str, tuple[int, str]] = {}
"""resource id → (dataset pk, export format): the ids are derived from the pk, so this never goes stale; it
spares every datastore_search loading the whole published catalogue to find its resource."""


def find_resource(key: str, *, tags: bool = True) -> tuple[Dataset, str] | None:
    """The published dataset and export format of a resource id (`tags=False`: its tags are not needed)."""
    if key not in _resource_keys:
        for pk in Dataset.objects.filter(published=True).values_list("pk", flat=True):
            for _fmt, export, _mime in FORMATS:
                _resource_keys[str(uuid.uuid5(NAMESPACE, f"resource:{pk}:{export}"))] = (pk, export)
    if key not in _resource_keys:
        return None
    pk, export = _resource_keys[key]
    if tags:
        found = published(pk)  # published now, public and readable by the anonymous visitor
        return (found[0], export) if found else None
    # datastore_search: the same conditions on the one dataset, read by the catalog's fixed statement
    dataset = dataset_with_owner(pk=pk)
    if (
        dataset is None
        or not dataset.published
        or dataset.undecided
        or dataset.classification != Level.PUBLIC
        or not rights(dataset, actor=None).can_read
    ):
        return None
    return dataset, export


def iso(moment: datetime | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without an offset (e.g. 2026-12-01T07:44:20.123456)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def organization_dict(org: Organization, *, package_count: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": organization_id(org),
        "name": org.code,
        "title": org.name,
        "display_name": org.name,
        "description": getattr(org, "description", "") or "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": iso(getattr(org, "created_at", None)),
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def resource_dict(
    dataset: Dataset, base_url: str, position: int, fmt: str, export: str, mime: str
) -> dict[str, Any]:
    modified = iso(dataset.updated_at)
    return {
        "id": resource_id(dataset, export),
        "package_id": package_id(dataset),
        "name": f"{dataset.title} ({fmt})",
        "description": "",
        "format": fmt,
        "mimetype": mime,
        "mimetype_inner": None,
        "url": f"{base_url}/dataset/{dataset.name}/download?format={export}",  # streamed (downloads.py)
        "url_type": None,
        "position": position,
        "state": "active",
        "datastore_active": position == 0,
        "created": iso(dataset.published_at or dataset.created_at),
        "last_modified": modified,
        "metadata_modified": modified,
        "hash": "",
        "size": None,
        "cache_url": None,
        "cache_last_updated": None,
        "resource_type": None,
    }


def package_dict(dataset: Dataset, base_url: str) -> dict[str, Any]:
    licence = dataset.licence or "CC-BY-4.0"
    title, url = LICENCES.get(licence, (licence, ""))
    tags = sorted(dataset.tags.all(), key=lambda t: t.name)
    resources = [
        resource_dict(dataset, base_url, i, fmt, export, mime)
        for i, (fmt, export, mime) in enumerate(FORMATS)
    ]
    return {
        "id": package_id(dataset),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": licence,
        "license_title": title,
        "license_url": url,
        "isopen": licence in LICENCES,
        "url": f"{base_url}/dataset/{dataset.name}/",  # the portal page
        "version": str(dataset.current_revision),
        "author": None,
        "author_email": None,
        "maintainer": dataset.owner.name,
        "maintainer_email": None,
        "owner_org": organization_id(dataset.owner),
        "organization": organization_dict(dataset.owner),
        "metadata_created": iso(dataset.published_at or dataset.created_at),
        "metadata_modified": iso(dataset.updated_at),
        "num_resources": len(resources),
        "num_tags": len(tags),
        "tags": [
            {
                "id": str(uuid.uuid5(NAMESPACE, f"tag:{t.name}")),
                "name": t.name,
                "display_name": t.name,
                "state": "active",
                "vocabulary_id": None,
            }
            for t in tags
        ],
        "groups": [],
        "extras": [
            {"key": "kaidan_revision", "value": str(dataset.current_revision)},
            {"key": "kaidan_rows", "value": str(dataset.row_count)},
        ],
        "resources": resources,
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }
