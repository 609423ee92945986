"""Remember where a request comes from, so audit entries written by services can say so."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import current_source


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is spoofable unless a trusted proxy rewrites it.
    return str(request.META.get("REMOTE_ADDR", "")) or "unknown"


class AuditSourceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_source.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_source.reset(token)
