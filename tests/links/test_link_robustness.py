"""Share-link pages under abuse: an absurd page number shows the last page; unknown tokens tried again and
again still get a 404 but do not flood the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from kaidan.audit.models import AuditEntry

from .test_share_links import share, verify

pytestmark = pytest.mark.django_db


def test_an_absurd_page_on_a_shared_view_shows_the_last_page(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    verify(recipient, path, smtp_server)

    response = recipient.get(path, {"page": "99999999999999999999"})

    assert response.status_code == 200
    assert "池尻小学校" in response.content.decode()  # four rows: the last page is the first


def test_odd_page_texts_on_a_shared_view_are_page_one(client, ward, smtp_server):
    path = share(client, ward)
    recipient = Client()
    verify(recipient, path, smtp_server)

    for text in ("²", "-3", "abc", "0"):
        assert recipient.get(path, {"page": text}).status_code == 200


def test_unknown_tokens_are_logged_at_most_once_a_minute_per_address(ward):
    prowler = Client()
    before = AuditEntry.objects.filter(action="link.refused").count()

    statuses = {prowler.get(f"/share/{n:043d}/").status_code for n in range(50)}

    assert statuses == {404}
    added = AuditEntry.objects.filter(action="link.refused", detail__outcome="unknown_token")
    assert 1 <= added.count() <= 2 and AuditEntry.objects.filter(action="link.refused").count() - before <= 2


def test_unknown_tokens_from_another_address_are_logged_too(ward):
    Client().get("/share/" + "x" * 43 + "/")
    Client(REMOTE_ADDR="192.0.2.7").get("/share/" + "y" * 43 + "/")

    sources = set(AuditEntry.objects.filter(detail__outcome="unknown_token").values_list("source", flat=True))
    assert len(sources) == 2
