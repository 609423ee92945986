"""`package_search` as CKAN answers it: `q`, the Solr `fq` forms harvesters send, sorting, paging, facets.

The catalogue of published datasets is small (hundreds to a few thousand), so search runs over the package
dicts in Python; the order is total (ties broken by id), so paging by `start` is stable and a harvester stops
at the first empty page.
"""

from __future__ import annotations

import functools
import re
import shlex
from typing import Any

from kaidan.values.textsearch import normalize

MAX_ROWS = 1000


class SearchQueryError(ValueError):
    """A query CKAN would answer with "Search Query Error" (400)."""


def _norm(text: Any) -> str:
    """The search engine's own normalization (width, case, kana, itaiji, long vowels: kaidan.values.textsearch)."""
    return _normalized(text) if isinstance(text, str) else normalize(text)


@functools.lru_cache(maxsize=1 << 16)
def _normalized(text: str) -> str:
    """Remembered: every query normalizes the same titles and descriptions of the whole catalogue again."""
    return normalize(text)


def _values(package: dict[str, Any], field: str) -> list[str]:
    """The indexed values of one Solr field of a package."""
    if field in ("organization", "owner_org"):
        org = package.get("organization") or {}
        return [org.get("name", ""), org.get("id", "")] if field == "organization" else [package["owner_org"]]
    if field in ("tags", "tag"):
        return [t["name"] for t in package.get("tags", [])]
    if field in ("groups", "group"):
        return [g["name"] for g in package.get("groups", [])]
    if field in ("res_format", "format"):
        return [r["format"] for r in package.get("resources", [])]
    if field == "text":
        return [_text(package)]
    value = package.get(field)
    return [] if value is None else [str(value)]


def _text(package: dict[str, Any]) -> str:
    parts = [
        package.get("name"),
        package.get("title"),
        package.get("notes"),
        package["organization"]["title"],
    ]
    parts += [t["name"] for t in package.get("tags", [])]
    return " ".join(str(p) for p in parts if p)


_fulltexts: dict[int, tuple[dict[str, Any], str]] = {}
"""id(package) → (the package, its normalized full text). The package dicts are shared and never changed
(kaidan.opendata.catalog.published_packages), so each one's text is normalized once; holding the package
keeps its id from being reused while the entry lives."""


def _fulltext(package: dict[str, Any]) -> str:
    """`_norm(_text(package))`, remembered per package dict (every `q` reads the whole catalogue's)."""
    held = _fulltexts.get(id(package))
    if held is not None and held[0] is package:
        return held[1]
    if len(_fulltexts) >= 1 << 16:  # the dicts of old catalogues go too; never grow without bound
        _fulltexts.clear()
    text = _norm(_text(package))
    _fulltexts[id(package)] = (package, text)
    return text


def _range(term: str) -> tuple[str, str] | None:
    found = re.fullmatch(r"\[(\S+)\s+TO\s+(\S+)\]", term.strip())
    return (found.group(1), found.group(2)) if found else None


def _solr_time(text: str) -> str:
    """A Solr date (2026-01-01T00:00:00Z, NOW, *) comparable with CKAN's metadata_modified strings."""
    if text == "*":
        return text
    return text.rstrip("Z").replace(" ", "T")


class _Index:
    """The catalogue as Solr keeps it: per field, each normalized value's packages (positions in the list),
    built once per package list (the list and its dicts are shared and never changed) and field by field as
    queries ask for them, so a term is a lookup and AND / OR / - are set operations."""

    def __init__(self, packages: list[dict[str, Any]]) -> None:
        self.packages = packages
        self.every = frozenset(range(len(packages)))
        self._fields: dict[str, dict[str, set[int]]] = {}
        self._texts: list[str] | None = None

    def values(self, field: str) -> dict[str, set[int]]:
        found = self._fields.get(field)
        if found is None:
            found = {}
            for i, package in enumerate(self.packages):
                for value in _values(package, field):
                    found.setdefault(_norm(value), set()).add(i)
            self._fields[field] = found
        return found

    def texts(self) -> list[str]:
        if self._texts is None:
            self._texts = [_fulltext(p) for p in self.packages]
        return self._texts

    def term(self, field: str, value: str) -> frozenset[int] | set[int]:
        """The positions of the packages matching one field:value term."""
        if field == "*" and value == "*":
            return self.every
        bounds = _range(value)
        if bounds is not None:
            low, high = (_solr_time(b) for b in bounds)
            return {
                i
                for i, package in enumerate(self.packages)
                if any(
                    (low == "*" or v >= low) and (high == "*" or v <= high) for v in _values(package, field)
                )
            }
        wanted = _norm(value.strip('"'))
        if field == "text":
            return {i for i, text in enumerate(self.texts()) if wanted in text}
        values = self.values(field)
        if wanted == "*":
            return set().union(*values.values())
        return values.get(wanted, set())


_indexes: dict[int, _Index] = {}
"""id(package list) → its index (the index holds the list, so the id is not reused while it lives)."""


