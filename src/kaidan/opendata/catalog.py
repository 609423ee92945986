"""The published catalogue as CKAN describes it: packages, resources, organizations and tags.

Only published datasets exist here, and each is read as the anonymous visitor sees it (rights(None, d) and the
anonymous visible relation), so nothing above 公開 can appear. Ids are stable UUIDs derived from Kaidan's
keys (CKAN clients expect UUIDs); names are Kaidan's machine names and organization codes.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import F, TextField
from django.db.models.functions import Cast

from kaidan.access.levels import Level
from kaidan.access.services import readable_filter, rights
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset
from kaidan.store.plainread import dataset_with_owner, raw_rows, tables_stamp

CATALOGUE_TABLES = tuple(
    m._meta.db_table for m in (Dataset, Organization, Dataset.tags.field.related_model, Dataset.tags.through)
)
"""What a package dict is made of (the published datasets, their owners, their tags)."""

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


def published(pk: int | None = None, *, pks: Collection[int] | None = None) -> list[Dataset]:
    """The published datasets (or the one with this `pk`, or those among `pks`), confirmed one by one with the
    anonymous visitor's rights."""
    found = _published_candidates()
    if pk is not None:
        found = found.filter(pk=pk)
    if pks is not None:
        found = found.filter(pk__in=sorted(pks))
    found = found.select_related("owner").prefetch_related("tags").order_by("pk")
    return [d for d in found if d.classification == Level.PUBLIC and rights(d, actor=None).can_read]


@dataclass(frozen=True, eq=False)
class _Catalogue:
    """The package dicts of the published catalogue for one base URL, with what each was made of."""

    inputs: dict[int, bytes]
    """dataset pk → digest of its inputs (every column of the dataset and its owner, its tags)."""
    dicts: dict[int, dict[str, Any]]
    """dataset pk → its package dict (only those the anonymous visitor's rights confirmed)."""
    packages: list[dict[str, Any]]
    """The dicts in pk order (shared between requests: read them, never change them)."""


_catalogues: dict[str, _Catalogue] = {}
_checked = threading.local()
"""Per thread (each has its own database connection): base URL → (quick stamp, the _Catalogue it held)."""


def _inputs() -> dict[int, bytes]:
    """A digest per published candidate of everything its package dict is made of: every column of the
    dataset (by the same filter as `published`), of its owner, and its tags — read as plain tuples in two
    queries (about 10 ms for 1,000 datasets, where building their models and dicts takes about a second)."""
    found = _published_candidates()

    def as_read(prefix: str, model: type[Any]) -> list[Any]:
        # dates and times as the database's own text: parsing 4,000 timestamps costs more than the query
        return [
            Cast(f"{prefix}{f.attname}", TextField())
            if f.get_internal_type() in ("DateTimeField", "DateField")
            else F(f"{prefix}{f.attname}")
            for f in model._meta.concrete_fields
        ]

    columns = ["pk", *as_read("", Dataset), *as_read("owner__", Organization)]
    rows = raw_rows(found.order_by("pk").values_list(*columns))
    tags: dict[int, list[tuple[Any, ...]]] = {}
    query = (
        Dataset.tags.through.objects.filter(dataset__in=found.values("pk"))
        .order_by("dataset_id", "tag_id")
        .values_list("dataset_id", "tag_id", "tag__name")
    )
    for row in raw_rows(query):
        tags.setdefault(int(row[0]), []).append(row)
    return {
        int(row[0]): hashlib.blake2b(
            pickle.dumps((row, tags.get(int(row[0]))), protocol=5), digest_size=16
        ).digest()
        for row in rows
    }


def _quick_stamp() -> tuple[Any, ...] | None:
    """Changes whenever a row of the catalogue's tables may have changed (kaidan.store.plainread.tables_stamp),
    much cheaper than `_inputs`, which then decides whether anything a package is made of did."""
    return tables_stamp(CATALOGUE_TABLES)


def published_packages(base_url: str) -> list[dict[str, Any]]:
    """`package_dict` of every published dataset, as current as the database: the dicts are kept between
    requests and a dataset's is built again only when something it is made of changed, in this process or
    any other (a quick stamp first, then a digest per dataset)."""
    quick = _quick_stamp()
    held = _catalogues.get(base_url)
    checked = getattr(_checked, "stamps", {})
    last = checked.get(base_url)
    if held is not None and quick is not None and last is not None and last[1] is held and last[0] == quick:
        return held.packages
    inputs = _inputs()
    if held is None or held.inputs != inputs:
        before = held
        changed = [pk for pk, digest in inputs.items() if before is None or before.inputs.get(pk) != digest]
        built = {d.pk: package_dict(d, base_url) for d in published(pks=changed)} if changed else {}
        dicts: dict[int, dict[str, Any]] = {}
        for pk in inputs:
            if pk in built:
                dicts[pk] = built[pk]
            elif before is not None and before.inputs.get(pk) == inputs[pk] and pk in before.dicts:
                dicts[pk] = before.dicts[pk]
        held = _Catalogue(inputs, dicts, [dicts[pk] for pk in sorted(dicts)])
        if len(_catalogues) >= 8:  # a handful of host names at most; never grow without bound
            _catalogues.clear()
        _catalogues[base_url] = held
    if quick is not None:
        _checked.stamps = {**checked, base_url: (quick, held)}
    return held.packages


def find_package(key: str) -> Dataset | None:
    return next((d for d in published() if key in (d.name, package_id(d))), None)


_resource_keys: dict[str, tuple[int, str]] = {}
"""resource id → (dataset pk, export format): the ids are derived from the pk, so this never goes stale; it
spares every datastore_search loading the whole published catalogue to find its resource."""


def resource_dataset_pk(key: str) -> int | None:
    """The pk of the dataset a resource id was derived from (published or not now), or None."""
    if key not in _resource_keys:
        for pk in Dataset.objects.filter(published=True).values_list("pk", flat=True):
            for _fmt, export, _mime in FORMATS:
                _resource_keys[str(uuid.uuid5(NAMESPACE, f"resource:{pk}:{export}"))] = (pk, export)
    found = _resource_keys.get(key)
    return found[0] if found is not None else None


def find_resource(key: str, *, tags: bool = True) -> tuple[Dataset, str] | None:
    """The published dataset and export format of a resource id (`tags=False`: its tags are not needed)."""
    if resource_dataset_pk(key) is None:
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
