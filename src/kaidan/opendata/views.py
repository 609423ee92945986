"""The CKAN Action API endpoint: `/api/3/action/<name>` and `/api/action/<name>`, GET or POST (JSON body).

The envelope and the error statuses are CKAN's (ckan/views/api.py): `{help, success, result}`; errors
`{help, success: false, error: {__type, message, …}}` with 404, 403, 409 and 400; an unknown action is a 400
whose body is the JSON string "Bad request - Action name not known: <name>". CORS is open (read-only data).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from . import catalog
from .actions import ACTIONS, ActionError, Context

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def site_url(request: HttpRequest) -> str:
    """The site's address (scheme and host, no trailing slash) for links in open-data answers."""
    return request.build_absolute_uri("/").rstrip("/")


def _cors(response: ResponseT) -> ResponseT:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-CKAN-API-Key"
    return response


def _params(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in request.GET:
        values = request.GET.getlist(key)
        params[key] = values[0] if len(values) == 1 else values
    if request.method == "POST":
        if request.content_type == "application/json" or request.body[:1] in (b"{", b"["):
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the request body must be a JSON object")
            params.update(body)
        else:
            params.update({k: request.POST[k] for k in request.POST})
    return params


ANSWERS_KEPT = 512
_answers: OrderedDict[str, tuple[object, bytes, str]] = OrderedDict()
_answers_lock = threading.Lock()


def _kept_answer(request: HttpRequest, name: str, base_url: str) -> tuple[str, object] | None:
    """(key, version) under which a GET `package_search` answer is kept, its version being the published
    catalogue's package list itself: kaidan.opendata.catalog keeps that very list while nothing it is made
    of changed (in any process: its stamps) and makes a new one otherwise, and the answer is a function of
    that list and the query alone. A kept answer is served only while its list is the current one (`is`:
    the entry holds the list, so its identity cannot be reused), so no change is ever missed."""
    if name != "package_search" or request.method != "GET":
        return None
    return f"{base_url}{request.get_full_path()}", catalog.published_packages(base_url)


@csrf_exempt
def action_view(request: HttpRequest, action: str) -> HttpResponse:
    name = action
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    base_url = site_url(request)
    kept = _kept_answer(request, name, base_url)
    if kept is not None:
        key, version = kept
        with _answers_lock:
            answer = _answers.get(key)
        if answer is not None and answer[0] is version:
            response = HttpResponse(answer[1], content_type="application/json")
            return _cors(_etag(request, response, answer[2]))
    prefix = request.path.rsplit("/", 1)[0]
    function = ACTIONS.get(name)
    if function is None:
        return _cors(JsonResponse(f"Bad request - Action name not known: {name}", status=400, safe=False))
    help_url = f"{base_url}{prefix}/help_show?name={name}"
    try:
        params = _params(request)
    except ValueError as exc:
        return _cors(JsonResponse(f"Bad request - JSON Error: {exc}", status=400, safe=False))
    try:
        result = function(Context(base_url, prefix), params)
    except ActionError as exc:
        body = {"help": help_url, "success": False, "error": exc.error()}
        return _cors(JsonResponse(body, status=exc.status, json_dumps_params={"ensure_ascii": False}))
    body = {"help": help_url, "success": True, "result": result}
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    tag = _tag(response.content)
    if kept is not None:
        with _answers_lock:
            _answers[kept[0]] = (kept[1], response.content, tag)
            _answers.move_to_end(kept[0])
            while len(_answers) > ANSWERS_KEPT:
                _answers.popitem(last=False)
    return _cors(_etag(request, response, tag))


def _tag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _etag(request: HttpRequest, response: HttpResponse, tag: str | None = None) -> HttpResponse:
    """A strong ETag from the answer's bytes; 304 Not Modified when the client already has them."""
    tag = tag or _tag(response.content)
    if request.method == "GET" and tag in [
        t.strip() for t in request.headers.get("If-None-Match", "").split(",")
    ]:
        response = HttpResponse(status=304)
    response["ETag"] = tag
    return response


def _published_or_404(key: str) -> Any:
    from django.http import Http404

    from . import catalog

    dataset = catalog.find_package(key)
    if dataset is None:
        raise Http404(key)
    return dataset


def catalog_rdf(request: HttpRequest, fmt: str) -> HttpResponse:
    """ckanext-dcat's catalogue endpoint: /catalog.{ttl,rdf,jsonld}?page=N&modified_since=ISO."""
    from django.utils.dateparse import parse_datetime

    from . import dcat

    try:
        page = max(1, min(int(request.GET.get("page", 1)), 10**6))
    except ValueError:
        page = 1
    since_text = request.GET.get("modified_since", "")
    since = parse_datetime(since_text) if since_text else None
    if since_text and since is None:
        return _cors(HttpResponse("modified_since: use ISO 8601", status=400, content_type="text/plain"))
    if since is not None and since.tzinfo is None:
        from datetime import UTC

        since = since.replace(tzinfo=UTC)
    base_url = site_url(request)
    graph = dcat.catalog_graph(base_url, fmt, page, since)
    return _cors(
        HttpResponse(dcat.serialize(graph, fmt), content_type=f"{dcat.FORMATS[fmt][1]}; charset=utf-8")
    )


def dataset_rdf(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """ckanext-dcat's dataset endpoint: /dataset/{name or id}.{ttl,rdf,jsonld}."""
    from . import dcat

    dataset = _published_or_404(key)
    base_url = site_url(request)
    body = dcat.serialize(dcat.dataset_graph(dataset, base_url), fmt)
    return _cors(_etag(request, HttpResponse(body, content_type=f"{dcat.FORMATS[fmt][1]}; charset=utf-8")))


def datapackage_view(request: HttpRequest, key: str) -> HttpResponse:
    """The Frictionless data package of a published dataset."""
    from . import packages

    dataset = _published_or_404(key)
    base_url = site_url(request)
    return _cors(
        JsonResponse(packages.datapackage(dataset, base_url), json_dumps_params={"ensure_ascii": False})
    )


def geojson_view(request: HttpRequest, key: str) -> HttpResponseBase:
    """The rows with coordinates as a GeoJSON FeatureCollection (streamed)."""
    from django.http import StreamingHttpResponse

    from . import packages

    dataset = _published_or_404(key)
    response = StreamingHttpResponse(packages.geojson(dataset), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{dataset.name}.geojson"'
    return _cors(response)
