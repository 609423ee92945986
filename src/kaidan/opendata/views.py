"""The CKAN Action API endpoint: `/api/3/action/<name>` and `/api/action/<name>`, GET or POST (JSON body).

The envelope and the error statuses are CKAN's (ckan/views/api.py): `{help, success, result}`; errors
`{help, success: false, error: {__type, message, …}}` with 404, 403, 409 and 400; an unknown action is a 400
whose body is the JSON string "Bad request - Action name not known: <name>". CORS is open (read-only data).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .actions import ACTIONS, ActionError, Context


def _cors(response: HttpResponse) -> HttpResponse:
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


@csrf_exempt
def action_view(request: HttpRequest, action: str) -> HttpResponse:
    name = action
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    base_url = f"{request.scheme}://{request.get_host()}"
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
    return _cors(JsonResponse(body, json_dumps_params={"ensure_ascii": False}))
