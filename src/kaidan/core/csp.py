"""Content-Security-Policy on every response: scripts and styles only from Kaidan's own static files, no
plugins, no framing, forms only to Kaidan. Templates hold no inline script, style or event handler, and
htmx runs with eval and script tags off (the htmx-config meta tag in kaidan/base.html).

``KAIDAN_CSP_REPORT_ONLY=1`` sends the same policy as Content-Security-Policy-Report-Only instead (the
browser reports what it would block, blocks nothing): a way to try it on a customised installation.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def header_name() -> str:
    if getattr(settings, "CSP_REPORT_ONLY", False):
        return "Content-Security-Policy-Report-Only"
    return "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        name = header_name()
        if name not in response:  # a view may set a stricter one
            response[name] = POLICY
        return response
