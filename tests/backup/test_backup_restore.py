"""`kaidan backup` and `kaidan restore`: a backup of a running instance, restored into an empty one, gives
identical exports of every dataset and an audit chain that verifies with the restored key — on SQLite and
(when the suite runs on PostgreSQL) on PostgreSQL. Each instance is a real `kaidan` process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.instances import instances as scratch_instances
from tests.instances import kaidan

DATASETS = ["aed", "mimamori", "budget-draft"]


@pytest.fixture
def instances(
    tmp_path: Path, demo_template: dict[str, str], migrated_template: dict[str, str]
) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """A source instance after `kaidan demo` and an empty, migrated target (data directories, and
    databases when on PostgreSQL), both copies of the session's templates."""
    with (
        scratch_instances(tmp_path, "source", template=demo_template) as (source,),
        scratch_instances(tmp_path, "target", template=migrated_template) as (target,),
    ):
        yield source, target


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
    archive = tmp_path / "backup.tar.gz"
    done = kaidan(source, "backup", "-o", str(archive))
    assert "backup written" in done.stdout and archive.stat().st_size > 0

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
    archive = tmp_path / "backup.tar.gz"
    kaidan(source, "backup", "-o", str(archive))
    refused = kaidan(source, "restore", str(archive), check=False)
    assert refused.returncode == 2
    assert "empty" in refused.stderr and "空" in refused.stderr
