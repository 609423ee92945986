"""Abuse guards without third-party CAPTCHAs: a honeypot field, a time trap and rate limits.

- The honeypot is a text field hidden from people (and from assistive technology) that bots fill in.
- The time trap is a signed timestamp put in the form when it is shown: a form posted faster than a
  person can fill it (PROCEDURES_MIN_FILL_SECONDS, default 3) is refused — with the answers kept, so a
  fast person only presses the button again. There is no maximum age: no time-out ever loses input.
- Rate limits count per client address (hashed) in Django's cache: PROCEDURES_RATE_LIMITS gives
  (requests, seconds) per action.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

HONEYPOT = "website"
TRAP = "started"
_SALT = "kaidan.procedures.time-trap"
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "save": (60, 3600),  # drafts saved (each page post)
    "submit": (10, 3600),  # applications submitted
    "lookup": (10, 600),  # status look-ups by receipt number and e-mail
    "postal": (120, 600),  # postal-code look-ups while filling in addresses
}


def stamp() -> str:
    return signing.dumps(int(time.time()), salt=_SALT)


def too_fast(value: str) -> bool:
    """True when the form came back sooner than a person fills it (or the stamp is missing or forged)."""
    minimum = float(getattr(settings, "PROCEDURES_MIN_FILL_SECONDS", 3))
    if minimum <= 0:
        return False
    try:
        started = int(signing.loads(value or "", salt=_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return True
    return time.time() - started < minimum


def is_bot(data: dict[str, str] | object) -> bool:
    value = getattr(data, "get", lambda _k, _d="": "")(HONEYPOT, "")
    return bool(str(value).strip())


def allow(action: str, client_ip: str) -> bool:
    """Count one request of `action` from this address; False when over its limit."""
    limits = {**DEFAULT_LIMITS, **getattr(settings, "PROCEDURES_RATE_LIMITS", {})}
    count, seconds = limits[action]
    key = f"kaidan:procedures:rate:{action}:{hashlib.sha256(client_ip.encode()).hexdigest()[:32]}"
    if cache.add(key, 1, seconds):
        return True
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds)
        return True
    return used <= count
