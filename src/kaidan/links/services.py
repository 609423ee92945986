"""Share links: creating and revoking them (sharers), codes, access logging and downloads (recipients).

Rights never come from here: the recipient acts as a `LinkActor` and kaidan.access decides what it sees.
This module keeps the link's own rules: expiry, revocation, the download limit (counted atomically), the
one-time codes (hashed, 10 minutes, 5 attempts, resend throttle, rate limits) and the access log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of
from kaidan.access.levels import LEVEL_ORDER, Level
from kaidan.access.services import require, rights
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, SavedView
from kaidan.catalog.query import CONTROL, GridQuery
from kaidan.catalog.selectors import grid_query
from kaidan.catalog.services import export_dataset
from kaidan.core.errors import Forbidden
from kaidan.documents.models import Document
from kaidan.values.messages import Message, gettext_noop

from .actors import LinkActor
from .models import (
    DEFAULT_DAYS,
    EXPORT_FORMATS,
    MAX_DAYS,
    REFUSALS,
    Kind,
    LinkAccess,
    LinkCode,
    Outcome,
    ShareLink,
    Status,
)

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
RESEND_SECONDS = 60
CODES_PER_HOUR = 5
WRONG_CODES_PER_LINK = 10  # per 15 minutes: the link's code entry pauses
WRONG_CODES_PER_IP = 20  # per hour, over all links
VERIFIED_MINUTES = 30


# -- tokens and codes ------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_code(link: ShareLink, email: str, code: str) -> str:
    key = hashlib.sha256(f"kaidan.links.code:{settings.SECRET_KEY}".encode()).digest()
    message = f"{link.pk}:{email.lower()}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def find_link(token: str) -> ShareLink | None:
    """The link for a token from a URL, or None (only the hash is stored; compared by index)."""
    if not token or len(token) > 100:
        return None
    return (
        ShareLink.objects.select_related("document", "dataset", "saved_view", "created_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def mask_email(address: str) -> str:
    """t***@example.jp: enough for the recipient to recognise their address, not to learn it."""
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# -- creating and revoking -------------------------------------------------------------------------------


def levels_for(target: Document | Dataset, *, actor: Actor) -> list[Level]:
    """The clearance caps a sharer may choose: up to their own clearance on the object."""
    clearance = rights(target, actor=actor).clearance
    return [] if clearance is None else LEVEL_ORDER[: clearance.rank + 1]


def clean_query(query: str) -> str:
    """The grid query string without paging (a link shows the whole view)."""
    pairs = [(k, v) for k, vs in parse_qs(query, keep_blank_values=True).items() for v in vs]
    return urlencode([(k, v) for k, v in pairs if k not in {"page", "at"}])


def link_query(dataset: Dataset, query: str, *, actor: Actor) -> GridQuery | None:
    """The link's grid query as `actor` may read it, or None when it filters on a column `actor` may not see.

    Dropping such a filter would *widen* the view, so the view is refused instead.
    """
    params = QueryDict(query)
    parsed = grid_query(dataset, params, actor=actor)
    wanted = sum(
        1 for key, value in params.lists() for v in value if key not in CONTROL and "__" in key and v
    )
    if parsed.errors or len(parsed.filters) < wanted:
        return None
    return parsed


@transaction.atomic
def create_link(
    *,
    actor: Actor,
    target: Document | Dataset,
    kind: str,
    recipient_name: str,
    recipient_email: str,
    days: int = DEFAULT_DAYS,
    max_downloads: int | None = None,
    clearance: str = Level.LIMITED,
    query: str = "",
    saved_view: SavedView | None = None,
    export_format: str = "",
) -> tuple[ShareLink, str]:
    """Create a link and return it with its token (shown once; only its hash is stored)."""
    require("object.share", target, actor=actor)
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": _("A link may be valid for 1 to %(max)d days.") % {"max": MAX_DAYS}})
    if max_downloads is not None and max_downloads < 1:
        raise ValidationError({"max_downloads": _("The download limit must be at least 1.")})
    if Level(clearance) not in levels_for(target, actor=actor):
        raise ValidationError({"clearance": _("You cannot share above your own clearance on this object.")})
    link = ShareLink(
        kind=kind,
        recipient_name=recipient_name.strip(),
        recipient_email=recipient_email.strip(),
        clearance=clearance,
        created_by=account_of(actor=actor),
        expires_at=timezone.now() + timedelta(days=days),
        max_downloads=max_downloads,
    )
    if isinstance(target, Document):
        if kind != Kind.DOCUMENT:
            raise ValidationError({"kind": _("A document is shared as a file.")})
        link.document = target
    else:
        if kind not in {Kind.VIEW, Kind.EXPORT}:
            raise ValidationError({"kind": _("A dataset is shared as a view or as an export.")})
        link.dataset = target
        if saved_view is not None:
            if saved_view.dataset_id != target.pk:
                raise ValidationError({"saved_view": _("Choose a view of this dataset.")})
            link.saved_view = saved_view
            query = saved_view.query
        link.query = clean_query(query)
        if kind == Kind.EXPORT:
            if export_format not in dict(EXPORT_FORMATS):
                raise ValidationError({"export_format": _("Choose a format.")})
            link.export_format = export_format
        probe = LinkActor(link)
        if link_query(target, link.query, actor=probe) is None:
            raise ValidationError(
                {
                    "query": _(
                        "The view filters on a column above the chosen classification; "
                        "the recipient could not see that column. Choose a higher classification "
                        "or remove the filter."
                    )
                }
            )
    token = secrets.token_urlsafe(32)
    link.token_hash = hash_token(token)
    link.full_clean(exclude=["token_hash", "created_by"])
    link.save()
    record(
        "link.create",
        target,
        actor=actor,
        detail={
            "link": link.pk,
            "kind": kind,
            "recipient": link.recipient_email,
            "clearance": clearance,
            "expires_at": link.expires_at.isoformat(),
            "max_downloads": max_downloads,
            "query": link.query,
            "format": link.export_format,
        },
    )
    return link, token


def can_revoke(link: ShareLink, *, actor: Actor) -> bool:
    """The sharer, or anyone who may share the object, may revoke a link."""
    user = account_of(actor=actor)
    if user is not None and link.created_by_id == user.pk:
        return True
    target = link.target
    return target is not None and rights(target, actor=actor).allows("object.share")


@transaction.atomic
def revoke_link(link: ShareLink, *, actor: Actor) -> ShareLink:
    if not can_revoke(link, actor=actor):
        raise Forbidden(gettext_lazy("You may not revoke this link."))
    locked = ShareLink.objects.select_for_update().get(pk=link.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = account_of(actor=actor)
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(
            "link.revoke",
            link.target,
            actor=actor,
            detail={"link": link.pk, "recipient": link.recipient_email},
        )
    link.revoked_at, link.revoked_by = locked.revoked_at, locked.revoked_by
    return link


# -- the access log --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """Where a recipient's request comes from (for the access log)."""

    ip: str
    user_agent: str


