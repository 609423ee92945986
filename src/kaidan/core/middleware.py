"""Japanese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language; Kaidan is a Japanese municipality's
system, so the interface starts in Japanese for everyone and English is an explicit choice (the header
switch, remembered in a cookie).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from kaidan.core.errors import Forbidden, NotFound


class JapaneseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DomainErrorMiddleware(MiddlewareMixin):
    """The web adapter for domain errors (kaidan.core.errors): NotFound → the 404 page, Forbidden → 403."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception.detail or "")))
        if isinstance(exception, Forbidden):
            return response_for_exception(request, PermissionDenied(str(exception)))
        return None


NUL_JA = "リクエストに NUL 文字（\\0）が含まれています。取り除いてからやり直してください。"
NUL_EN = "The request contains a NUL character (\\0); remove it and try again."
NUL_MESSAGE = f"{NUL_JA} / {NUL_EN}"


def _holds_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    if any("\x00" in item for key, values in request.GET.lists() for item in [key, *values]):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if request.content_type == "application/x-www-form-urlencoded":
        return any("\x00" in item for key, values in request.POST.lists() for item in [key, *values])
    if request.content_type == "application/json":
        return b"\x00" in request.body or b"\\u0000" in request.body
    return False


class RefuseNulMiddleware:
    """Refuse, with 400, a request whose path, query or form/JSON body holds a NUL character.

    PostgreSQL cannot store or even compare text holding one (psycopg raises `DataError`), so such a value
    would reach any query that filters by it as a server error; SQLite would accept it silently. Refusing it
    at the door treats both databases alike and every view at once. File uploads (multipart) are not looked
    into: files may hold any bytes, and their text is decoded and checked by the import.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            if request.path.startswith("/api/v"):  # the REST API's one error shape (docs/api.md)
                error = {
                    "code": "rejected",
                    "message": NUL_MESSAGE,
                    "message_ja": NUL_JA,
                    "message_en": NUL_EN,
                }
                return JsonResponse({"error": error}, status=400, json_dumps_params={"ensure_ascii": False})
            if request.path.startswith("/api/"):  # the CKAN Action API's envelope
                error = {"__type": "Validation Error", "message": NUL_MESSAGE}
                body = {"success": False, "error": error}
                return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
            return response_for_exception(request, BadRequest(NUL_MESSAGE))
        return self.get_response(request)
