"""Login with optional TOTP second step, two-factor enrolment, and Django's password reset."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from kaidan.audit.services import record

from .forms import TokenForm
from .twofactor import confirmed_device, pending_device, qr_svg

PENDING_KEY = "kaidan_pending_2fa_user"
MAX_TOKEN_ATTEMPTS = 5


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
    if not pending:
        return redirect("accounts:login")
    user = get_user_model().objects.get(pk=pending["id"])
    device = confirmed_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and device is not None:
        if device.verify_token(form.cleaned_data["token"]):
            del request.session[PENDING_KEY]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            target = pending.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return HttpResponseRedirect(target)
        pending["tries"] += 1
        record(user, "auth.two_factor_failed", user)
        if pending["tries"] >= MAX_TOKEN_ATTEMPTS:
            del request.session[PENDING_KEY]
            messages.error(request, _("Too many wrong codes. Please log in again."))
            return redirect("accounts:login")
        request.session[PENDING_KEY] = pending
        form.add_error("token", _("The code is not correct."))
    return render(request, "accounts/login_verify.html", {"form": form})


@login_required
@sensitive_post_parameters("token")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: show the QR code and secret, confirm with a first code."""
    existing = confirmed_device(request.user)
    if existing is not None and request.user.is_verified():  # type: ignore[union-attr,attr-defined]
        return render(request, "accounts/two_factor_done.html", {"device": existing})
    device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(request.user, "auth.two_factor_enabled", request.user)
            messages.success(request, _("Two-factor authentication is now on."))
            return redirect("core:staff_home")
        form.add_error("token", _("The code is not correct."))
    secret = device.bin_key.hex()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr": qr_svg(device), "secret": _base32(device.bin_key), "hex": secret},
    )


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode().rstrip("=")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