def log(link: ShareLink, outcome: str, client: Client, **detail: Any) -> LinkAccess:
    """Write one access or refusal to the link's log and to the audit log (object: the shared object)."""
    access = LinkAccess.objects.create(
        link=link, outcome=outcome, ip=client.ip[:64], user_agent=client.user_agent[:300]
    )
    refused = outcome in REFUSALS
    record(
        "link.refused" if refused else "link.access",
        link.target,
        actor=LinkActor(link),
        detail={
            "link": link.pk,
            "outcome": outcome,
            "recipient": link.recipient_email,
            "shared_by": link.created_by.get_username() if link.created_by else None,
            "user_agent": client.user_agent[:300],
            **detail,
        },
        source=client.ip or None,
    )
    return access


UNKNOWN_TOKEN_WINDOW = 60
"""Seconds: unknown tokens from one address are logged once in this time (someone guessing links would
otherwise append an audit entry per guess)."""


def log_unknown_token(client: Client) -> None:
    """An unknown token: nothing to name; the audit log keeps the first attempt from an address each
    minute (the cache counts the others; the answer stays 404 for all of them)."""
    key = "kaidan:links:unknown-token:" + hashlib.sha256(client.ip.encode()).hexdigest()
    if not cache.add(key, 1, UNKNOWN_TOKEN_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            pass
        return
    record(
        "link.refused",
        None,
        actor=None,
        detail={"outcome": "unknown_token", "user_agent": client.user_agent[:300]},
        source=client.ip or None,
    )


def refusal(link: ShareLink) -> Outcome | None:
    """Why the link gives nothing now (revoked, expired, used up), or None when it is usable."""
    status = link.status_at(timezone.now())
    return {
        Status.REVOKED: Outcome.REVOKED,
        Status.EXPIRED: Outcome.EXPIRED,
        Status.USED_UP: Outcome.LIMIT_REACHED,
    }.get(status)


def target_readable(link: ShareLink) -> bool:
    """Does the link still show its target (the sharer may have lost access since)?"""
    target = link.target
    if target is None or getattr(target, "deleted_at", None) is not None:  # a deleted document
        return False
    return rights(target, actor=LinkActor(link)).can_read


# -- one-time codes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeResult:
    outcome: Outcome
    attempts_left: int = 0


def _recent(link: ShareLink | None, outcome: str, *, minutes: int, ip: str = "") -> int:
    since = timezone.now() - timedelta(minutes=minutes)
    accesses = LinkAccess.objects.filter(outcome=outcome, at__gte=since)
    accesses = accesses.filter(link=link) if link is not None else accesses.filter(ip=ip)
    return accesses.count()


def send_code(link: ShareLink, client: Client) -> Outcome:
    """E-mail a new one-time code to the link's recipient (throttled); earlier codes stop working."""
    now = timezone.now()
    with transaction.atomic():
        ShareLink.objects.select_for_update().filter(pk=link.pk).first()  # one issuer at a time per link
        last = LinkCode.objects.filter(link=link).order_by("-created_at").first()
        recent = LinkCode.objects.filter(link=link, created_at__gte=now - timedelta(hours=1)).count()
        if (last and last.created_at > now - timedelta(seconds=RESEND_SECONDS)) or recent >= CODES_PER_HOUR:
            log(link, Outcome.CODE_THROTTLED, client)
            return Outcome.CODE_THROTTLED
        LinkCode.objects.filter(link=link, used_at__isnull=True, superseded=False).update(superseded=True)
        code = f"{secrets.randbelow(1_000_000):06d}"
        LinkCode.objects.create(
            link=link,
            email=link.recipient_email,
            code_hash=_hash_code(link, link.recipient_email, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
        log(link, Outcome.CODE_SENT, client)
    _mail_code(link, code)
    return Outcome.CODE_SENT


def _mail_code(link: ShareLink, code: str) -> None:
    sharer = str(link.created_by) if link.created_by else "Kaidan"
    subject = Message(gettext_noop("Your one-time code:")).bilingual() + f" {code}"
    body = (
        f"{link.recipient_name} 様\n\n"
        f"{sharer} さんが Kaidan で共有した情報を開くための確認コードです。\n\n"
        f"    {code}\n\n"
        f"このコードは {CODE_MINUTES} 分間、1 回だけ有効です。"
        "心当たりがない場合は、このメールを破棄してください。\n"
        "このコードを他の人に伝えないでください。\n\n"
        "----\n\n"
        f"Dear {link.recipient_name},\n\n"
        f"This is the one-time code to open what {sharer} shared with you on Kaidan:\n\n"
        f"    {code}\n\n"
        f"It is valid for {CODE_MINUTES} minutes, once. If you did not ask for it, please ignore this e-mail.\n"
        "Do not tell this code to anyone.\n"
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [link.recipient_email])


def check_code(link: ShareLink, code: str, client: Client) -> CodeResult:
    """Check a code typed by the recipient against the link's current code (rate-limited, logged)."""
    if (
        _recent(link, Outcome.WRONG_CODE, minutes=15) >= WRONG_CODES_PER_LINK
        or _recent(None, Outcome.WRONG_CODE, minutes=60, ip=client.ip) >= WRONG_CODES_PER_IP
    ):
        log(link, Outcome.TOO_MANY_ATTEMPTS, client)
        return CodeResult(Outcome.TOO_MANY_ATTEMPTS)
    now = timezone.now()
    with transaction.atomic():
        current = (
            LinkCode.objects.select_for_update()
            .filter(link=link, used_at__isnull=True, superseded=False)
            .order_by("-created_at")
            .first()
        )
        if current is None or current.expires_at <= now:
            log(link, Outcome.CODE_EXPIRED, client)
            return CodeResult(Outcome.CODE_EXPIRED)
        if current.attempts >= CODE_ATTEMPTS:
            log(link, Outcome.TOO_MANY_ATTEMPTS, client)
            return CodeResult(Outcome.TOO_MANY_ATTEMPTS)
        current.attempts += 1
        typed = "".join(ch for ch in code if ch.isdigit())[:6]
        ok = current.email.lower() == link.recipient_email.lower() and constant_time_compare(
            current.code_hash, _hash_code(link, link.recipient_email, typed)
        )
        if ok:
            current.used_at = now
        current.save(update_fields=["attempts", "used_at"])
        outcome = Outcome.CODE_OK if ok else Outcome.WRONG_CODE
        log(link, outcome, client, attempt=current.attempts)
        return CodeResult(outcome, CODE_ATTEMPTS - current.attempts)


# -- downloads -------------------------------------------------------------------------------------------


def count_download(link: ShareLink) -> bool:
    """Count one download if the link still allows it (atomic: two clicks cannot both pass the limit)."""
    usable = ShareLink.objects.filter(
        pk=link.pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).filter(Q(max_downloads__isnull=True) | Q(download_count__lt=F("max_downloads")))
    if usable.update(download_count=F("download_count") + 1) != 1:
        return False
    link.refresh_from_db(fields=["download_count"])
    return True


class Unavailable(Exception):
    """The link's view cannot be served as the sharer meant it (e.g. its filter names a hidden column)."""


def export_for_link(link: ShareLink, *, actor: LinkActor, fmt: str, out: BinaryIO) -> None:
    """Write the link's dataset (its view's filter and columns applied) through the catalog's export."""
    dataset = link.dataset
    if dataset is None:
        raise Unavailable
    query = link_query(dataset, link.query, actor=actor)
    if query is None or not rights(dataset, actor=actor).allows("object.export"):
        raise Unavailable
    revision = query.as_of if query.as_of is not None and query.as_of < dataset.current_revision else None
    export_dataset(dataset, actor=actor, fmt=fmt, revision=revision, out=out, query=query)
