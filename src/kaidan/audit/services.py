"""Writing and verifying the audit log.

`record()` is called by services inside their transaction, so an action and its audit entry commit
or roll back together. "From where" comes from the request (set by AuditSourceMiddleware) or names
the command line.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from django.db import models, transaction
from django.utils import timezone

from kaidan.access.actors import Actor, ActorKind, DelegatedActor, account_of, kind_of
from kaidan.access.operations import AUDIT_ACTIONS
from kaidan.core.formulas import defuse
from kaidan.values.messages import Message, gettext_noop

from .keys import CHECKPOINT, ENTRY, AuditKey, audit_key, head_mac
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64
SCHEME_PLAIN = "sha256"
SCHEME_HMAC = "hmac-sha256"
current_source: ContextVar[str] = ContextVar("kaidan_audit_source", default="cli")


def _canonical(entry: AuditEntry, *, keyed: bool) -> bytes:
    payload = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "source": entry.source,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    if keyed:
        payload |= {"scheme": entry.scheme, "key_id": entry.key_id}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def plain_hash(entry: AuditEntry) -> str:
    """The "sha256" scheme of entries written before the audit key: anyone can recompute it."""
    return hashlib.sha256(_canonical(entry, keyed=False)).hexdigest()


def keyed_hash(entry: AuditEntry, key: AuditKey) -> str:
    """The "hmac-sha256" scheme: only the holder of the key can compute it."""
    return key.mac(ENTRY, _canonical(entry, keyed=True))


def _actor_fields(*, actor: Actor) -> tuple[int | None, str]:
    kind = kind_of(actor=actor)
    if kind is ActorKind.SYSTEM:
        return None, "system"
    if isinstance(actor, DelegatedActor):  # e.g. a share link's recipient: "link:12 a@b.jp"
        return None, str(actor.audit_label)[:200]
    user = account_of(actor=actor)
    if user is None:
        return None, "anonymous"
    return int(user.pk), str(user.get_username())


def _object_fields(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)[:300]
    return type(obj).__name__.lower(), str(getattr(obj, "pk", "")), str(obj)[:300]


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Actor,
    detail: dict[str, Any] | None = None,
    source: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain (atomic with the caller's transaction).

    `action` must be named in kaidan.access.operations.AUDIT_ACTIONS (the one registry of operations)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}: add it to kaidan.access.operations")
    actor_id, actor_label = _actor_fields(actor=actor)
    object_type, object_id, object_label = _object_fields(obj)
    key = audit_key()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.last_seq + 1,
            at=at or timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_label=object_label,
            source=source if source is not None else current_source.get(),
            detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
            prev_hash=head.last_hash,
            scheme=SCHEME_HMAC,
            key_id=key.id,
        )
        entry.hash = keyed_hash(entry, key)
        entry.save()
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.mac = head_mac(key, entry.seq, entry.hash)
        head.save(update_fields=["last_seq", "last_hash", "mac"])
    return entry


@dataclass(frozen=True)
class Problem:
    seq: int
    message: Message

    @property
    def message_ja(self) -> str:
        return self.message.ja

    @property
    def message_en(self) -> str:
        return self.message.en

    def entry_message(self) -> Message:
        return Message(gettext_noop("entry #%(seq)s: %(message)s"), seq=self.seq, message=self.message)

    def __str__(self) -> str:
        return self.entry_message().bilingual()


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used (unreadable, or its signature does not match)."""


