"""Administrators may not use the site until two-factor authentication is set up and verified."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .twofactor import requires_two_factor

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class RequireTwoFactorForAdminsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and requires_two_factor(user)
        ):
            return redirect("accounts:two_factor_setup")
        return self.get_response(request)
