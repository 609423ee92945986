"""Invitations of partner staff by e-mail (sent through a real SMTP server): a single-use link, valid for
7 days, that creates the account and membership; the new account sees only what its organization was granted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kaidan.accounts.models import Membership, User
from kaidan.audit.models import AuditEntry
from kaidan.core.errors import Forbidden
from kaidan.sharing.models import Invitation
from kaidan.sharing.services import grant_access, invitable_roles, invite, revoke_invitation

from .conftest import mail_body

pytestmark = pytest.mark.django_db
PASSWORD = "kaidan-partner-staircase-9"


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/accept/[^/\s]+/)", mail_body(message))
    assert match, mail_body(message)
    return match.group(1)


def test_a_partner_invited_by_mail_sees_only_its_granted_rows_and_columns(
    client, dataset, make_dataset, world, manager, smtp_server, settings
):
    settings.BASE_URL = "https://kaidan.city.example.lg.jp"
    other = make_dataset("other")
    grant_access(
        dataset, actor=manager, organization=world.shakyo, row_filter=[{"field": "担当", "op": "viewer_org"}]
    )
    client.force_login(manager)

    response = client.post(
        reverse("sharing_site:invitations"),
        {"email": "sato@shakyo.example.jp", "organization": world.shakyo.pk, "role": "viewer"},
    )
    assert response.status_code == 302
    [mail] = smtp_server.messages
    assert mail["To"] == "sato@shakyo.example.jp"
    body = mail_body(mail)
    assert "社会福祉協議会" in body and "7" in body
    assert "https://kaidan.city.example.lg.jp/invitations/accept/" in body
    link = _link(mail)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not Invitation.objects.filter(token_hash=token).exists()  # only the hash is stored

    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "社会福祉協議会" in page.content.decode()
    weak = client.post(link, {"username": "sato", "password1": "password", "password2": "password"})
    assert weak.status_code == 400 and weak.context["form"].errors["password1"]
    done = client.post(link, {"username": "sato", "password1": PASSWORD, "password2": PASSWORD})
    assert done["Location"] == reverse("core:staff_home")

    sato = User.objects.get(username="sato")
    assert sato.email == "sato@shakyo.example.jp"
    assert Membership.objects.get(user=sato).organization == world.shakyo
    page = client.get(reverse("catalog:dataset", args=[dataset.name]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "高橋美咲" not in html  # 氏名 is 秘, above the grant's clearance
    assert "三宿" in html and "池尻" in html  # 社会福祉協議会's rows
    assert "太子堂" not in html  # a row of another partner
    assert client.get(reverse("catalog:dataset", args=[other.name])).status_code == 404
    assert client.get(reverse("sharing:dataset", args=[dataset.name])).status_code == 403

    again = client.get(link)
    assert again.status_code == 410 and "already been used" not in again.content.decode()
    assert "使用済み" in again.content.decode()
    actions = list(
        AuditEntry.objects.filter(action__startswith="sharing.invitation").values_list("action", flat=True)
    )
    assert actions == ["sharing.invitation.create", "sharing.invitation.accept"]


def test_expired_and_revoked_invitations_show_a_clear_page(client, world, manager, smtp_server, make_user):
    make_user("shakyo.manager", world.shakyo, role="manager")
    invite(actor=manager_of(world), email="a@example.jp", organization=world.shakyo)
    invite(actor=manager_of(world), email="b@example.jp", organization=world.shakyo)
    expired_link, revoked_link = (_link(m) for m in smtp_server.messages)
    Invitation.objects.filter(email="a@example.jp").update(expires_at=timezone.now() - timedelta(seconds=1))
    revoke_invitation(Invitation.objects.get(email="b@example.jp"), actor=manager_of(world))

    expired = client.get(expired_link)
    assert expired.status_code == 410 and "有効期限" in expired.content.decode()
    revoked = client.get(revoked_link)
    assert revoked.status_code == 410 and "取り消" in revoked.content.decode()
    assert (
        client.post(revoked_link, {"username": "x", "password1": PASSWORD, "password2": PASSWORD}).status_code
        == 410
    )
    assert not User.objects.filter(username="x").exists()
    assert client.get("/invitations/accept/not-a-token/").status_code == 404


def manager_of(world):
    return User.objects.get(username="shakyo.manager")


def test_who_may_invite_and_with_which_role(dataset, world, manager, make_user):
    shakyo_manager = make_user("shakyo.manager", world.shakyo, role="manager")
    shakyo_viewer = make_user("shakyo.viewer", world.shakyo)
    admin = make_user("admin", world.fukushi, role="admin")
    bosai_manager = make_user("bosai.manager", world.bosai, role="manager")

    assert invitable_roles(world.shakyo, actor=shakyo_manager) == ["viewer", "editor", "manager"]
    assert invitable_roles(world.shakyo, actor=shakyo_viewer) == []
    assert invitable_roles(world.houkatsu, actor=admin) == ["viewer", "editor", "manager"]
    assert invitable_roles(world.shakyo, actor=manager) == []  # not yet sharing anything with them
    grant_access(dataset, actor=manager, organization=world.shakyo)
    assert invitable_roles(world.shakyo, actor=manager) == ["viewer", "editor"]
    assert invitable_roles(world.shakyo, actor=bosai_manager) == []
    with pytest.raises(Forbidden):
        invite(actor=bosai_manager, email="x@example.jp", organization=world.shakyo)
    with pytest.raises(ValidationError):
        invite(actor=manager, email="x@example.jp", organization=world.shakyo, role="manager")


def test_a_failed_mail_leaves_no_invitation(world, make_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nobody listens
    shakyo_manager = make_user("shakyo.manager", world.shakyo, role="manager")
    with pytest.raises(OSError):
        invite(actor=shakyo_manager, email="x@example.jp", organization=world.shakyo)
    assert not Invitation.objects.exists()
    assert not AuditEntry.objects.filter(action="sharing.invitation.create").exists()


def test_the_invitations_page_lists_pending_ones_and_revokes(client, world, make_user, smtp_server):
    shakyo_manager = make_user("shakyo.manager", world.shakyo, role="manager")
    invite(actor=shakyo_manager, email="pending@example.jp", organization=world.shakyo)
    client.force_login(shakyo_manager)
    page = client.get(reverse("sharing_site:invitations"))
    assert "pending@example.jp" in page.content.decode()
    invitation = Invitation.objects.get()
    client.post(reverse("sharing_site:invitation_revoke", args=[invitation.pk]))
    assert client.get(reverse("sharing_site:invitations")).context["invitations"] == []
    assert AuditEntry.objects.filter(action="sharing.invitation.revoke").exists()


def test_people_who_may_not_invite_get_403(client, world, make_user):
    client.force_login(make_user("shakyo.viewer", world.shakyo))
    assert client.get(reverse("sharing_site:invitations")).status_code == 403


def test_the_page_says_when_the_mail_could_not_be_sent(client, world, make_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    client.force_login(make_user("shakyo.manager", world.shakyo, role="manager"))
    response = client.post(
        reverse("sharing_site:invitations"),
        {"email": "x@example.jp", "organization": world.shakyo.pk, "role": "viewer"},
    )
    assert response.status_code == 400
    assert "メールを送れなかった" in response.content.decode()
    assert not Invitation.objects.exists()
