"""`kaidan demo` fills a demo ward and can be run again safely."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kaidan.accounts.models import Membership, Organization, User
from kaidan.core.demo import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Organization.objects.count(), User.objects.count(), Membership.objects.count()


def test_demo_is_idempotent_and_prints_the_logins():
    first = StringIO()
    call_command("demo", stdout=first)
    counts = _counts()
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-admin-1")
    admin.save()

    second = StringIO()
    call_command("demo", stdout=second)

    assert _counts() == counts
    assert counts == (12, len(USERS), len(USERS))
    output = first.getvalue()
    assert DEMO_PASSWORD in output
    for spec in USERS:
        assert spec.username in output
    assert "システム管理者" in output  # role labels in Japanese
    # A second run does not reset passwords that users have changed.
    assert User.objects.get(username="admin").check_password("changed-by-the-admin-1")


def test_demo_users_can_log_in_with_the_demo_password(client):
    call_command("demo", stdout=StringIO())

    response = client.post("/accounts/login/", {"username": "fukushi.editor", "password": DEMO_PASSWORD})

    assert response["Location"] == "/staff/"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.memberships.get().role == "admin"


def test_the_demo_ward_shows_sharing_at_work(client):
    """The demo has data: a public AED list, a 限定 register shared with partners by row scope, with 秘
    columns, a saved view and an edit in its history, and an undecided budget draft."""
    from kaidan.accounts.models import User
    from kaidan.catalog.models import Dataset

    call_command("demo", stdout=StringIO())
    assert set(Dataset.objects.values_list("name", flat=True)) == {
        "aed",
        "mimamori",
        "budget-draft",
        "procedure-sodai-gomi",  # the demo procedures' applications (kaidan.procedures)
        "procedure-jidou-teate-genkyo",
        "procedure-kumin-no-koe",
        "postal-codes",  # the address lookup of the procedures' forms
        "budget",  # analysis (kaidan.charts.demo): the real Setagaya budget, facilities, residents' voices
        "facilities",
        "voices",
    }
    client.force_login(User.objects.get(username="shakyo.staff"))
    page = client.get("/datasets/mimamori/").content.decode()
    assert "20 行" in page and "池尻地域包括支援センター</td>" not in page and "（架空）" not in page
    assert client.get("/datasets/budget-draft/").status_code == 404
    client.force_login(User.objects.get(username="houkatsu.staff"))
    page = client.get("/datasets/mimamori/").content.decode()
    assert "10 行" in page and "（架空）" in page and 'data-editable="true"' in page
    client.force_login(User.objects.get(username="fukushi.editor"))
    assert "池尻地区" in client.get("/datasets/mimamori/").content.decode()
    assert client.get("/datasets/mimamori/revisions/").status_code == 200
    assert Dataset.objects.get(name="mimamori").current_revision == 2
