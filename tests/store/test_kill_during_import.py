"""Killing the import process (kill -9) mid-way leaves the dataset exactly as before.

The import runs in a real `kaidan import` process against its own database (a SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL), so the test needs no shared connection.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.instances import instances

HEADER = "番号,名称,地区,件数\n"


def kaidan(env: dict[str, str], *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kaidan.cli", *args], env=env, **kw)


@pytest.fixture
def own_database(tmp_path, demo_template):
    """An instance of its own after `kaidan demo` (a copy of the session's template), and a function that
    queries its database."""
    with instances(tmp_path, "data", template=demo_template) as (env,):
        if connection.vendor == "postgresql":
            import psycopg

            def query(sql: str) -> list[tuple]:
                with psycopg.connect(env["KAIDAN_DATABASE_URL"]) as conn:
                    return list(conn.execute(sql).fetchall())
        else:

            def query(sql: str) -> list[tuple]:
                with sqlite3.connect(Path(env["KAIDAN_DATA_DIR"]) / "kaidan.sqlite3") as conn:
                    return conn.execute(sql).fetchall()

        yield env, query


def test_kill_9_mid_import_leaves_no_trace(own_database, tmp_path):
    env, query = own_database
    small = tmp_path / "small.csv"
    small.write_text(HEADER + "1,池尻,池尻,1\n2,太子堂,太子堂,2\n", encoding="utf-8")
    big = write_big(tmp_path)
    first = kaidan(
        env, "import", str(small), "--dataset", "t", "--org", "dx", "--key", "番号", "--yes", "-v0"
    )
    assert first.wait() == 0
    before = query("SELECT number FROM store_revision")
    proc = kaidan(
        env,
        "import",
        str(big),
        "--dataset",
        "t",
        "--mode",
        "replace",
        "--yes",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    kill_while_writing(proc)
    assert query("SELECT number FROM store_revision") == before
    assert query("SELECT current_revision, row_count FROM catalog_dataset WHERE name = 't'") == [(1, 2)]
    ids = query("SELECT id FROM catalog_dataset WHERE name = 't'")[0][0]
    assert query(f"SELECT COUNT(*) FROM kd_data_{ids} WHERE _deleted_rev IS NULL") == [(2,)]
    assert query(f"SELECT COUNT(*) FROM kd_data_{ids}") == [(2,)]


def write_big(tmp_path) -> Path:
    """A 400,000-row CP932 file, big enough to kill its import while rows are written."""
    big = tmp_path / "big.csv"
    with big.open("w", encoding="cp932") as out:
        out.write(HEADER)
        for n in range(1, 400_001):
            out.write(f"{n},施設{n},地区{n % 30},{n % 97}\n")
    return big


def kill_while_writing(proc: subprocess.Popen[bytes]) -> None:
    """Wait until rows are being written (the progress bar counts up), then kill the import hard."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not re.search(rb"\b[1-9][0-9]*/400000", seen):
        chunk = proc.stdout.read1(4096)  # type: ignore[attr-defined]
        if not chunk:
            break
        seen += chunk
    assert re.search(rb"\b[1-9][0-9]*/400000", seen), seen[-500:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _tables(query) -> list[tuple]:
    if connection.vendor == "postgresql":
        return query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'kd_data_%' ORDER BY 1")
    return query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'kd_data_%' ORDER BY 1")


def test_kill_9_mid_bulk_create_leaves_no_dataset_and_no_table(own_database, tmp_path):
    """The bulk path (Arrow reader, column-wise insert through the writer thread, indexes built at the
    end) is killed while it writes: no dataset, no revision, no table is left behind."""
    env, query = own_database
    big = write_big(tmp_path)
    before = (query("SELECT number FROM store_revision"), query("SELECT name FROM catalog_dataset"))
    tables_before = _tables(query)
    proc = kaidan(
        env,
        "import",
        str(big),
        "--dataset",
        "big",
        "--org",
        "dx",
        "--yes",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    kill_while_writing(proc)
    assert (query("SELECT number FROM store_revision"), query("SELECT name FROM catalog_dataset")) == before
    assert _tables(query) == tables_before


# `kaidan import` with a kill -9 of itself at one moment of the ADBC hand-over (kaidan.store.staging):
# "staged" — every row is in the staging table, ADBC has committed it, nothing is moved yet;
# "moved" — the rows are in the dataset's table inside the revision's transaction, not committed;
# "indexed" — indexes built and counts written, just before the revision's commit.
KILL_AT = """
import os, signal, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
django.setup()
from kaidan.store import services, staging

def die():
    os.kill(os.getpid(), signal.SIGKILL)

moment = sys.argv[1]
apply = staging.Staging.apply

def patched(self):
    if moment == "staged":
        self._conn.commit()
        die()
    apply(self)
    if moment == "moved":
        die()

staging.Staging.apply = patched
if moment == "indexed":
    services.tables.analyze = lambda dataset: die()
from kaidan.cli import main
main(sys.argv[2:])
"""


def _staging_left(env, query) -> list:
    if connection.vendor == "postgresql":
        return query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'kd_stage%'")
    folder = Path(env["KAIDAN_DATA_DIR"]) / "staging"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.parametrize(
    ("moment", "mode"), [("staged", "create"), ("moved", "replace"), ("indexed", "create")]
)
def test_kill_9_during_the_hand_over_from_staging_leaves_no_trace(own_database, tmp_path, moment, mode):
    """Killed between ADBC's commit of the staging and the revision's commit: the dataset is as before,
    no dataset table is left, and the next import removes the dead import's staging."""
    env, query = own_database
    small = tmp_path / "small.csv"
    small.write_text(HEADER + "1,池尻,池尻,1\n2,太子堂,太子堂,2\n", encoding="utf-8")
    big = tmp_path / "big.csv"
    with big.open("w", encoding="cp932") as out:
        out.write(HEADER)
        for n in range(1, 60_001):  # above STAGING_FROM_ROWS: the staged path
            out.write(f"{n},施設{n},地区{n % 30},{n % 97}\n")
    assert kaidan(env, "import", str(small), "--dataset", "t", "--org", "dx", "--yes", "-v0").wait() == 0
    before = (
        query("SELECT number FROM store_revision"),
        query("SELECT name, current_revision, row_count FROM catalog_dataset ORDER BY name"),
        _tables(query),
    )
    target = (
        ["--dataset", "t", "--mode", "replace"] if mode == "replace" else ["--dataset", "u", "--org", "dx"]
    )
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AT, moment, "import", str(big), *target, "--yes", "-v0"],
        env=env,
        capture_output=True,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    after = (
        query("SELECT number FROM store_revision"),
        query("SELECT name, current_revision, row_count FROM catalog_dataset ORDER BY name"),
        _tables(query),
    )
    assert after == before
    ids = query("SELECT id FROM catalog_dataset WHERE name = 't'")[0][0]
    assert query(f"SELECT COUNT(*) FROM kd_data_{ids}") == [(2,)]
    if moment != "staged" or connection.vendor == "sqlite":
        assert _staging_left(env, query)  # what the dead import left …
    assert kaidan(env, "import", str(small), "--dataset", "v", "--org", "dx", "--yes", "-v0").wait() == 0
    assert _staging_left(env, query) == []  # … the next import removed
