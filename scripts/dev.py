#!/usr/bin/env python3
"""Kaidan's two commands for a fresh machine with only Python 3.11+.

    python3 scripts/dev.py start   # set up, fill the demo ward, serve on http://127.0.0.1:8000/
    python3 scripts/dev.py test    # lint, type-check, and the whole suite on SQLite (and PostgreSQL
                                   # when KAIDAN_TEST_DATABASE_URL names a database)

It creates `.venv/` beside the project and installs the pinned dependencies there (again only when
pyproject.toml changed). Browser tests use Debian's chromium: as root the test command installs it
with apt-get when it is missing; otherwise they are skipped with a visible reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".kaidan-installed"


def run(cmd: list[str], env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env=env)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Kaidan needs Python 3.11 or newer / Python 3.11 以上が必要です")
    if not PY.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        subprocess.check_call([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
        subprocess.check_call([str(PY), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]"])
        STAMP.write_text(digest)


JAPANESE_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
"""Debian's fonts-noto-cjk: Japanese in the browser tests' screenshots and in the counter's printed sheet."""


def ensure_chromium() -> None:
    missing = [
        package
        for package, present in (
            ("chromium", shutil.which("chromium") or Path("/usr/bin/chromium").exists()),
            ("fonts-noto-cjk", JAPANESE_FONT.exists()),
        )
        if not present
    ]
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.call(["apt-get", "update", "-qq"])
        subprocess.call(["apt-get", "install", "-y", "-qq", *missing])
    else:
        print(
            f"{' and '.join(missing)} not found: browser tests (chromium) or the printed sheet's test "
            f"(fonts-noto-cjk) will be skipped (apt-get install {' '.join(missing)})",
            flush=True,
        )


def start(args: list[str]) -> int:
    ensure_venv()
    kaidan = str(BIN / "kaidan")
    if run([kaidan, "demo"]) != 0:
        return 1
    return run([kaidan, "serve", *args])


def pytest_run(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    with tempfile.TemporaryDirectory(prefix="kaidan-test-") as data_dir:
        code = run(
            [str(PY), "-m", "pytest", "--durations=15", *WORKERS, *args], env=half_env(label, env, data_dir)
        )
    return _collected(label, code)


def half_env(label: str, env: dict[str, str], data_dir: str) -> dict[str, str]:
    """One half's environment: its own data directory, and a folder of its own for the browser tests'
    screenshots (1280 and 375 px), kept after the run in test-results/screenshots/<database>/."""
    shots = ROOT / "test-results" / "screenshots" / label.lower()
    return {"KAIDAN_SCREENSHOTS": str(shots), **env, "KAIDAN_DATA_DIR": data_dir}


def _collected(label: str, code: int) -> int:
    if code == 5:
        print(f"no tests were collected on {label}: failing", flush=True)
        return 1
    return code


WORKERS = ["-n", "2", "--dist", "loadfile"]
"""Each half runs on two pytest-xdist workers (a test file stays on one): their tests wait on servers,
browsers and `kaidan` processes as much as they compute, so four processes keep two cores busy. Each
worker has its own test database and data directory (tests/conftest.py); the e2e tests stop their browser
at the end of each file (tests/e2e/conftest.py), so the next file on the worker sees no event loop."""


def pytest_both(sqlite_env: dict[str, str], pg_env: dict[str, str], args: list[str]) -> int:
    """The SQLite and PostgreSQL halves at once, one per core (each in its own data directory); the
    PostgreSQL half's output is kept in a file and printed when it ends, so neither log is interleaved."""
    print("\n=== tests on SQLite and PostgreSQL at once (KAIDAN_TEST_SERIAL=1: one after the other) ===")
    with (
        tempfile.TemporaryDirectory(prefix="kaidan-test-") as sqlite_dir,
        tempfile.TemporaryDirectory(prefix="kaidan-test-") as pg_dir,
        tempfile.TemporaryFile("w+") as pg_log,
    ):
        pg = subprocess.Popen(
            [str(PY), "-m", "pytest", "--durations=15", *WORKERS, *args],
            env=half_env("PostgreSQL", pg_env, pg_dir),
            stdout=pg_log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        print("\n=== tests on SQLite ===", flush=True)
        sqlite_code = _collected(
            "SQLite",
            run(
                [str(PY), "-m", "pytest", "--durations=15", *WORKERS, *args],
                env=half_env("SQLite", sqlite_env, sqlite_dir),
            ),
        )
        pg_code = pg.wait()
        pg_log.seek(0)
        print("\n=== tests on PostgreSQL ===", flush=True)
        sys.stdout.write(pg_log.read())
        sys.stdout.flush()
    return (sqlite_code != 0) + (_collected("PostgreSQL", pg_code) != 0)


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_chromium()
    failures = 0
    failures += run([str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts"]) != 0
    failures += run([str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "scripts"]) != 0
    failures += run([str(BIN / "mypy"), "src"]) != 0
    base_env = {k: v for k, v in os.environ.items() if k != "KAIDAN_DATABASE_URL"}
    pg_url = os.environ.get("KAIDAN_TEST_DATABASE_URL")
    # the tests' own sessions (and the kaidan processes and pg_dump they start) need not wait for the WAL to
    # reach the disk at each commit: libpq reads PGOPTIONS in every one of them; the server is not changed
    base_env.setdefault("PGOPTIONS", "-c synchronous_commit=off")
    if pg_url and not os.environ.get("KAIDAN_TEST_SERIAL"):
        failures += pytest_both(base_env, {**base_env, "KAIDAN_DATABASE_URL": pg_url}, args)
    elif pg_url:
        failures += pytest_run("SQLite", base_env, args) != 0
        failures += pytest_run("PostgreSQL", {**base_env, "KAIDAN_DATABASE_URL": pg_url}, args) != 0
    else:
        failures += pytest_run("SQLite", base_env, args) != 0
        print("KAIDAN_TEST_DATABASE_URL is not set: PostgreSQL half skipped", flush=True)
    print("\nall checks passed" if not failures else f"\n{failures} check(s) failed", flush=True)
    return 1 if failures else 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"start", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return start(rest) if command == "start" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