class ChainBroken(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(str(problems[0]))
        self.problems = problems


@dataclass(frozen=True)
class Checkpoint:
    """A signed record of the chain's tip, kept by the operator outside the database."""

    entries: int
    last_seq: int
    last_hash: str
    at: str
    key_id: str


@dataclass(frozen=True)
class _Tip:
    entries: int
    last_seq: int
    last_hash: str


CHECKPOINT_FORMAT = "kaidan-audit-checkpoint/1"
_CHECKPOINT_FIELDS = {"format", "entries", "last_seq", "last_hash", "at", "key_id", "mac"}


def verify(batch_size: int = 5000, checkpoint: Checkpoint | None = None) -> list[Problem]:
    """Walk the chain and name every edited, removed, reordered or forged entry, in chain order.

    Without the audit key nobody can write an entry or a head that verifies. With the key, the newest
    entries can be removed back to any earlier point; a `checkpoint` (see `make_checkpoint`) names that
    point's entry and hash, so such truncation and any rewriting before it are found too."""
    return _walk(batch_size, checkpoint)[0]


def _walk(batch_size: int, checkpoint: Checkpoint | None) -> tuple[list[Problem], _Tip]:
    key = audit_key()
    # The head is read before the entries: entries appended meanwhile lie beyond it and are not "missing".
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head is not None else (0, GENESIS)
    problems: list[Problem] = []
    expected_seq = 1
    prev_hash = GENESIS
    keyed_seen = False
    up_to_head = up_to_checkpoint = 0
    hash_at_head: str | None = GENESIS if head_seq == 0 else None
    cp_seq = checkpoint.last_seq if checkpoint is not None else 0
    hash_at_checkpoint: str | None = GENESIS if cp_seq == 0 else None
    for entry in _iter_entries(batch_size):
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                problems.append(
                    Problem(
                        expected_seq,
                        Message(
                            gettext_noop("entries #%(expected_seq)s..#%(value)s were removed"),
                            expected_seq=expected_seq,
                            value=entry.seq - 1,
                        ),
                    )
                )
            else:
                problems.append(Problem(entry.seq, Message(gettext_noop("entry is out of order"))))
        if entry.prev_hash != prev_hash:
            problems.append(
                Problem(
                    entry.seq,
                    Message(
                        gettext_noop(
                            "chain broken: previous hash does not match (removed or reordered entry)"
                        )
                    ),
                )
            )
        if (problem := _entry_problem(entry, key, keyed_seen)) is not None:
            problems.append(problem)
        keyed_seen = keyed_seen or entry.scheme == SCHEME_HMAC
        if entry.seq <= head_seq:
            up_to_head += 1
            if entry.seq == head_seq:
                hash_at_head = entry.hash
        if entry.seq <= cp_seq:
            up_to_checkpoint += 1
            if entry.seq == cp_seq:
                hash_at_checkpoint = entry.hash
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
    problems += _head_problems(head, key, hash_at_head, expected_seq - 1)
    if checkpoint is not None:
        problems += _checkpoint_problems(checkpoint, hash_at_checkpoint, up_to_checkpoint)
    problems.sort(key=lambda p: p.seq)  # stable: within an entry, in the order found
    return problems, _Tip(up_to_head, head_seq, head_hash)


def _entry_problem(entry: AuditEntry, key: AuditKey, keyed_seen: bool) -> Problem | None:
    if entry.scheme == SCHEME_PLAIN:
        if keyed_seen:
            return Problem(
                entry.seq,
                Message(
                    gettext_noop(
                        "a plain-hash (old scheme) entry follows keyed entries: the chain was rewritten without the key"
                    )
                ),
            )
        intact = hmac.compare_digest(plain_hash(entry), entry.hash)
    elif entry.scheme == SCHEME_HMAC:
        if entry.key_id != key.id:
            return Problem(
                entry.seq,
                Message(
                    gettext_noop(
                        "written under another key (%(key_id)s) than the configured one (%(id)s): a wrong KAIDAN_AUDIT_KEY, or forged"
                    ),
                    key_id=entry.key_id,
                    id=key.id,
                ),
            )
        intact = hmac.compare_digest(keyed_hash(entry, key), entry.hash)
    else:
        return Problem(
            entry.seq, Message(gettext_noop("unknown hash scheme %(scheme)s"), scheme=repr(entry.scheme))
        )
    if intact:
        return None
    return Problem(
        entry.seq,
        Message(
            gettext_noop("content was edited (%(action)s %(object_label)s)"),
            action=entry.action,
            object_label=entry.object_label,
        ),
    )


def _head_problems(
    head: AuditHead | None, key: AuditKey, hash_at_head: str | None, last: int
) -> list[Problem]:
    if head is None:
        if last == 0:
            return []  # nothing was ever logged
        return [Problem(last, Message(gettext_noop("the chain's head row was removed")))]
    problems = []
    if hash_at_head is None:
        problems.append(
            Problem(
                head.last_seq,
                Message(
                    gettext_noop("entries at the end were removed (the head says the last is #%(last_seq)s)"),
                    last_seq=head.last_seq,
                ),
            )
        )
    elif hash_at_head != head.last_hash:
        problems.append(
            Problem(
                head.last_seq,
                Message(
                    gettext_noop(
                        "the last entry does not match the head (entries at the end removed or rewritten)"
                    )
                ),
            )
        )
    # A head is signed from its first entry on (record() and migration 0002 never sign #0), so a head
    # reset to #0 in front of entries does not verify either.
    nothing_logged = last == 0 and head.last_seq == 0
    if not nothing_logged and not hmac.compare_digest(head.mac, head_mac(key, head.last_seq, head.last_hash)):
        problems.append(
            Problem(
                head.last_seq,
                Message(
                    gettext_noop(
                        "the head's signature does not match: the end of the chain was changed without the key (or another key is configured)"
                    )
                ),
            )
        )
    return problems


def _checkpoint_problems(checkpoint: Checkpoint, hash_found: str | None, count: int) -> list[Problem]:
    seq, at = checkpoint.last_seq, checkpoint.at
    if hash_found is None:
        return [
            Problem(
                seq,
                Message(
                    gettext_noop(
                        "entry #%(seq)s of the checkpoint of %(at)s is missing: the chain was truncated"
                    ),
                    seq=seq,
                    at=at,
                ),
            )
        ]
    problems = []
    if hash_found != checkpoint.last_hash:
        problems.append(
            Problem(
                seq,
                Message(
                    gettext_noop(
                        "entry #%(seq)s does not match the checkpoint of %(at)s: the history up to it was rewritten"
                    ),
                    seq=seq,
                    at=at,
                ),
            )
        )
    if count != checkpoint.entries:
        problems.append(
            Problem(
                seq,
                Message(
                    gettext_noop(
                        "the checkpoint of %(at)s counted %(entries)s entries up to #%(seq)s, now there are %(count)s"
                    ),
                    at=at,
                    entries=checkpoint.entries,
                    seq=seq,
                    count=count,
                ),
            )
        )
    return problems


def _checkpoint_message(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def make_checkpoint(batch_size: int = 5000) -> dict[str, Any]:
    """Verify the chain and sign its tip: entry count, last entry, its hash, the time. Raises ChainBroken
    rather than sign a chain with problems."""
    key = audit_key()
    problems, tip = _walk(batch_size, None)
    if problems:
        raise ChainBroken(problems)
    fields: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "entries": tip.entries,
        "last_seq": tip.last_seq,
        "last_hash": tip.last_hash,
        "at": timezone.now().astimezone(UTC).isoformat(timespec="seconds"),
        "key_id": key.id,
    }
    return fields | {"mac": key.mac(CHECKPOINT, _checkpoint_message(fields))}


def read_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint file and check its signature under the audit key."""
    key = audit_key()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or set(data) != _CHECKPOINT_FIELDS or data["format"] != CHECKPOINT_FORMAT:
        raise CheckpointError(Message(gettext_noop("not an audit log checkpoint file")).bilingual())
    mac = data.pop("mac")
    if data["key_id"] != key.id:
        raise CheckpointError(
            Message(
                gettext_noop(
                    "the checkpoint was signed with another key (%(data)s) than the configured one (%(id)s)"
                ),
                data=data["key_id"],
                id=key.id,
            ).bilingual()
        )
    if not isinstance(mac, str) or not hmac.compare_digest(
        mac, key.mac(CHECKPOINT, _checkpoint_message(data))
    ):
        raise CheckpointError(
            Message(
                gettext_noop("the checkpoint's signature does not match: the file was edited")
            ).bilingual()
        )
    try:
        return Checkpoint(
            entries=int(data["entries"]),
            last_seq=int(data["last_seq"]),
            last_hash=str(data["last_hash"]),
            at=str(data["at"]),
            key_id=str(data["key_id"]),
        )
    except (TypeError, ValueError) as exc:
        raise CheckpointError(Message(gettext_noop("not an audit log checkpoint file")).bilingual()) from exc


def _iter_entries(batch_size: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def entries_for(object_type: str, object_id: str) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("-seq")


EXPORT_FIELDS = [
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "source",
    "detail",
    "prev_hash",
    "hash",
    "scheme",
    "key_id",
]


def entries_between(
    since: datetime | None = None, until: datetime | None = None
) -> models.QuerySet[AuditEntry]:
    """Entries in chain order, optionally from `since` (inclusive) to `until` (exclusive)."""
    entries = AuditEntry.objects.order_by("seq")
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries


def export_entries(stream: IO[str], fmt: str = "csv", entries: Iterable[AuditEntry] | None = None) -> None:
    """Write entries for auditors: CSV (a header, detail as JSON) or JSON lines, with both hashes.

    The CLI (`kaidan audit export`) and the web export share this; the caller opens the stream (CSV
    files for Excel users are written with a BOM: encoding "utf-8-sig"). In CSV a text value that a
    spreadsheet would read as a formula gets a leading ' (kaidan.core.formulas.defuse); JSON lines carry
    every value exactly, for recomputing hashes."""
    rows = (
        entries_between().values_list(*EXPORT_FIELDS).iterator()
        if entries is None
        else ([getattr(e, f) for f in EXPORT_FIELDS] for e in entries)
    )
    if fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow(
                [defuse(json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for v in row]
            )
        return
    for row in rows:
        stream.write(
            json.dumps(dict(zip(EXPORT_FIELDS, row, strict=True)), ensure_ascii=False, default=str) + "\n"
        )
