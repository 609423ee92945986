"""Login with optional TOTP second step, two-factor enrolment, and Django's password reset."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from kaidan.audit.services import record

from .forms import TokenForm
from .twofactor import confirmed_device, grouped_key, pending_device, qr_svg, requires_two_factor

PENDING_KEY = "kaidan_pending_2fa_user"
RECHECK_TRIES_KEY = "kaidan_2fa_recheck_tries"
MAX_TOKEN_ATTEMPTS = 5


def _check_token(device: Any, token: str) -> tuple[bool, str]:
    """Verify a code; on failure also say why (django-otp pauses a device after wrong codes)."""
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        return False, _("Too many wrong codes in a row. Wait a few seconds, then enter the current code.")
    if device.verify_token(token):
        return True, ""
    return False, _("The code is not correct.")


class LoginView(auth_views.LoginView):
    """First step: password. Users with a confirmed TOTP device continue to the code step."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if confirmed_device(user) is not None:
            self.request.session[PENDING_KEY] = {"id": user.pk, "next": self.get_success_url(), "tries": 0}
            return redirect("accounts:login_verify")
        return super().form_valid(form)


@sensitive_post_parameters("token")
def login_verify(request: HttpRequest) -> HttpResponse:
    pending: dict[str, Any] | None = request.session.get(PENDING_KEY)
    user = get_user_model().objects.filter(pk=pending["id"]).first() if pending else None
    device = confirmed_device(user) if user is not None else None
    if pending is None or user is None or device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, error = _check_token(device, form.cleaned_data["token"])
        if ok:
            del request.session[PENDING_KEY]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            target = pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL)
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = resolve_url(settings.LOGIN_REDIRECT_URL)
            return HttpResponseRedirect(target)
        pending["tries"] += 1
        record("auth.two_factor_failed", user, actor=user)
        if pending["tries"] >= MAX_TOKEN_ATTEMPTS:
            del request.session[PENDING_KEY]
            messages.error(request, _("Too many wrong codes. Please log in again."))
            return redirect("accounts:login")
        request.session[PENDING_KEY] = pending
        form.add_error("token", error)
    return render(request, "accounts/login_verify.html", {"form": form})


@login_required
@sensitive_post_parameters("token")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: show the QR code and secret, confirm with a first code.

    A user who already has a device but whose session skipped the code step (for example a
    password-only login elsewhere) is asked for a code from that device; they cannot enrol another one.
    """
    existing = confirmed_device(request.user)
    if existing is not None:
        if request.user.is_verified():  # type: ignore[union-attr,attr-defined]
            return render(request, "accounts/two_factor_done.html", {"device": existing})
        return _recheck(request, existing)
    device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, error = _check_token(device, form.cleaned_data["token"])
        if ok:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record("auth.two_factor_enabled", request.user, actor=request.user)
            messages.success(request, _("Two-factor authentication is now on."))
            return redirect("core:staff_home")
        form.add_error("token", error)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": qr_svg(device),
            "secret": grouped_key(device),
            "required": requires_two_factor(request.user),
        },
    )


def _recheck(request: HttpRequest, device: Any) -> HttpResponse:
    """Ask a logged-in user for a code from their existing device; too many wrong codes log them out."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, error = _check_token(device, form.cleaned_data["token"])
        if ok:
            request.session.pop(RECHECK_TRIES_KEY, None)
            otp_login(request, device)
            return redirect("core:staff_home")
        record("auth.two_factor_failed", request.user, actor=request.user)
        tries = int(request.session.get(RECHECK_TRIES_KEY, 0)) + 1
        if tries >= MAX_TOKEN_ATTEMPTS:
            logout(request)
            messages.error(request, _("Too many wrong codes. Please log in again."))
            return redirect("accounts:login")
        request.session[RECHECK_TRIES_KEY] = tries
        form.add_error("token", error)
    return render(request, "accounts/login_verify.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a reset link. The link is built from KAIDAN_BASE_URL, never from the request's Host header,
    which anyone can forge to make the mail point to their own site (password-reset poisoning)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        self.extra_email_context = {"base_url": settings.BASE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
