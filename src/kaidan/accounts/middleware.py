"""Two-factor authentication is enforced here.

Administrators may not use the site until two-factor authentication is set up and verified, and anyone
with a device must have given a code in this session. The admin site's own login (password only) is
replaced by Kaidan's two-step login.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .twofactor import confirmed_device, requires_two_factor

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class RequireTwoFactorForAdminsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == reverse("admin:login"):
            next_url = request.GET.get("next") or reverse("admin:index")
            return redirect_to_login(next_url)
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and (requires_two_factor(user) or confirmed_device(user) is not None)
        ):
            return redirect("accounts:two_factor_setup")
        return self.get_response(request)
