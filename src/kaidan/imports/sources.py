"""Fetching a schedule's file: from an http(s) URL (conditional GET with ETag / Last-Modified) or from a
watched folder on the server (the newest file matching a pattern).

Both are limited by settings, because a schedule makes the *server* read something on a staff member's
behalf: URLs only on the hosts in KAIDAN_IMPORT_URL_HOSTS (redirects included), folders only inside
KAIDAN_IMPORT_FOLDERS. The file is copied to a temporary file first, so the bytes hashed are the bytes
imported even while the business system writes its next drop.
"""

from __future__ import annotations

import email.message
import fnmatch
import hashlib
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings

from kaidan.values.messages import Message, gettext_noop

CHUNK = 1 << 20
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".json")


class FetchError(Exception):
    """The file could not be fetched; `message` says why (in both languages)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


class NotModified(Exception):  # noqa: N818 — a condition, not an error
    """The server answered 304: the file has not changed since the last run."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    name: str
    sha256: str
    size: int
    etag: str = ""
    last_modified: str = ""


def url_problem(url: str) -> Message | None:
    """Why the server may not fetch `url` (None when it may)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return Message(gettext_noop("only http:// and https:// addresses can be fetched"))
    allowed = [h.lower() for h in settings.IMPORT_URL_HOSTS]
    if "*" not in allowed and parsed.hostname.lower() not in allowed:
        return Message(
            gettext_noop(
                "the host %(host)s is not among the hosts this server may fetch from "
                "(KAIDAN_IMPORT_URL_HOSTS; ask the operator)"
            ),
            host=parsed.hostname,
        )
    return None


def folder_problem(folder: str) -> Message | None:
    """Why the server may not watch `folder` (None when it may)."""
    path = Path(folder)
    if not path.is_absolute():
        return Message(gettext_noop("give the folder as an absolute path"))
    resolved = path.resolve()
    roots = [Path(r).resolve() for r in settings.IMPORT_FOLDERS]
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        return Message(
            gettext_noop(
                "the folder %(folder)s is not inside a folder this server may read "
                "(KAIDAN_IMPORT_FOLDERS; ask the operator)"
            ),
            folder=folder,
        )
    return None


def _copy(source: IO[bytes], target: Path, *, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > settings.MAX_UPLOAD_SIZE:
                raise FetchError(
                    Message(
                        gettext_noop("%(name)s is larger than %(limit)s MB (KAIDAN_MAX_UPLOAD_MB)"),
                        name=name,
                        limit=settings.MAX_UPLOAD_SIZE // (1024 * 1024),
                    )
                )
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an address the server may fetch too."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        problem = url_problem(newurl)
        if problem is not None:
            raise FetchError(
                Message(gettext_noop("redirected to %(url)s: %(reason)s"), url=newurl, reason=problem)
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _name_from(response: Any, url: str) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    if disposition:
        header = email.message.Message()
        header["Content-Disposition"] = disposition
        filename = header.get_filename()
        if filename:
            return PurePosixPath(filename).name
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    return name or "download"


def fetch_url(url: str, into: Path, *, etag: str = "", last_modified: str = "") -> Fetched:
    """Download `url` into the folder `into`. Raises NotModified on 304, FetchError on any failure."""
    problem = url_problem(url)
    if problem is not None:
        raise FetchError(problem)
    headers = {"User-Agent": "Kaidan-Import/1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 — http(s) only, checked above
    opener = urllib.request.build_opener(_CheckedRedirects())
    try:
        with opener.open(request, timeout=settings.IMPORT_FETCH_TIMEOUT) as response:
            name = _name_from(response, response.geturl())
            target = into / f"source{PurePosixPath(name).suffix.lower()[:10]}"
            sha, size = _copy(response, target, name=name)
            return Fetched(
                target,
                name,
                sha,
                size,
                etag=response.headers.get("ETag", "") or "",
                last_modified=response.headers.get("Last-Modified", "") or "",
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            raise NotModified from exc
        raise FetchError(
            Message(gettext_noop("%(url)s answered HTTP %(status)s"), url=url, status=exc.code)
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            Message(gettext_noop("%(url)s could not be fetched: %(error)s"), url=url, error=str(reason))
        ) from exc


def fetch_folder(folder: str, pattern: str, into: Path) -> Fetched:
    """Copy the newest file in `folder` whose name matches `pattern` into `into`."""
    problem = folder_problem(folder)
    if problem is not None:
        raise FetchError(problem)
    root = Path(folder).resolve()
    try:
        candidates = [
            p
            for p in root.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and fnmatch.fnmatch(p.name, pattern or "*")
            and p.suffix.lower() in SUFFIXES
            and p.resolve().is_relative_to(root)
        ]
    except OSError as exc:
        raise FetchError(
            Message(gettext_noop("the folder %(folder)s cannot be read: %(error)s"), folder=folder, error=exc)
        ) from exc
    if not candidates:
        raise FetchError(
            Message(
                gettext_noop("no file matching %(pattern)s in %(folder)s"),
                pattern=pattern or "*",
                folder=folder,
            )
        )
    newest = max(candidates, key=lambda p: (p.stat().st_mtime, p.name))
    target = into / f"source{newest.suffix.lower()[:10]}"
    with newest.open("rb") as source:
        sha, size = _copy(source, target, name=newest.name)
    shutil.copystat(newest, target)
    return Fetched(target, newest.name, sha, size)
