"""Japanese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language; Kaidan is a Japanese municipality's
system, so the interface starts in Japanese for everyone and English is an explicit choice (the header
switch, remembered in a cookie).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class JapaneseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
