"""DCAT (DCAT-AP 3 profile) for the published catalogue, at the URLs ckanext-dcat serves.

`/catalog.{ttl,rdf,jsonld}` pages the catalogue (`?page=`, 100 datasets a page, `?modified_since=`) and
describes the paging with hydra:PagedCollection (firstPage, lastPage, nextPage, previousPage, totalItems,
itemsPerPage), as ckanext-dcat does; `/dataset/{name or id}.{ttl,rdf,jsonld}` describes one dataset. The
JSON-LD has its context inlined, so nothing is fetched when it is parsed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from kaidan.catalog.models import Dataset

from . import catalog

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
PER_PAGE = 100
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
}
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "hydra": str(HYDRA),
    "xsd": str(XSD),
}


def _graph() -> Graph:
    graph = Graph()
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, Namespace(namespace))
    return graph


def _date(moment: datetime | None) -> Literal | None:
    text = catalog.iso(moment)
    return Literal(text, datatype=XSD.dateTime) if text else None


def add_dataset(graph: Graph, dataset: Dataset, base_url: str) -> URIRef:
    package = catalog.package_dict(dataset, base_url)
    node = URIRef(f"{base_url}/dataset/{package['id']}")
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(package["id"])))
    graph.add((node, DCTERMS.title, Literal(package["title"], lang="ja")))
    if package["notes"]:
        graph.add((node, DCTERMS.description, Literal(package["notes"], lang="ja")))
    graph.add((node, DCAT.landingPage, URIRef(package["url"])))
    for key, value in (
        ("issued", dataset.published_at or dataset.created_at),
        ("modified", dataset.updated_at),
    ):
        literal = _date(value)
        if literal is not None:
            graph.add((node, DCTERMS[key], literal))
    publisher = URIRef(f"{base_url}/organization/{package['organization']['name']}")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(package["organization"]["title"], lang="ja")))
    graph.add(
        (node, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/JPN"))
    )
    for tag in package["tags"]:
        graph.add((node, DCAT.keyword, Literal(tag["name"], lang="ja")))
    licence = URIRef(package["license_url"]) if package["license_url"] else None
    for resource in package["resources"]:
        dist = URIRef(f"{base_url}/dataset/{package['id']}/resource/{resource['id']}")
        graph.add((node, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCTERMS.title, Literal(resource["name"], lang="ja")))
        graph.add((dist, DCAT.accessURL, URIRef(resource["url"])))
        graph.add((dist, DCAT.downloadURL, URIRef(resource["url"])))
        graph.add((dist, DCTERMS["format"], Literal(resource["format"])))
        graph.add(
            (
                dist,
                DCAT.mediaType,
                URIRef(f"https://www.iana.org/assignments/media-types/{resource['mimetype']}"),
            )
        )
        if licence is not None:
            graph.add((dist, DCTERMS.license, licence))
        modified = _date(dataset.updated_at)
        if modified is not None:
            graph.add((dist, DCTERMS.modified, modified))
    return node


def dataset_graph(dataset: Dataset, base_url: str) -> Graph:
    graph = _graph()
    add_dataset(graph, dataset, base_url)
    return graph


def catalog_graph(base_url: str, fmt: str, page: int, modified_since: datetime | None) -> Graph:
    datasets = sorted(catalog.published(), key=lambda d: (d.updated_at, d.pk), reverse=True)
    if modified_since is not None:
        datasets = [d for d in datasets if d.updated_at >= modified_since]
    total = len(datasets)
    last = max(1, -(-total // PER_PAGE))
    graph = _graph()
    node = URIRef(f"{base_url}/catalog.{fmt}")
    graph.add((node, RDF.type, DCAT.Catalog))
    graph.add((node, DCTERMS.title, Literal("Kaidan オープンデータ", lang="ja")))
    graph.add((node, DCTERMS.description, Literal("Kaidan が公開するオープンデータの目録", lang="ja")))
    graph.add((node, FOAF.homepage, URIRef(f"{base_url}/")))
    graph.add(
        (node, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/JPN"))
    )
    for dataset in datasets[(page - 1) * PER_PAGE : page * PER_PAGE]:
        graph.add((node, DCAT.dataset, add_dataset(graph, dataset, base_url)))
    query = f"&modified_since={modified_since.isoformat()}" if modified_since is not None else ""
    paging = URIRef(f"{base_url}/catalog.{fmt}?page={page}{query}")
    graph.add((paging, RDF.type, HYDRA.PagedCollection))
    graph.add((paging, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    graph.add((paging, HYDRA.itemsPerPage, Literal(PER_PAGE, datatype=XSD.integer)))
    graph.add((paging, HYDRA.firstPage, Literal(f"{base_url}/catalog.{fmt}?page=1{query}")))
    graph.add((paging, HYDRA.lastPage, Literal(f"{base_url}/catalog.{fmt}?page={last}{query}")))
    if page < last:
        graph.add((paging, HYDRA.nextPage, Literal(f"{base_url}/catalog.{fmt}?page={page + 1}{query}")))
    if page > 1:
        graph.add((paging, HYDRA.previousPage, Literal(f"{base_url}/catalog.{fmt}?page={page - 1}{query}")))
    return graph


def serialize(graph: Graph, fmt: str) -> bytes:
    syntax, _mime = FORMATS[fmt]
    options: dict[str, Any] = {"format": syntax}
    if syntax == "json-ld":
        options["context"] = CONTEXT
        options["auto_compact"] = True
    out = graph.serialize(**options)
    return out.encode("utf-8") if isinstance(out, str) else out
