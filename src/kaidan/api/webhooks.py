"""Webhooks through an outbox: written in the revision's transaction, delivered after commit.

`revision_written` fires inside the revision's transaction; `_outbox` adds one pending `Delivery` per
active subscription there, and asks (on commit) for a background task to send them. So a rolled-back
change leaves no delivery, and a worker that dies before sending leaves the delivery pending, to be sent
by the next task or by `kaidan webhooks deliver` (a cron line; docs/api.md).

Each delivery is a POST of JSON signed with HMAC-SHA256 over "<timestamp>.<body>" (headers
X-Kaidan-Timestamp and X-Kaidan-Signature: "sha256=<hex>"), retried with exponential back-off; after
DISABLE_AFTER consecutive failures the subscription is disabled (and audited). The payload is built when it
is sent, as the receiving organization may see the change now (kaidan.history.selectors.diff through its
visible relation, capped at the subscription's clearance): a column raised to 秘 since, or a row outside
its scope, is never sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of
from kaidan.access.levels import Level
from kaidan.access.services import require, rights
from kaidan.accounts.models import Organization
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.core import failpoints
from kaidan.core.errors import NotFound
from kaidan.store.services import revision_written
from kaidan.store.values import to_json
from kaidan.values.messages import Message, gettext_noop

from .actors import ReceiverActor
from .models import Delivery, Event, Subscription
from .services import ApiRejected

MAX_ATTEMPTS = 8
DISABLE_AFTER = 10
"""Consecutive failed attempts (over all its deliveries) after which a subscription is disabled."""


def lease() -> timedelta:
    """A claimed delivery is not claimed again for this long (a worker that died mid-send is retried then):
    KAIDAN_WEBHOOK_LEASE seconds, five minutes by default."""
    return timedelta(seconds=float(getattr(settings, "KAIDAN_WEBHOOK_LEASE", 300)))


MAX_ROWS = 1000
"""Row changes sent in one payload; beyond, `truncated` is true and the receiver reads the diff by API."""
TIMEOUT = 10


def backoff(attempts: int) -> timedelta:
    """Seconds before attempt `attempts + 1`: base·2^(attempts-1), at most six hours."""
    base = float(getattr(settings, "KAIDAN_WEBHOOK_BACKOFF", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


# -- subscriptions ------------------------------------------------------------------------------------


def create_subscription(
    dataset: Dataset,
    *,
    actor: Actor,
    organization: Organization,
    url: str,
    events: Iterable[str] = (Event.REVISION,),
    clearance: str = Level.INTERNAL,
) -> tuple[Subscription, str]:
    """Subscribe `url` to the dataset's changes for `organization` (the dataset's managers); return the
    subscription and its signing secret (shown once to the manager; the receiver keeps it)."""
    require("object.share", dataset, actor=actor)
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise ApiRejected(Message(gettext_noop("the URL must start with https:// or http://")))
    chosen = sorted(set(events))
    if not chosen or any(e not in Event.values for e in chosen):
        raise ApiRejected(
            Message(gettext_noop("unknown event: use %(known)s"), known=", ".join(Event.values))
        )
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        sub = Subscription.objects.create(
            dataset=dataset,
            organization=organization,
            url=url,
            secret=secret,
            events=chosen,
            clearance=Level.parse(clearance),
            created_by=account_of(actor=actor),
        )
        record("api.webhook.create", dataset, actor=actor, detail={"subscription": sub.pk, "url": url})
    return sub, secret


def delete_subscription(sub: Subscription, *, actor: Actor) -> None:
    require("object.share", sub.dataset, actor=actor)
    with transaction.atomic():
        record(
            "api.webhook.delete", sub.dataset, actor=actor, detail={"subscription": sub.pk, "url": sub.url}
        )
        sub.delete()


def subscriptions_of(dataset: Dataset, *, actor: Actor) -> list[Subscription]:
    """The dataset's subscriptions, for its managers (NotFound for anyone else)."""
    if not rights(dataset, actor=actor).allows("object.share"):
        raise NotFound(detail=dataset.name)
    return list(Subscription.objects.filter(dataset=dataset).select_related("organization"))


# -- the outbox ---------------------------------------------------------------------------------------


@receiver(revision_written, dispatch_uid="kaidan-api-outbox")
def _outbox(sender: Any, dataset: Dataset, revision: Any, **kwargs: Any) -> None:
    """Inside the revision's transaction: one pending delivery per active subscription."""
    subs = [
        s for s in Subscription.objects.filter(dataset=dataset, active=True) if Event.REVISION in s.events
    ]
    if not subs:
        return
    now = timezone.now()
    created = Delivery.objects.bulk_create(
        Delivery(subscription=s, event=Event.REVISION, revision=revision.number, next_attempt_at=now)
        for s in subs
    )
    ids = [d.pk for d in created if d.pk is not None]
    transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    from .tasks import deliver_task

    for pk in ids:
        deliver_task.enqueue(pk)


