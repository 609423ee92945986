"""Japanese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language; Kaidan is a Japanese municipality's
system, so the interface starts in Japanese for everyone and English is an explicit choice (the header
switch, remembered in a cookie).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse
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
