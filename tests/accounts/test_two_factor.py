"""TOTP two-factor authentication: optional for staff, required for administrators."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaidan.accounts.views import MAX_TOKEN_ATTEMPTS
from kaidan.audit.models import AuditEntry

from .totp import totp_code, wrong_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp_throttle")]

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
SETUP = reverse("accounts:two_factor_setup")
STAFF_HOME = reverse("core:staff_home")


def _password_step(client, username: str = "tanaka"):
    return client.post(LOGIN, {"username": username, "password": "correct-horse-battery"})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff_with_device(make_org, make_user, confirmed_device):
    user = make_user("tanaka", make_org("bosai"), role="editor")
    return user, confirmed_device(user)


def test_a_user_with_a_device_logs_in_in_two_steps(client, staff_with_device):
    _user, device = staff_with_device

    response = _password_step(client)
    assert response["Location"] == VERIFY
    assert not _logged_in(client)
    assert client.get(STAFF_HOME).status_code == 302

    response = client.post(VERIFY, {"token": totp_code(device)})

    assert response["Location"] == STAFF_HOME
    assert _logged_in(client)
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get(STAFF_HOME).status_code == 200


def test_the_code_step_keeps_the_next_url(client, staff_with_device):
    _user, device = staff_with_device
    client.post(LOGIN, {"username": "tanaka", "password": "correct-horse-battery", "next": "/staff/?tab=2"})

    assert client.post(VERIFY, {"token": totp_code(device)})["Location"] == "/staff/?tab=2"


def test_a_wrong_code_is_refused(client, staff_with_device):
    _user, device = staff_with_device
    _password_step(client)

    response = client.post(VERIFY, {"token": wrong_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not _logged_in(client)
    assert AuditEntry.objects.filter(action="auth.two_factor_failed").count() == 1
    # The right code still works afterwards.
    assert client.post(VERIFY, {"token": totp_code(device)})["Location"] == STAFF_HOME


def test_a_code_cannot_be_used_twice(client, staff_with_device):
    _user, device = staff_with_device
    code = totp_code(device)
    _password_step(client)
    client.post(VERIFY, {"token": code})
    client.post(reverse("accounts:logout"))

    _password_step(client)
    response = client.post(VERIFY, {"token": code})

    assert response.status_code == 200
    assert not _logged_in(client)


def test_five_wrong_codes_end_the_attempt(client, staff_with_device):
    _user, device = staff_with_device
    _password_step(client)
    for _ in range(MAX_TOKEN_ATTEMPTS - 1):
        assert client.post(VERIFY, {"token": wrong_code(device)}).status_code == 200

    response = client.post(VERIFY, {"token": wrong_code(device)})

    assert response["Location"] == LOGIN
    # Even the right code no longer helps: the password step must be done again.
    assert client.post(VERIFY, {"token": totp_code(device)})["Location"] == LOGIN
    assert not _logged_in(client)


def test_the_code_step_without_a_password_step_goes_back_to_login(client):
    assert client.get(VERIFY)["Location"] == LOGIN


def test_staff_without_a_device_are_not_forced_to_set_one_up(client, make_org, make_user):
    make_user("tanaka", make_org("bosai"), role="manager")

    assert _password_step(client)["Location"] == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200


@pytest.mark.parametrize("kind", ["superuser", "admin role"])
def test_admin_must_set_up_two_factor_before_using_the_site(client, make_org, make_user, kind):
    if kind == "superuser":
        make_user("tanaka", is_superuser=True, is_staff=True)
    else:
        make_user("tanaka", make_org("dx"), role="admin")

    assert _password_step(client)["Location"] == STAFF_HOME
    for path in ["/", STAFF_HOME, "/admin/", "/some/later/feature/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == SETUP, path

    page = client.get(SETUP)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user__username="tanaka", confirmed=False)
    assert page.context["secret"].replace(" ", "") in device.config_url

    wrong = client.post(SETUP, {"token": wrong_code(device)})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["token"]

    assert client.post(SETUP, {"token": totp_code(device)})["Location"] == STAFF_HOME
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(STAFF_HOME).status_code == 200
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.two_factor_enabled").count() == 1


def test_reloading_the_setup_page_keeps_the_same_key(client, make_user):
    make_user("tanaka", is_superuser=True)
    client.post(LOGIN, {"username": "tanaka", "password": "correct-horse-battery"})

    first = client.get(SETUP).context["secret"]

    assert client.get(SETUP).context["secret"] == first
    assert TOTPDevice.objects.filter(user__username="tanaka").count() == 1


def test_an_enrolled_admin_logs_in_with_a_code_and_may_use_the_site(client, make_user, confirmed_device):
    device = confirmed_device(make_user("tanaka", is_superuser=True))

    assert _password_step(client)["Location"] == VERIFY
    assert client.post(VERIFY, {"token": totp_code(device)})["Location"] == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200
    assert client.get(SETUP).templates[0].name == "accounts/two_factor_done.html"


def test_a_session_without_the_code_step_cannot_enrol_another_device(client, make_user, confirmed_device):
    """E.g. a password-only login through /admin/login/ must not let anyone replace the admin's device."""
    admin = make_user("tanaka", is_superuser=True, is_staff=True)
    device = confirmed_device(admin)
    client.force_login(admin)  # logged in with the password only

    assert client.get(STAFF_HOME)["Location"] == SETUP
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "<svg" not in page.content.decode()  # no new key is shown
    assert TOTPDevice.objects.filter(user=admin).count() == 1

    assert client.post(SETUP, {"token": totp_code(device)})["Location"] == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200
    assert TOTPDevice.objects.filter(user=admin).count() == 1


def test_a_staff_session_without_the_code_step_must_still_give_the_code(client, staff_with_device):
    user, device = staff_with_device
    client.force_login(user)

    assert client.get(STAFF_HOME)["Location"] == SETUP
    assert client.post(SETUP, {"token": totp_code(device)})["Location"] == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200


def test_admin_site_login_goes_through_the_two_step_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_five_wrong_codes_after_a_password_only_login_log_the_user_out(client, staff_with_device):
    user, device = staff_with_device
    client.force_login(user)
    for _ in range(MAX_TOKEN_ATTEMPTS - 1):
        assert client.post(SETUP, {"token": wrong_code(device)}).status_code == 200

    assert client.post(SETUP, {"token": wrong_code(device)})["Location"] == LOGIN
    assert not _logged_in(client)


def test_a_device_paused_after_wrong_codes_says_so(client, staff_with_device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    _user, device = staff_with_device
    _password_step(client)
    client.post(VERIFY, {"token": wrong_code(device)})

    client.cookies["django_language"] = "en"
    response = client.post(VERIFY, {"token": totp_code(device)})

    assert response.status_code == 200
    assert not _logged_in(client)
    [error] = response.context["form"].errors["token"]
    assert "Wait a few seconds" in error