# -- delivery -----------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def payload(delivery: Delivery) -> dict[str, Any] | None:
    """The event as the receiving organization may see it now, or None when it may not see the dataset."""
    from kaidan.history.selectors import diff

    sub = delivery.subscription
    dataset = Dataset.objects.filter(pk=sub.dataset_id).first()
    if dataset is None:
        return None
    actor = ReceiverActor(sub.organization, scopes=["object.view"], clearance=sub.clearance)
    if not rights(dataset, actor=actor).can_read:
        return None
    number = min(delivery.revision, dataset.current_revision)
    changes: list[dict[str, Any]] = []
    truncated = False
    found = diff(dataset, number - 1, number, actor=actor, purpose="diff")
    for row in found.rows():
        if len(changes) >= MAX_ROWS:
            truncated = True
            break
        changes.append(
            {
                "change": row.kind,
                "row_id": row.row_id,
                "key": to_json(row.key),
                "values": {c.field.name: to_json(c.new) for c in row.cells},
                "old": {c.field.name: to_json(c.old) for c in row.cells},
            }
        )
    return {
        "event": delivery.event,
        "delivery": delivery.pk,
        "dataset": dataset.name,
        "revision": number,
        "changes": changes,
        "truncated": truncated,
        "diff": f"/api/v1/datasets/{dataset.name}/diff?from={number - 1}&to={number}",
    }


def _claim(pk: int) -> Delivery | None:
    """Take the delivery for one attempt (a conditional update, so two workers never both send it)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=pk, status=Delivery.Status.PENDING, next_attempt_at__lte=now, subscription__active=True
    ).update(next_attempt_at=now + lease(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Delivery.objects.select_related("subscription__organization").get(pk=pk)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 — http(s) only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver(pk: int) -> Delivery | None:
    """One attempt at one delivery (when it is due). Returns the delivery, or None when not due."""
    delivery = _claim(pk)
    if delivery is None:
        return None
    sub = delivery.subscription
    content = payload(delivery)
    if content is None:  # the receiver may no longer see the dataset: nothing to say, nothing sent
        delivery.status = Delivery.Status.FAILED
        delivery.last_error = "not visible to the receiving organization"
        delivery.save(update_fields=["status", "last_error"])
        return delivery
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Kaidan-Webhook/1",
        "X-Kaidan-Event": delivery.event,
        "X-Kaidan-Delivery": str(delivery.pk),
        "X-Kaidan-Timestamp": str(timestamp),
        "X-Kaidan-Signature": sign(sub.secret, timestamp, body),
    }
    status: int | None = None
    error = ""
    try:
        status = _post(sub.url, body, headers)
        failpoints.reached("webhooks.after-send")  # received, not yet recorded: it is sent again
    except (OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    now = timezone.now()
    delivery.last_status = status
    if status is not None and 200 <= status < 300:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
        delivery.save(update_fields=["status", "delivered_at", "last_status", "last_error"])
        Subscription.objects.filter(pk=sub.pk).update(failures=0)
        return delivery
    delivery.last_error = error or f"HTTP {status}"
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Delivery.Status.FAILED
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(update_fields=["status", "next_attempt_at", "last_status", "last_error"])
    _count_failure(sub)
    if delivery.status == Delivery.Status.PENDING:
        _retry_later(delivery)
    return delivery


def _count_failure(sub: Subscription) -> None:
    Subscription.objects.filter(pk=sub.pk).update(failures=F("failures") + 1)
    sub.refresh_from_db(fields=["failures", "active"])
    if sub.active and sub.failures >= DISABLE_AFTER:
        with transaction.atomic():
            sub.active = False
            sub.disabled_reason = str(gettext_lazy("Disabled after repeated failures."))
            sub.save(update_fields=["active", "disabled_reason"])
            record(
                "api.webhook.disable",
                sub.dataset,
                actor=None,
                detail={"subscription": sub.pk, "url": sub.url, "failures": sub.failures},
            )


def _retry_later(delivery: Delivery) -> None:
    from .tasks import deliver_task

    try:
        deliver_task.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    except Exception:  # noqa: BLE001, S110 — a backend without run_after: the sweep sends it when due
        pass


def deliver_due(*, limit: int = 1000) -> list[Delivery]:
    """Send every pending delivery that is due (the sweep: after a crash, or from a cron line)."""
    due = Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now(), subscription__active=True
    ).order_by("pk")[:limit]
    done = []
    for pk in list(due.values_list("pk", flat=True)):
        result = deliver(pk)
        if result is not None:
            done.append(result)
    return done
