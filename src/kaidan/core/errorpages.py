"""The error pages (400, 403, 404, 500): styled, translated, with a way back.

Django's own handlers would do, but Kaidan wants a link back to the page the visitor came from (only
when it was a page of this site) and the 500 page must render with nothing that may itself be broken:
no database, no context processors, no session, so it is rendered from a plain Context.
"""

from __future__ import annotations

from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def back_url(request: HttpRequest) -> str:
    """The page the visitor came from, when it is a page of this site (else empty: no open redirect)."""
    referer = str(request.META.get("HTTP_REFERER", ""))
    if not referer or referer == request.build_absolute_uri():
        return ""
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return referer


def _render(
    request: HttpRequest, template: str, status_class: type[HttpResponse], **extra: Any
) -> HttpResponse:
    context = {"back_url": back_url(request), **extra}
    return status_class(loader.render_to_string(template, context, request))


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _render(request, "400.html", HttpResponseBadRequest)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The message of a PermissionDenied is written for the user (kaidan.core.errors.Forbidden and views).
    message = str(exception) if exception.args else ""
    return _render(request, "403.html", HttpResponseForbidden, message=message)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check (usually an old page or an expired session): say what to do."""
    message = _("The form could not be accepted: the page was open too long or sent from elsewhere.")
    hint = _("Please reload the page, then try again.")
    return _render(request, "403.html", HttpResponseForbidden, message=message, hint=hint)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Never the exception's text: a NotFound must not say what was not found.
    return _render(request, "404.html", HttpResponseNotFound)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        back = back_url(request)
    except Exception:  # a broken Host header must not break the error page
        back = ""
    # No request passed: no context processors run (they may touch the session or the database).
    return HttpResponseServerError(loader.render_to_string("500.html", {"back_url": back}))
