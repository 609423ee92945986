"""What someone with write access to the database can do: change rows directly, never through record()."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import F

from kaidan.audit.models import AuditEntry, AuditHead
from kaidan.audit.services import GENESIS

HashFn = Callable[[AuditEntry], str]


def truncate_after(seq: int, head_mac: Callable[[int, str], str] | None = None) -> None:
    """Delete every entry after `seq` and point the head at entry `seq`, as if nothing followed it.
    Without `head_mac` the head's signature is left as it was (it cannot be computed without the key)."""
    AuditEntry.objects.filter(seq__gt=seq).delete()
    tip = AuditEntry.objects.get(seq=seq)
    head = {"last_seq": seq, "last_hash": tip.hash}
    if head_mac is not None:
        head["mac"] = head_mac(seq, tip.hash)
    AuditHead.objects.filter(pk=1).update(**head)


def rewrite_chain(
    hash_fn: HashFn,
    *,
    scheme: str | None = None,
    key_id: str | None = None,
    head_mac: Callable[[int, str], str] | None = None,
) -> None:
    """Renumber the remaining entries 1..n, recompute every prev_hash and hash with `hash_fn` (optionally
    relabelling the scheme and key id), and point the head at the new tip (its signature set with
    `head_mac`, else cleared)."""
    entries = list(AuditEntry.objects.order_by("seq"))
    AuditEntry.objects.update(seq=-F("seq"))  # free the numbers (seq is unique)
    prev = GENESIS
    for n, entry in enumerate(entries, start=1):
        entry.seq, entry.prev_hash = n, prev
        entry.scheme = scheme if scheme is not None else entry.scheme
        entry.key_id = key_id if key_id is not None else entry.key_id
        entry.hash = hash_fn(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            seq=entry.seq, prev_hash=prev, hash=entry.hash, scheme=entry.scheme, key_id=entry.key_id
        )
        prev = entry.hash
    AuditHead.objects.filter(pk=1).update(
        last_seq=len(entries), last_hash=prev, mac=head_mac(len(entries), prev) if head_mac else ""
    )
