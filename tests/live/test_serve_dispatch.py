"""`kaidan serve`'s application (kaidan.asgi): the sync pages go through Django's WSGI handler in a thread
pool, the async live streams through its ASGI handler; both answer as Django would."""

from __future__ import annotations

import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.urls import reverse

from kaidan.asgi import application, is_async_view

from .test_asgi import next_event, run_async, scope_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_only_coroutine_views_go_to_the_asgi_handler():
    assert is_async_view(reverse("live:events", args=["shelters"]))
    assert not is_async_view(reverse("catalog:dataset", args=["shelters"]))
    assert not is_async_view("/robots.txt")
    assert not is_async_view("/no/such/page/")


async def _request(method: str, path: str, body: bytes = b"", query: bytes = b"") -> tuple[dict, bytes]:
    scope = scope_for(path, None)
    scope.update(method=method, query_string=query)
    if body:
        scope["headers"] = [*scope["headers"], (b"content-type", b"application/json")]
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(timeout=10)
    content = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=5)
    return start, content


def test_a_sync_page_answers_through_the_wsgi_handler_with_its_cookies_and_a_json_body():
    async def scenario() -> None:
        start, content = await _request("GET", "/robots.txt")
        assert start["status"] == 200 and b"User-agent" in content

        start, content = await _request("GET", reverse("accounts:login"))
        assert start["status"] == 200
        cookies = [v for k, v in start["headers"] if k.lower() == b"set-cookie"]
        assert any(c.startswith(b"csrftoken=") for c in cookies)  # no stray space before the value

        start, content = await _request("POST", "/api/action/status_show", body=json.dumps({}).encode())
        assert start["status"] == 200 and json.loads(content)["success"] is True

    run_async(scenario)


def test_the_live_stream_still_streams_through_kaidan_serves_application(
    client, reader, suzuki, shelters, fast_streams
):
    from asgiref.sync import sync_to_async

    from .conftest import change_cell

    client.force_login(reader)
    session = client.cookies["sessionid"].value
    path = reverse("live:events", args=[shelters.name])

    async def scenario() -> None:
        communicator = ApplicationCommunicator(application, scope_for(path, session))
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await communicator.receive_output(timeout=5)
        assert start["status"] == 200
        assert dict(start["headers"])[b"Content-Type"] == b"text/event-stream; charset=utf-8"
        preamble = await communicator.receive_output(timeout=5)
        assert b"retry:" in preamble["body"] and preamble["more_body"] is True
        number = await sync_to_async(change_cell)(suzuki, shelters, 0, "収容人数", 350)
        [event] = await next_event(communicator, timeout=3)
        assert event.event == "revision" and event.id == number
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=5)

    run_async(scenario)


def test_the_public_ckan_api_runs_without_the_signed_in_middleware_yet_keeps_the_security_headers():
    """kaidan/core/stateless.py: the API reads no session, so its chain has no session, login or lockout."""
    from django.conf import settings

    from kaidan.core.stateless import STATELESS_MIDDLEWARE, StatelessHandler, is_stateless

    assert is_stateless("/api/3/action/datastore_search") and is_stateless("/api/action/package_show")
    assert not is_stateless("/api/v1/datasets") and not is_stateless("/dataset/")
    chain = StatelessHandler()._middleware_chain
    assert chain is not None
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in STATELESS_MIDDLEWARE
    assert set(STATELESS_MIDDLEWARE) <= set(settings.MIDDLEWARE)  # a subset of the site's, never another

    async def scenario() -> None:
        start, content = await _request("GET", "/api/3/action/package_list")
        headers = {k.lower(): v for k, v in start["headers"]}
        assert start["status"] == 200 and json.loads(content)["success"] is True
        assert b"content-security-policy" in headers and headers.get(b"x-content-type-options") == b"nosniff"
        assert b"set-cookie" not in headers
        assert headers[b"access-control-allow-origin"] == b"*"

        start, _content = await _request("GET", "/api/3/action/no_such_action")
        assert start["status"] == 400

    run_async(scenario)


def test_the_api_handler_resolves_and_reverses_as_the_site_does_with_the_api_patterns_first():
    """kaidan.core.stateless_urls holds every pattern of the site, the open-data ones first: the same views
    for the API's paths, the same address for every name."""
    from django.urls import get_resolver, resolve, reverse

    from kaidan.core import stateless_urls

    site = get_resolver()
    assert len(stateless_urls.urlpatterns) == len(site.url_patterns)
    assert stateless_urls.urlpatterns[0].urlconf_name.__name__ == "kaidan.opendata.urls"
    for path in ("/api/3/action/package_search", "/api/action/datastore_search"):
        assert resolve(path, urlconf=stateless_urls).func == resolve(path).func
    for name, kwargs in [
        ("opendata:portal", {}),
        ("core:home", {}),
        ("favicon", {}),
        ("opendata:action", {"action": "x"}),
    ]:
        assert reverse(name, kwargs=kwargs, urlconf=stateless_urls) == reverse(name, kwargs=kwargs)
