"""Private links without accounts: a resume link for a draft, a status link for a submission.

A token is "<id>-<HMAC>" over the object's kind, id and a random nonce stored with it, keyed by the
SECRET_KEY: it cannot be guessed or forged, it can be derived again to mail a status link on every change,
and replacing the nonce revokes it. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings


def new_nonce() -> str:
    return secrets.token_hex(16)


def _mac(kind: str, pk: int, nonce: str) -> str:
    key = hashlib.sha256(f"kaidan.procedures.tokens:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, f"{kind}:{pk}:{nonce}".encode(), hashlib.sha256).hexdigest()[:40]


def make(kind: str, pk: int, nonce: str) -> str:
    return f"{pk}-{_mac(kind, pk, nonce)}"


def split(token: str) -> int | None:
    """The id a token claims (not yet checked), or None when it is not a token at all."""
    head, sep, _mac_part = token.partition("-")
    if not sep or not head.isdigit() or len(head) > 18:
        return None
    return int(head)


def check(kind: str, token: str, pk: int, nonce: str) -> bool:
    return hmac.compare_digest(token.encode(), make(kind, pk, nonce).encode())
