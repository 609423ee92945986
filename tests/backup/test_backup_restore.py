"""`kaidan backup` and `kaidan restore`: a backup of a running instance, restored into an empty one, gives
identical exports of every dataset and an audit chain that verifies with the restored key — on SQLite and
(when the suite runs on PostgreSQL) on PostgreSQL. Each instance is a real `kaidan` process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DATASETS = ["aed", "mimamori", "budget-draft"]


def kaidan(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaidan.cli", *args], env=env, capture_output=True, text=True, check=check
    )


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Two empty instances (data directories, and databases when on PostgreSQL)."""
    base = {k: v for k, v in os.environ.items() if k != "KAIDAN_DATABASE_URL"}
    url = os.environ.get("KAIDAN_DATABASE_URL", "")
    made: list[str] = []
    envs = []
    for name in ("source", "target"):
        env = {**base, "KAIDAN_DATA_DIR": str(tmp_path / name)}
        if url.startswith("postgres"):
            import psycopg

            database = f"kaidan_backup_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            made.append(database)
            env["KAIDAN_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
        envs.append(env)
    yield envs[0], envs[1]
    if made:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            for database in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def exports(env: dict[str, str], out: Path) -> dict[str, bytes]:
    out.mkdir(parents=True, exist_ok=True)
    found = {}
    for name in DATASETS:
        for fmt in ("csv", "json"):
            kaidan(env, "export", name, "--format", fmt, "-o", str(out / f"{name}.{fmt}"))
            found[f"{name}.{fmt}"] = (out / f"{name}.{fmt}").read_bytes()
    return found


def test_a_backup_restored_into_an_empty_instance_exports_the_same_and_its_audit_chain_verifies(
    instances, tmp_path
):
    source, target = instances
    kaidan(source, "migrate", "-v0")
    kaidan(source, "demo")
    archive = tmp_path / "backup.tar.gz"
    done = kaidan(source, "backup", "-o", str(archive))
    assert "backup written" in done.stdout and archive.stat().st_size > 0

    kaidan(target, "migrate", "-v0")  # an empty, migrated instance
    kaidan(target, "restore", str(archive))
    assert exports(target, tmp_path / "after") == exports(source, tmp_path / "before")
    verified = kaidan(target, "audit", "verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    documents = sorted(p.name for p in (Path(target["KAIDAN_DATA_DIR"]) / "files").rglob("*") if p.is_file())
    assert documents == sorted(
        p.name for p in (Path(source["KAIDAN_DATA_DIR"]) / "files").rglob("*") if p.is_file()
    )


def test_a_backup_is_not_restored_over_data(instances, tmp_path):
    source, _target = instances
    kaidan(source, "migrate", "-v0")
    kaidan(source, "demo")
    archive = tmp_path / "backup.tar.gz"
    kaidan(source, "backup", "-o", str(archive))
    refused = kaidan(source, "restore", str(archive), check=False)
    assert refused.returncode == 2
    assert "empty" in refused.stderr and "空" in refused.stderr
