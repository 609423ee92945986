"""CKAN's Action API (read actions), answered as CKAN 2.10/2.11 answers them.

Each action takes the request's parameters (a dict) and the site's base URL, returns the `result`, or raises
an ActionError that the view turns into CKAN's error envelope and status. Everything is read through the
published catalogue (kaidan.opendata.catalog) and the anonymous visitor's visible relation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset

from . import catalog, datastore
from .search import SearchQueryError
from .search import search as search_packages

CKAN_VERSION = "2.10.5"


class ActionError(Exception):
    status = 400
    kind = "Bad Request"

    def __init__(self, message: str = "", **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": self.message, **self.extra}


class NotFoundError(ActionError):
    status = 404
    kind = "Not Found Error"

    def __init__(self, what: str = "") -> None:
        super().__init__(f"Not found: {what}" if what else "Not found")


class ValidationError(ActionError):
    status = 409
    kind = "Validation Error"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("")
        self.errors = errors

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, **self.errors}


class QueryError(ActionError):
    status = 400
    kind = "Search Query Error"

    def __init__(self, detail: str) -> None:
        super().__init__(f"Search Query is invalid: {detail!r}")


@dataclass(frozen=True)
class Context:
    base_url: str
    """The site's address (scheme and host), for resource URLs and links."""
    action_path: str
    """The path of this API's actions (/api/3/action or /api/action), for datastore links."""


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise ValidationError({name: ["Missing value"]})
    return str(value)


def status_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return a dictionary with information about the site's configuration."""
    return {
        "site_title": getattr(settings, "KAIDAN_SITE_TITLE", "Kaidan"),
        "site_description": "Kaidan open data (CKAN-compatible API)",
        "site_url": ctx.base_url,
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "ja",
        "extensions": ["datastore"],
    }


def site_read(ctx: Context, params: dict[str, Any]) -> bool:
    """Return True."""
    return True


def package_list(ctx: Context, params: dict[str, Any]) -> list[str]:
    """Return a list of the names of the site's datasets (packages)."""
    names = sorted(d.name for d in catalog.published())
    offset = int(params.get("offset", 0) or 0)
    limit = params.get("limit")
    return names[offset : offset + int(limit)] if limit not in (None, "") else names[offset:]


def package_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a dataset (package) and its resources."""
    key = _required(params, "id")
    dataset = catalog.find_package(key)
    if dataset is None:
        raise NotFoundError()
    return catalog.package_dict(dataset, ctx.base_url)


def package_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Search for packages satisfying a given search criteria (q, fq, rows, start, sort, facet.field)."""
    packages = catalog.published_packages(ctx.base_url)
    try:
        return search_packages(packages, params)
    except SearchQueryError as exc:
        raise QueryError(str(exc)) from None


def _organizations(datasets: list[Dataset] | None = None) -> dict[Organization, int]:
    counts: dict[Organization, int] = {}
    for dataset in catalog.published() if datasets is None else datasets:
        counts[dataset.owner] = counts.get(dataset.owner, 0) + 1
    return counts


def organization_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Return a list of the names of the site's organizations (all_fields: their dicts)."""
    counts = _organizations()
    orgs = sorted(counts, key=lambda o: o.code)
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [catalog.organization_dict(o, package_count=counts[o]) for o in orgs]
    return [o.code for o in orgs]


def organization_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return the details of an organization (include_datasets: its datasets)."""
    key = _required(params, "id")
    datasets = catalog.published()
    counts = _organizations(datasets)
    org = next((o for o in counts if key in (o.code, catalog.organization_id(o))), None)
    if org is None:
        raise NotFoundError("Organization was not found.")
    result = catalog.organization_dict(org, package_count=counts[org])
    if str(params.get("include_datasets", "")).lower() in ("true", "1"):
        result["packages"] = [catalog.package_dict(d, ctx.base_url) for d in datasets if d.owner_id == org.pk]
    return result


def group_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Return a list of the names of the site's groups (Kaidan has none yet)."""
    return []


def group_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return the details of a group."""
    _required(params, "id")
    raise NotFoundError("Group was not found.")


def tag_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Return a list of the site's tags (query: only those containing it)."""
    names = sorted({t.name for d in catalog.published() for t in d.tags.all()})
    query = str(params.get("query") or params.get("q") or "")
    if query:
        names = [n for n in names if query.casefold() in n.casefold()]
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [{"id": n, "name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


def resource_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata of a resource."""
    key = _required(params, "id")
    found = catalog.find_resource(key)
    if found is None:
        raise NotFoundError("Resource was not found.")
    dataset, export = found
    package = catalog.package_dict(dataset, ctx.base_url)
    return next(r for r in package["resources"] if r["id"] == key)


def datastore_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Search the rows of a DataStore resource (filters, q, fields, sort, limit, offset, include_total)."""
    key = _required(params, "resource_id")
    rel = datastore.public_relation(key)
    if rel is None:
        raise NotFoundError(f'Resource "{key}" was not found.')
    try:
        return datastore.search(rel, key, params, f"{ctx.action_path}/datastore_search")
    except datastore.DatastoreError as exc:
        raise ValidationError(exc.errors) from None


def datastore_search_sql(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Run one read-only SELECT over public DataStore resources (tables named by resource id)."""
    from kaidan.analysis.engine import QueryRefused, run

    sql = _required(params, "sql")
    tables = {catalog.resource_id(d, catalog.FORMATS[0][1]): d for d in catalog.published()}
    try:
        result = run(
            sql,
            actor=None,
            tables=tables,
            row_limit=datastore.MAX_LIMIT,
            time_limit=10.0,
            purpose="datastore_sql",
        )
    except QueryRefused as exc:
        raise ValidationError({"query": [str(exc)]}) from None
    records = [
        dict(zip(result.columns, (datastore._record_value(v) for v in row), strict=True))
        for row in result.rows
    ]
    return {
        "sql": sql,
        "records": records,
        "fields": [{"id": c, "type": "text"} for c in result.columns],
        "records_truncated": result.truncated,
    }


def help_show(ctx: Context, params: dict[str, Any]) -> str | None:
    """Return the help string for a particular API action."""
    name = _required(params, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise NotFoundError(f"Action function not found: {name}")
    return action.__doc__


ACTIONS: dict[str, Callable[[Context, dict[str, Any]], Any]] = {
    f.__name__: f
    for f in (
        status_show,
        site_read,
        package_list,
        package_show,
        package_search,
        organization_list,
        organization_show,
        group_list,
        group_show,
        tag_list,
        resource_show,
        datastore_search,
        datastore_search_sql,
        help_show,
    )
}
