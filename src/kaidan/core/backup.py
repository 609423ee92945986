"""Backup and restore of a whole Kaidan instance: the database, the stored files and the keys.

A backup is one `.tar.gz` holding
- the database, consistent while the site runs: SQLite through its online backup API (a snapshot of one
  moment, WAL included), PostgreSQL through `pg_dump --format=custom` (one transaction snapshot);
- `files/`: documents and import sources, read through Django's default storage — the data directory, or
  the S3 bucket when `KAIDAN_STORAGE=s3` (every object under Kaidan's prefix is downloaded into the archive).
  They are content-addressed and never changed in place, and they are copied *after* the database snapshot,
  so every file the snapshot names is in the backup;
- the audit key (`audit.key`) and the secret key (`secret_key`) when they live in the data directory: without
  the audit key a restored chain can only be checked in its weaker form (docs/operations.md);
- `manifest.json`: Kaidan's version, the database vendor, the time, and the number of rows of each table.

A restore goes into an *empty* instance (no users, no datasets): the database first (SQLite: the file;
PostgreSQL: `pg_restore --clean`), then the files (into the configured storage: a backup of a local instance
restores into one on S3 and back) and keys, then migrations, so a backup of an older
release opens in a newer one. Restoring onto an instance that holds data is refused: nothing is merged.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from kaidan.core import failpoints
from kaidan.core.errors import DomainError
from kaidan.core.storage import save_once
from kaidan.store import instance
from kaidan.values.messages import Message, gettext_noop

FORMAT = 1
KEYS = ("audit.key", "secret_key")


class BackupError(DomainError):
    status = 409
    exit_code = 2


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            Message(gettext_noop("%(tool)s is not installed (apt-get install postgresql-client)"), tool=name)
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    """Run pg_dump or pg_restore; a failure is a clear refusal with the tool's own first line of error."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        first = (done.stderr or "").strip().splitlines()[:1]
        raise BackupError(
            Message(
                gettext_noop("%(tool)s failed: %(error)s"),
                tool=Path(command[0]).name,
                error=first[0] if first else done.returncode,
            )
        )


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    args += ["--username", str(db.get("USER") or "postgres"), "--dbname", str(db["NAME"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _stored_names(prefix: str = "") -> Iterator[str]:
    """Every file in the default storage (local folder or bucket), walked through the storage API."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:  # a local storage nothing was stored in yet
        return
    for name in sorted(files):
        yield f"{prefix}/{name}" if prefix else name
    for folder in sorted(folders):
        yield from _stored_names(f"{prefix}/{folder}" if prefix else folder)


def _add_stored_files(tar: tarfile.TarFile) -> int:
    count = 0
    for name in _stored_names():
        info = tarfile.TarInfo(f"files/{name}")
        info.size = default_storage.size(name)
        info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
        with default_storage.open(name, "rb") as handle:
            tar.addfile(info, handle)
        count += 1
    return count


def _restore_stored_files(folder: Path) -> None:
    """Put the archive's files into this instance's storage. Run again after a killed restore, a file
    already there whole is kept and one cut short is written anew."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = path.relative_to(folder).as_posix()
            if default_storage.exists(name) and default_storage.size(name) != path.stat().st_size:
                default_storage.delete(name)
            with path.open("rb") as handle:
                save_once(name, handle)


def backup(out: Path) -> dict[str, Any]:
    """Write a backup of the running instance to `out` (a .tar.gz); returns its manifest."""
    data_dir = Path(settings.DATA_DIR)
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(prefix="kaidan-backup-") as tmp:
        if vendor == "sqlite":
            dump = Path(tmp) / "kaidan.sqlite3"
            source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
            target = sqlite3.connect(str(dump))
            with target:
                source.backup(target)
            source.close()
            target.close()
        else:
            dump = Path(tmp) / "kaidan.pgdump"
            args, env = _pg_env()
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), *args], env)
        manifest = {
            "format": FORMAT,
            "vendor": vendor,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "tables": instance.table_counts(),  # at backup time (the site may be writing meanwhile)
            "storage": default_storage.__class__.__name__,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(out, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            tar.add(dump, arcname=f"database/{dump.name}")
            manifest["files"] = _add_stored_files(tar)
            for key in KEYS:
                if (data_dir / key).exists():
                    tar.add(data_dir / key, arcname=f"keys/{key}")
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(
                Message(gettext_noop("The backup holds an unsafe path: %(path)s"), path=member.name)
            )
        members.append(member)
    return members


UNFINISHED = "restore.unfinished"
"""Written into the data directory before a restore touches anything, removed when it has finished: an
instance holding it was being restored when the process died, and may be restored into again."""


def unfinished_restore() -> bool:
    return (Path(settings.DATA_DIR) / UNFINISHED).exists()


def restore(archive: Path) -> dict[str, Any]:
    """Restore `archive` into this (empty) instance; returns the backup's manifest.

    Killed half-way (after the database, before the files or keys), the instance holds data but not all of
    it; the marker file says so, and running the same restore again completes it (and `kaidan serve` refuses
    to start meanwhile).
    """
    if not instance.is_empty() and not unfinished_restore():
        raise BackupError(
            Message(
                gettext_noop("This instance already holds data: a backup is restored only into an empty one.")
            )
        )
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    (Path(settings.DATA_DIR) / UNFINISHED).write_text(f"{archive}\n", encoding="utf-8")
    return _restore(archive)


def finish_restore() -> None:
    """The restore and the migrations after it are done: the instance is whole again."""
    (Path(settings.DATA_DIR) / UNFINISHED).unlink(missing_ok=True)


def _restore(archive: Path) -> dict[str, Any]:
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(prefix="kaidan-restore-") as tmp, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp, members=_safe_members(tar), filter="data")
        manifest = json.loads((Path(tmp) / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("vendor") != connection.vendor:
            raise BackupError(
                Message(
                    gettext_noop("The backup is of a %(vendor)s database; this instance uses %(here)s."),
                    vendor=manifest.get("vendor"),
                    here=connection.vendor,
                )
            )
        if connection.vendor == "sqlite":
            name = Path(str(settings.DATABASES["default"]["NAME"]))
            connection.close()
            staged = name.with_name(name.name + ".restoring")
            shutil.copyfile(Path(tmp) / "database" / "kaidan.sqlite3", staged)
            for suffix in ("-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
            os.replace(staged, name)  # the whole database or the old one, never half a file
        else:
            args, env = _pg_env()
            connection.close()
            _run(
                [
                    _tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    "--no-owner",
                    *args,
                    str(Path(tmp) / "database" / "kaidan.pgdump"),
                ],
                env,
            )
        failpoints.reached("restore.after-database")
        if (Path(tmp) / "files").exists():
            _restore_stored_files(Path(tmp) / "files")
        for key in KEYS:
            if (Path(tmp) / "keys" / key).exists():
                shutil.copyfile(Path(tmp) / "keys" / key, data_dir / key)
                os.chmod(data_dir / key, 0o600)
    from kaidan.audit import keys

    keys._cache.clear()  # the restored audit key replaces one this process may have read
    return manifest