def _index(packages: list[dict[str, Any]]) -> _Index:
    held = _indexes.get(id(packages))
    if held is not None and held.packages is packages:
        return held
    if len(_indexes) >= 8:  # the catalogue changes rarely; older lists are dropped
        _indexes.clear()
    held = _indexes[id(packages)] = _Index(packages)
    return held


Clause = list[list[tuple[bool, str, str]]]
"""OR of groups, each an AND of (negated, field, value) terms."""


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> Clause:
    """A Solr boolean query of field:value terms, joined by AND / OR (AND binds first), `-` negates."""
    try:
        words = shlex.split(text.replace("(", " ").replace(")", " "), posix=True)
    except ValueError as exc:
        raise SearchQueryError(str(exc)) from exc
    # put range terms back together: metadata_modified:[A TO B]
    merged: list[str] = []
    for word in words:
        if merged and merged[-1].count("[") > merged[-1].count("]"):
            merged[-1] += " " + word
        else:
            merged.append(word)
    any_of: Clause = [[]]
    for word in merged:
        if word == "OR":
            any_of.append([])
            continue
        if word == "AND":
            continue
        negate = word.startswith("-") or word.startswith("!")
        word = word[1:] if negate else word.lstrip("+")
        field, sep, value = word.partition(":")
        if not sep:
            field, value = "text", word
        any_of[-1].append((negate, field, value))
    return [group for group in any_of if group]


def _matching(index: _Index, text: str) -> frozenset[int] | set[int]:
    """The positions of the packages a query admits."""
    groups = _parse(text)
    if not groups:
        return index.every
    found: set[int] = set()
    for group in groups:
        within: frozenset[int] | set[int] = index.every
        for negate, field, value in group:
            hits = index.term(field, value)
            within = within - hits if negate else within & hits
        found |= within
    return found


SORTS = {
    "metadata_modified": lambda p: p["metadata_modified"] or "",
    "metadata_created": lambda p: p["metadata_created"] or "",
    "name": lambda p: p["name"],
    "title_string": lambda p: _norm(p["title"]),
    "id": lambda p: p["id"],
}


def _score(package: dict[str, Any], q: str) -> int:
    if not q or q == "*:*":
        return 0
    words = [_norm(w) for w in q.split() if ":" not in w]
    title = _norm(package["title"])
    return sum(3 if w in title else 1 for w in words if w in _fulltext(package))


def search(packages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    q = str(params.get("q") or "").strip()
    fq = params.get("fq") or ""
    fq_list = params.get("fq_list") or []
    try:
        rows = min(int(params.get("rows", 10)), MAX_ROWS)
        start = int(params.get("start", 0))
    except (TypeError, ValueError) as exc:
        raise SearchQueryError(str(exc)) from exc
    if rows < 0 or start < 0:
        raise SearchQueryError("rows and start must not be negative")
    queries = [f for f in [fq, *fq_list] if f]
    if q and q != "*:*":
        queries.append(q)
    if queries:
        index = _index(packages)
        positions = index.every
        for query in queries:
            positions = positions & _matching(index, query)
        matched = [packages[i] for i in sorted(positions)]
    else:
        matched = list(packages)
    sort = str(params.get("sort") or "score desc, metadata_modified desc")
    keys = []
    for part in [s.strip() for s in sort.split(",") if s.strip()]:
        name, _sep, direction = part.partition(" ")
        if name != "score" and name not in SORTS:
            raise SearchQueryError(f"Can't sort by {name}")
        keys.append((name, direction.strip().lower() == "desc"))
    matched.sort(key=lambda p: p["id"])  # a total order: stable paging
    for name, descending in reversed(keys):
        if name == "score" and (not q or q == "*:*"):
            continue  # every score is 0: the stable sort would change nothing
        key = (lambda p: _score(p, q)) if name == "score" else SORTS[name]
        matched.sort(key=key, reverse=descending)
    facets, search_facets = _facets(matched, params)
    return {
        "count": len(matched),
        "sort": sort,
        "results": matched[start : start + rows],
        "facets": facets,
        "search_facets": search_facets,
    }


def _facets(packages: list[dict[str, Any]], params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    import json

    raw = params.get("facet.field") or "[]"
    try:
        fields = json.loads(raw) if isinstance(raw, str) else list(raw)
    except ValueError as exc:
        raise SearchQueryError(f"facet.field: {exc}") from exc
    limit = int(params.get("facet.limit", 50))
    facets: dict[str, Any] = {}
    search_facets: dict[str, Any] = {}
    for field in fields:
        counts: dict[str, int] = {}
        titles: dict[str, str] = {}
        for package in packages:
            if field == "organization":
                org = package["organization"]
                counts[org["name"]] = counts.get(org["name"], 0) + 1
                titles[org["name"]] = org["title"]
                continue
            for value in set(_values(package, field)):
                counts[value] = counts.get(value, 0) + 1
                titles[value] = value
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: limit if limit >= 0 else None]
        facets[field] = dict(top)
        search_facets[field] = {
            "title": field,
            "items": [{"name": n, "display_name": titles[n], "count": c} for n, c in top],
        }
    return facets, search_facets
