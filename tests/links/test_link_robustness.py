"""Share-link pages under abuse: an absurd page number shows the last page."""

from __future__ import annotations

import pytest
from django.test import Client

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

