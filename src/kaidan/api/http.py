"""The API's HTTP adapter: one NinjaAPI, its authentication and its error envelope.

Authentication is a bearer token (`Authorization: Bearer kaidan_…`, kaidan.api.services.authenticate:
every use audited) or, for staff trying the API in the browser, their session (with CSRF on writes).
Either way the endpoints pass the resulting actor to Kaidan's own services and selectors, which decide
access (kaidan.access.services): nothing here authorizes.

Every error is answered with one shape, whatever raised it:

    {"error": {"code": "not_found", "message": "…", "problems": [{"row": 3, "column": "…", "value": "…",
     "message": "…", "message_ja": "…", "message_en": "…"}]}}

`message` is in the request's language (Accept-Language; Japanese by default), `message_ja` and
`message_en` in both. Domain errors (kaidan.core.errors) are mapped once here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from kaidan.access.actors import Actor
from kaidan.catalog.query import QueryError
from kaidan.catalog.services import ExportRejected
from kaidan.core.errors import DomainError, Forbidden, NotFound
from kaidan.editing.services import EditRejected, StaleRecord
from kaidan.ingest.exceptions import ImportRejected
from kaidan.values.messages import Message, gettext_noop

from .services import authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: a business system's API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate(token, source=f"{request.method} {request.path}"[:200])


class StaffSession(APIKeyCookie):
    """A logged-in staff member's session (the browser, the interactive page). Writes need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated else None


DESCRIPTION = """
Kaidan's REST API for business systems and staff: datasets, records, bulk upsert by key, revisions and
diffs, exports. Authenticate with `Authorization: Bearer <token>` (tokens are created by an
organization's managers: `kaidan token create`, or the API tokens page) or a staff session.

A token acts for its organization: it sees and changes only what the organization may, capped by the
token's scopes (operations) and clearance. Errors are JSON: `{"error": {"code", "message", "problems"}}`.
"""

api = NinjaAPI(
    title="Kaidan API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[BearerToken(), StaffSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def actor_of(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _text(message: Any) -> dict[str, str]:
    if isinstance(message, Message):
        return {"message": str(message), "message_ja": message.ja, "message_en": message.en}
    with translation.override("ja"):
        ja = str(message)
    with translation.override("en"):
        en = str(message)
    return {"message": str(message), "message_ja": ja, "message_en": en}


def error(
    request: HttpRequest, status: int, code: str, message: Any, problems: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body = {"error": {"code": code, **_text(message), "problems": problems or []}}
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


CODES: dict[type[DomainError], str] = {NotFound: "not_found", Forbidden: "forbidden"}


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    code = next((c for kind, c in CODES.items() if isinstance(exc, kind)), "rejected")
    return error(request, exc.status, code, exc.message)


@api.exception_handler(EditRejected)
def _edit(request: HttpRequest, exc: EditRejected) -> HttpResponse:
    problems = [{"row": p.row, "column": p.field, "value": None, **_text(p.message)} for p in exc.problems]
    return error(request, 422, "invalid", Message(gettext_noop("The change was refused.")), problems)


@api.exception_handler(StaleRecord)
def _stale(request: HttpRequest, exc: StaleRecord) -> HttpResponse:
    return error(request, 409, "conflict", exc.message())


@api.exception_handler(ImportRejected)
def _import(request: HttpRequest, exc: ImportRejected) -> HttpResponse:
    problems = [
        {"row": r.row, "column": r.column, "value": r.value, **_text(r.reason)} for r in exc.rejected[:1000]
    ]
    return error(request, 422, "invalid", exc.message, problems)


@api.exception_handler(QueryError)
def _query(request: HttpRequest, exc: QueryError) -> HttpResponse:
    return error(request, 400, "bad_query", exc.args[0] if exc.args else str(exc))


@api.exception_handler(ExportRejected)
def _export(request: HttpRequest, exc: ExportRejected) -> HttpResponse:
    return error(request, 400, "bad_request", str(exc))


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(
        request,
        401,
        "unauthorized",
        Message(gettext_noop("A valid API token (Authorization: Bearer …) or a staff session is needed.")),
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = [
        {
            "row": None,
            "column": ".".join(str(part) for part in e.get("loc", ())),
            "value": None,
            "message": str(e.get("msg", "")),
            "message_ja": str(e.get("msg", "")),
            "message_en": str(e.get("msg", "")),
        }
        for e in exc.errors[:100]
    ]
    return error(
        request, 422, "invalid_request", Message(gettext_noop("The request is not valid.")), problems
    )


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, "http_error", str(exc))
