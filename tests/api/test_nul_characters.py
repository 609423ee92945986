"""A NUL character in a request's parameters is bad input, not a server error: PostgreSQL cannot store or
compare text holding one, so every request carrying one is refused with 400 before any view runs, on SQLite
and PostgreSQL alike (kaidan.core.middleware.RefuseNulMiddleware). Found by the schemathesis run."""

from __future__ import annotations

import pytest

from .conftest import bearer

pytestmark = pytest.mark.django_db


def test_the_rest_api_refuses_a_nul_in_a_search_with_a_clear_400(world, token_for):
    api = bearer(token_for(world["owner"]))
    response = api.get("/api/v1/datasets", {"search": "A\x00B"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "rejected" and "NUL 文字" in error["message_ja"] and "NUL" in error["message_en"]
    assert api.get("/api/v1/datasets", {"search": "AB"}).status_code == 200


def test_the_ckan_api_and_the_pages_refuse_it_too(client):
    assert client.get("/api/3/action/package_search", {"q": "\x00"}).status_code == 400
    assert client.get("/search/", {"q": "相談\x00"}).status_code == 400
    assert (
        client.post(
            "/api/3/action/package_search", '{"q": "\\u0000"}', content_type="application/json"
        ).status_code
        == 400
    )
