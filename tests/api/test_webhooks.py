"""Webhooks through an outbox: a delivery is written in the revision's transaction and sent after commit,
signed; nothing is sent for a rolled-back change, nothing is lost when the worker dies; failures are
retried with back-off and a webhook that keeps failing is disabled; the payload is cut to the receiving
organization's permissions."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from kaidan.access.services import SYSTEM
from kaidan.api import webhooks
from kaidan.api.models import Delivery, Subscription
from kaidan.api.upsert import bulk_upsert
from kaidan.audit.models import AuditEntry
from kaidan.editing.services import add_record

pytestmark = pytest.mark.django_db


def subscribe(world, receiver, org=None, clearance="restricted"):
    sub, secret = webhooks.create_subscription(
        world["dataset"],
        actor=world["manager"],
        organization=org or world["owner"],
        url=receiver.url,
        clearance=clearance,
    )
    return sub, secret


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    timestamp = headers["X-Kaidan-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Kaidan-Signature"], f"sha256={expected}")


def test_a_change_is_delivered_after_commit_signed_with_a_timestamp(
    world, receiver, immediate_tasks, django_capture_on_commit_callbacks
):
    _sub, secret = subscribe(world, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        add_record(world["dataset"], {"番号": "9", "名前": "新井", "地区": "池尻"}, actor=world["manager"])
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert verify(secret, headers, body)
    assert abs(int(headers["X-Kaidan-Timestamp"]) - time.time()) < 60
    event = json.loads(body)
    assert event["event"] == "revision.created" and event["dataset"] == "meibo" and event["revision"] == 2
    assert event["changes"][0]["change"] == "added" and event["changes"][0]["values"]["名前"] == "新井"
    assert Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_nothing_is_written_or_sent_for_a_rolled_back_change(
    world, receiver, immediate_tasks, django_capture_on_commit_callbacks
):
    subscribe(world, receiver)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            add_record(world["dataset"], {"番号": "9"}, actor=world["manager"])
            assert Delivery.objects.count() == 1  # written in the revision's own transaction
            raise RuntimeError("the caller fails after the revision")
    assert Delivery.objects.count() == 0
    assert callbacks == [] and receiver.requests == []


def test_nothing_is_lost_when_the_worker_dies_before_delivery(
    world, receiver, django_capture_on_commit_callbacks
):
    """The database queue's task is enqueued but no worker runs it (as if it died): the outbox row stays
    pending, and the sweep (`kaidan webhooks deliver`, e.g. from cron, or the next worker) sends it."""
    _sub, secret = subscribe(world, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        add_record(world["dataset"], {"番号": "9"}, actor=world["manager"])
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and receiver.requests == []
    call_command("webhooks", "deliver")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 1
    assert verify(secret, *receiver.requests[0])
    call_command("webhooks", "deliver")  # delivered once only
    assert len(receiver.requests) == 1


def test_a_claimed_delivery_whose_worker_died_mid_send_is_sent_again_after_the_lease(world, receiver):
    subscribe(world, receiver)
    add_record(world["dataset"], {"番号": "9"}, actor=world["manager"])
    delivery = Delivery.objects.get()
    assert webhooks._claim(delivery.pk) is not None  # a worker took it … and died
    assert webhooks.deliver_due() == []  # not again while the lease holds
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert [d.status for d in webhooks.deliver_due()] == [Delivery.Status.DELIVERED]


def test_failures_are_retried_with_back_off_and_a_failing_webhook_is_disabled(world, receiver, settings):
    settings.KAIDAN_WEBHOOK_BACKOFF = 10
    sub, _secret = subscribe(world, receiver)
    receiver.status = 500
    add_record(world["dataset"], {"番号": "9"}, actor=world["manager"])
    delivery = Delivery.objects.get()
    before = timezone.now()
    webhooks.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.last_status == 500
    assert 9 <= (delivery.next_attempt_at - before).total_seconds() <= 12
    assert webhooks.deliver(delivery.pk) is None  # not due yet
    assert webhooks.backoff(3).total_seconds() == 40  # 10, 20, 40 …
    for _ in range(webhooks.DISABLE_AFTER - 1):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now(), attempts=0)
        webhooks.deliver(delivery.pk)
    sub.refresh_from_db()
    assert not sub.active and sub.failures == webhooks.DISABLE_AFTER
    assert AuditEntry.objects.filter(action="api.webhook.disable").count() == 1
    assert len(receiver.requests) == webhooks.DISABLE_AFTER
    receiver.status = 200
    add_record(world["dataset"], {"番号": "10"}, actor=world["manager"])
    assert Delivery.objects.count() == 1  # a disabled webhook gets no new deliveries


def test_the_payload_is_cut_to_the_receiving_organizations_permissions(world, receiver):
    subscribe(world, receiver, org=world["partner"])
    bulk_upsert(
        world["dataset"],
        [
            {"番号": 1, "秘メモ": "新しい秘密", "名前": "山田太郎"},
            {"番号": 2, "秘メモ": "太子堂の秘密", "名前": "佐藤花子"},
        ],
        actor=SYSTEM,
    )
    webhooks.deliver_due()
    _headers, body = receiver.requests[0]
    text = body.decode()
    assert "秘密" not in text and "佐藤" not in text and "秘メモ" not in text
    event = json.loads(body)
    assert [c["values"] for c in event["changes"]] == [{"名前": "山田太郎"}]


def test_the_delivery_log_page_is_for_the_datasets_managers(world, receiver, client, make_user):
    sub, _secret = subscribe(world, receiver)
    add_record(world["dataset"], {"番号": "9"}, actor=world["manager"])
    webhooks.deliver_due()
    client.force_login(world["manager"])
    page = client.get("/integrations/webhooks/meibo/")
    assert page.status_code == 200 and receiver.url in page.content.decode()
    assert "HTTP 200" in page.content.decode()
    client.force_login(make_user("viewer", world["owner"], "viewer"))
    assert client.get("/integrations/webhooks/meibo/").status_code in (403, 404)
    assert Subscription.objects.filter(pk=sub.pk).exists()
