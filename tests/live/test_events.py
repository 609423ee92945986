"""The live event stream of a dataset (`/datasets/<name>/events`), as a reader's browser receives it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaidan.access.levels import Level
from kaidan.accounts.models import Organization

from .conftest import change_cell
from .sse import parse

pytestmark = pytest.mark.django_db


def open_stream(client, dataset, **headers):
    response = client.get(reverse("live:events", args=[dataset.name]), **headers)
    assert response.status_code == 200
    return response, iter(response.streaming_content)


def close(response):
    """Stop reading a stream as a browser going away would. The test client wraps the stream in a generator
    that closes the response without closing the test's database connection; close that one (a plain
    response.close() fires request_finished, which closes the connection of the test's transaction)."""
    response._iterator.close()


def next_messages(stream, count=1):
    """The next `count` messages (skipping keep-alive comments); fewer if the stream ends."""
    messages = []
    for chunk in stream:
        messages += [m for m in parse(chunk) if m.comment is None]
        if len(messages) >= count:
            break
    return messages


def test_the_stream_is_an_unbuffered_event_stream(client, reader, shelters, fast_streams):
    client.force_login(reader)
    response, stream = open_stream(client, shelters)
    assert response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response["Cache-Control"] == "no-cache, no-store"
    assert response["X-Accel-Buffering"] == "no"
    first = parse(next(stream))[0]
    assert first.id == shelters.current_revision  # tells EventSource where it is, without an event
    assert b"retry: 1000" in first.raw
    close(response)


def test_a_reader_gets_who_changed_how_many_rows_in_japanese_after_a_change(
    client, reader, suzuki, shelters, fast_streams
):
    client.force_login(reader)
    response, stream = open_stream(client, shelters)
    next(stream)  # the preamble
    number = change_cell(suzuki, shelters, 0, "収容人数", 320, message="点検の結果")

    [message] = next_messages(stream)

    assert message.event == "revision"
    assert message.id == number
    data = message.data
    assert data["revision"] == number
    assert data["author"] == "鈴木 一郎"
    assert data["source"] == "edit"
    assert data["message"] == "点検の結果"
    assert data["counts"] == {"added": 0, "changed": 1, "removed": 0}
    assert data["note"] == f"鈴木 一郎さんが 1件を変更しました（版 {number}）"
    assert data["time"].startswith(str(data["time"])[:4]) and "+09:00" in data["time"]  # Tokyo time
    close(response)


def test_the_note_follows_the_readers_language(client, reader, suzuki, shelters, fast_streams):
    client.cookies["django_language"] = "en"
    client.force_login(reader)
    response, stream = open_stream(client, shelters)
    next(stream)
    number = change_cell(suzuki, shelters, 1, "施設名", "第二中学校体育館")
    [message] = next_messages(stream)
    assert message.data["note"] == f"鈴木 一郎 changed 1 row (revision {number})"
    assert message.data["source_display"] == "Edit"
    close(response)


def test_events_never_carry_cell_values_old_or_new(client, make_user, suzuki, shelters, fast_streams):
    partner = Organization.objects.create(code="shakyo", name="社会福祉協議会", kind="partner")
    from kaidan.access.models import AccessGrant

    AccessGrant.objects.create(
        target_type=shelters.access_target[0],
        target_id=shelters.access_target[1],
        organization=partner,
        min_role="viewer",
        permission="view",
        clearance=Level.LIMITED,
    )
    outsider_reader = make_user("sato", partner, role="viewer")
    client.force_login(outsider_reader)  # cleared for 限定, not for the 秘 phone column
    response, stream = open_stream(client, shelters)
    next(stream)
    change_cell(suzuki, shelters, 2, "担当者電話", "03-9999-0000")
    change_cell(suzuki, shelters, 2, "施設名", "区民会館（新館）")

    messages = next_messages(stream, 2)
    raw = b"".join(m.raw for m in messages).decode()

    assert [m.event for m in messages] == ["revision", "revision"]
    for value in ("03-9999-0000", "090-5555-6666", "区民会館", "担当者電話", "施設名", "c_"):
        assert value not in raw
    for message in messages:
        assert set(message.data) == {
            "revision",
            "author",
            "time",
            "time_display",
            "source",
            "source_display",
            "message",
            "counts",
            "note",
        }
    close(response)


def test_someone_who_may_not_read_the_dataset_gets_404(client, make_org, make_user, shelters):
    other = make_user("kobayashi", make_org("kyoiku", name="教育委員会"), role="manager")
    client.force_login(other)  # ward staff: cleared for 庁内, the dataset is 限定
    assert client.get(reverse("live:events", args=[shelters.name])).status_code == 404
    client.logout()
    assert client.get(reverse("live:events", args=[shelters.name])).status_code == 404
    assert client.get(reverse("live:events", args=["no-such-dataset"])).status_code == 404


def test_a_reconnecting_client_gets_the_revisions_it_missed(client, reader, suzuki, shelters, fast_streams):
    start = shelters.current_revision
    second = change_cell(suzuki, shelters, 0, "収容人数", 310)
    third = change_cell(suzuki, shelters, 1, "収容人数", 460)
    client.force_login(reader)

    response, stream = open_stream(client, shelters, QUERY_STRING=f"since={start}")
    next(stream)
    assert [m.id for m in next_messages(stream, 2)] == [second, third]
    close(response)

    # EventSource sends Last-Event-ID when it reconnects; it wins over the page's ?since=.
    response, stream = open_stream(
        client, shelters, QUERY_STRING=f"since={start}", HTTP_LAST_EVENT_ID=str(second)
    )
    next(stream)
    assert [m.id for m in next_messages(stream)] == [third]
    close(response)


def test_the_stream_stops_when_the_dataset_becomes_unreadable(client, reader, shelters, fast_streams):
    client.force_login(reader)  # a viewer of the owner: cleared for 限定, not 秘
    response, stream = open_stream(client, shelters)
    next(stream)
    shelters.classification = Level.RESTRICTED
    shelters.save()

    [message] = next_messages(stream)

    assert message.event == "closed"
    assert message.data["reason"] == "revoked"
    assert "表示できなくなりました" in message.data["note"]
    assert list(stream) == []  # the stream has ended
    # …and a reconnection is refused.
    assert client.get(reverse("live:events", args=[shelters.name])).status_code == 404


def test_the_stream_stops_when_the_readers_membership_is_removed(
    client, reader, bousai, shelters, fast_streams
):
    from kaidan.accounts.services import remove_membership

    fast_streams.RECHECK = 0.1
    client.force_login(reader)
    response, stream = open_stream(client, shelters)
    next(stream)
    remove_membership(actor=None, user=reader, organization=bousai)

    [message] = next_messages(stream)
    assert (message.event, message.data["reason"]) == ("closed", "revoked")
    assert list(stream) == []


def test_a_quiet_stream_sends_keep_alive_comments_and_ends_under_wsgi(
    client, reader, shelters, fast_streams, monkeypatch
):
    monkeypatch.setattr(fast_streams, "HEARTBEAT", 0.1)
    monkeypatch.setattr(fast_streams, "WSGI_STREAM_SECONDS", 0.5)
    client.force_login(reader)
    response, stream = open_stream(client, shelters)
    rest = [m for chunk in stream for m in parse(chunk)]
    assert any(m.comment == "keep-alive" for m in rest)  # and the iteration ended: the thread is free
