"""A browser's User-Agent header in words: "Chrome 120 / Windows", for access logs.

Deliberately small: the browsers and systems residents, staff and partners actually use. Anything else
reads as "Unknown browser" (the raw string stays available next to it). Order matters: Edge, Opera and
Samsung Internet also say "Chrome", Chrome also says "Safari", iOS also says "Mac OS X".
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_BROWSERS: list[tuple[str, re.Pattern[str]]] = [
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"\bOPR/(\d+)")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/(\d+)")),
    ("LINE", re.compile(r"\bLine/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)(?:\.\d+)*.*\bSafari/")),
    ("Internet Explorer", re.compile(r"\b(?:MSIE |Trident/.*rv:)(\d+)")),
    ("curl", re.compile(r"^curl/(\d+)")),
    ("Python", re.compile(r"^python-(?:requests|urllib3|httpx)/(\d+)")),
]
_SYSTEMS: list[tuple[str, re.Pattern[str]]] = [
    ("iOS", re.compile(r"\b(?:iPhone|iPad|iPod)\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
]


def browser_and_os(user_agent: str) -> tuple[str, str]:
    """("Chrome 120", "Windows"); either part is "" when not recognized."""
    browser = ""
    for name, pattern in _BROWSERS:
        if found := pattern.search(user_agent):
            browser = f"{name} {found.group(1)}"
            break
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), "")
    return browser, system


def describe_user_agent(user_agent: str) -> str:
    """The header in words for people: "Chrome 120 / Windows", "Safari 17 / iOS", "Unknown browser"."""
    if not user_agent.strip():
        return _("Not given")
    browser, system = browser_and_os(user_agent)
    if not browser and not system:
        return _("Unknown browser")
    return " / ".join(part or _("Unknown") for part in (browser, system))
