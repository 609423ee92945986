"""DCAT at ckanext-dcat's URLs (parsed with rdflib), a Frictionless data package that validates offline,
and GeoJSON of the rows with coordinates."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, RDF

pytestmark = pytest.mark.django_db
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")


@pytest.mark.parametrize(("fmt", "syntax"), [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")])
def test_the_catalogue_is_dcat_in_every_serialization_with_hydra_paging(client, ward, fmt, syntax):
    response = client.get(f"/catalog.{fmt}")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=syntax)
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 1
    titles = [str(t) for t in graph.objects(datasets[0], DCTERMS.title)]
    assert titles == [ward.title]
    distributions = list(graph.objects(datasets[0], DCAT.distribution))
    assert len(distributions) == 4
    assert any(
        str(u).endswith("/dataset/aed/download?format=csv")
        for d in distributions
        for u in graph.objects(d, DCAT.downloadURL)
    )
    paging = next(graph.subjects(RDF.type, HYDRA.PagedCollection))
    assert int(next(graph.objects(paging, HYDRA.totalItems))) == 1
    assert str(next(graph.objects(paging, HYDRA.lastPage))).endswith(f"/catalog.{fmt}?page=1")
    assert not list(graph.objects(paging, HYDRA.nextPage))


def test_the_jsonld_context_is_inlined(client, ward):
    document = json.loads(client.get("/catalog.jsonld").content)
    assert isinstance(document["@context"], dict) and document["@context"]["dcat"] == str(DCAT)


def test_modified_since_filters_and_a_page_past_the_end_is_empty(client, ward):
    later = client.get("/catalog.ttl", {"modified_since": "2999-01-01T00:00:00"})
    assert not list(Graph().parse(data=later.content, format="turtle").subjects(RDF.type, DCAT.Dataset))
    beyond = client.get("/catalog.ttl", {"page": 5})
    assert not list(Graph().parse(data=beyond.content, format="turtle").subjects(RDF.type, DCAT.Dataset))


def test_one_dataset_by_name_or_id_and_nothing_unpublished(client, ward):
    by_name = Graph().parse(data=client.get("/dataset/aed.ttl").content, format="turtle")
    assert len(list(by_name.subjects(RDF.type, DCAT.Dataset))) == 1
    package_id = client.get("/api/3/action/package_show", {"id": "aed"}).json()["result"]["id"]
    assert client.get(f"/dataset/{package_id}.rdf").status_code == 200
    for hidden in ("mimamori", "budget-draft"):
        assert client.get(f"/dataset/{hidden}.ttl").status_code == 404
        assert client.get(f"/dataset/{hidden}/datapackage.json").status_code == 404
        assert client.get(f"/dataset/{hidden}/geojson").status_code == 404


def test_the_data_package_validates_offline_with_frictionless(client, ward, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    descriptor = client.get("/dataset/aed/datapackage.json").json()
    assert descriptor["profile"] == "tabular-data-package"
    resource = descriptor["resources"][0]
    assert [f["name"] for f in resource["schema"]["fields"]][:2] == ["都道府県コード又は市区町村コード", "NO"]
    csv = b"".join(client.get("/dataset/aed/download?format=csv").streaming_content)
    (tmp_path / "aed.csv").write_bytes(csv)
    resource["path"] = (
        "aed.csv"  # the published descriptor points at the live export URL; offline: the download
    )
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_geojson_has_a_point_per_row_with_coordinates(client, ward):
    response = client.get("/dataset/aed/geojson")
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == ward.row_count
    point = collection["features"][0]
    assert point["geometry"]["type"] == "Point"
    longitude, latitude = point["geometry"]["coordinates"]
    assert 122 < longitude < 154 and 20 < latitude < 46  # inside Japan
    assert "名称" in point["properties"]


def test_feeds_sitemap_robots_and_conditional_get(client, ward):
    from xml.etree import ElementTree

    feed = client.get("/opendata/feed.atom")
    atom = ElementTree.fromstring(feed.content)  # noqa: S314 — our own response
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert feed["Content-Type"].startswith("application/atom+xml") and len(entries) == 1
    assert client.get("/opendata/feed.atom", headers={"If-None-Match": feed["ETag"]}).status_code == 304
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/dataset/aed/" in sitemap and "mimamori" not in sitemap  # the portal page
    assert "Sitemap:" in client.get("/robots.txt").content.decode()
    api = client.get("/api/3/action/package_show", {"id": "aed"})
    assert (
        api["ETag"]
        and client.get(
            "/api/3/action/package_show", {"id": "aed"}, headers={"If-None-Match": api["ETag"]}
        ).status_code
        == 304
    )
