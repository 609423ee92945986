"""The audit key: a secret outside the database that the chain's HMACs are computed with.

The key comes from KAIDAN_AUDIT_KEY (settings.AUDIT_KEY) or else from a key file in the data dir
(settings.AUDIT_KEY_FILE, `<data dir>/audit.key`), created on first use with mode 0600. A key file that
the group or others may read is refused. Someone who can change the database but does not have the key
cannot compute a valid entry, head or checkpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kaidan.values.messages import Message, gettext_noop

MIN_KEY_LENGTH = 32
# Each use of the key gets its own prefix, so an entry's MAC can never serve as a head's or a checkpoint's.
ENTRY = b"kaidan-audit-entry\x00"
HEAD = b"kaidan-audit-head\x00"
CHECKPOINT = b"kaidan-audit-checkpoint\x00"


class AuditKeyError(ImproperlyConfigured):
    """The audit key is missing, too short or not private; the message is in Japanese and English."""


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    id: str  # names the key (not secret) so a verifier can tell "another key" from "forged"

    @classmethod
    def from_secret(cls, secret: bytes) -> AuditKey:
        return cls(secret, hashlib.sha256(b"kaidan-audit-key-id\x00" + secret).hexdigest()[:16])

    def mac(self, domain: bytes, message: bytes) -> str:
        return hmac.new(self.secret, domain + message, hashlib.sha256).hexdigest()


def head_mac(key: AuditKey, last_seq: int, last_hash: str) -> str:
    return key.mac(HEAD, f"{last_seq}:{last_hash}".encode())


_cache: dict[tuple[str, str], AuditKey] = {}


def audit_key() -> AuditKey:
    """The configured key (read once per process and source)."""
    env = str(getattr(settings, "AUDIT_KEY", "") or "")
    path = Path(getattr(settings, "AUDIT_KEY_FILE", None) or Path(settings.DATA_DIR) / "audit.key")
    cache_key = (env, str(path))
    if (key := _cache.get(cache_key)) is None:
        key = AuditKey.from_secret(_env_secret(env) if env else _file_secret(path))
        _cache[cache_key] = key
    return key


def _env_secret(value: str) -> bytes:
    if len(value) < MIN_KEY_LENGTH:
        raise AuditKeyError(
            Message(
                gettext_noop("KAIDAN_AUDIT_KEY is too short (use at least %(MIN_KEY_LENGTH)s characters)"),
                MIN_KEY_LENGTH=MIN_KEY_LENGTH,
            ).bilingual()
        )
    return value.encode()


def _file_secret(path: Path) -> bytes:
    if not path.exists():
        _create_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise AuditKeyError(
            Message(
                gettext_noop(
                    "the audit key file %(path)s is accessible to group or others (mode %(mode)s); run `chmod 600 %(path)s`"
                ),
                path=path,
                mode=format(mode, "04o"),
            ).bilingual()
        )
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_KEY_LENGTH:
        raise AuditKeyError(
            Message(gettext_noop("the audit key in %(path)s is too short"), path=path).bilingual()
        )
    return secret.encode()


def _create_key_file(path: Path) -> None:
    """Write a new key to a private temporary file, then link it into place: of two processes starting
    at once, one key wins and both use it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
