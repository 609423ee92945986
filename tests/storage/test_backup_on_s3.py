"""`kaidan backup` / `kaidan restore` of instances whose files live in S3 buckets (real `kaidan` processes
configured only by the environment, KAIDAN_STORAGE=s3): the backup carries the objects, the restore puts
them into the new instance's bucket, and the exports and the downloaded documents are identical."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backup.test_backup_restore import exports
from tests.instances import instances as scratch_instances
from tests.instances import kaidan

UPLOAD = """
from django.core.files.uploadedfile import SimpleUploadedFile
from kaidan.accounts.models import Organization, User
from kaidan.documents.services import upload_document
upload_document(actor=User.objects.get(username="fukushi.manager"), owner=Organization.objects.get(code="hokenfukushi"),
    title="会議録", file=SimpleUploadedFile("kaigiroku.txt", "令和8年度 第1回 会議録".encode(), content_type="text/plain"),
    classification="internal")
"""
READ = """
import sys
from kaidan.accounts.models import User
from kaidan.documents.models import Document
from kaidan.documents.services import open_version_for_download
download = open_version_for_download(actor=User.objects.get(username="fukushi.manager"), document=Document.objects.get(title="会議録"))
sys.stdout.write(download.file.read().decode())
"""


@pytest.fixture
def instances(
    tmp_path: Path, migrated_template: dict[str, str]
) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Two migrated, empty instances (the source loads the demo itself, so that its files go to its bucket)."""
    with scratch_instances(tmp_path, "source", "target", template=migrated_template) as (source, target):
        yield source, target


def test_an_instance_on_s3_is_backed_up_with_its_objects_and_restored_into_another_bucket(
    instances,
    s3_server,
    tmp_path: Path,
):
    source, target = instances
    source.update(s3_server.env(s3_server.bucket()))
    target.update(s3_server.env(s3_server.bucket()))
    kaidan(source, "demo")
    kaidan(source, "shell", "--no-imports", "-c", UPLOAD)
    source_keys = s3_server.keys(source["KAIDAN_S3_BUCKET"])
    assert any(k.startswith("documents/") for k in source_keys)
    assert any(k.startswith("sources/") for k in source_keys)
    assert not (Path(source["KAIDAN_DATA_DIR"]) / "files").exists()  # nothing on the local disk
    archive = tmp_path / "backup.tar.gz"
    kaidan(source, "backup", "-o", str(archive))

    kaidan(target, "restore", str(archive))

    assert s3_server.keys(target["KAIDAN_S3_BUCKET"]) == source_keys
    for key in source_keys:
        assert s3_server.read(target["KAIDAN_S3_BUCKET"], key) == s3_server.read(
            source["KAIDAN_S3_BUCKET"], key
        )
    assert kaidan(target, "shell", "--no-imports", "-c", READ).stdout == "令和8年度 第1回 会議録"
    assert exports(target, tmp_path / "after") == exports(source, tmp_path / "before")
    assert kaidan(target, "audit", "verify", check=False).returncode == 0


def test_a_backup_from_s3_restores_into_an_instance_on_local_files(instances, s3_server, tmp_path):
    source, target = instances
    source.update(s3_server.env(s3_server.bucket()))
    kaidan(source, "demo")
    kaidan(source, "shell", "--no-imports", "-c", UPLOAD)
    archive = tmp_path / "backup.tar.gz"
    kaidan(source, "backup", "-o", str(archive))

    kaidan(target, "restore", str(archive))

    local = sorted(
        p.relative_to(Path(target["KAIDAN_DATA_DIR"]) / "files").as_posix()
        for p in (Path(target["KAIDAN_DATA_DIR"]) / "files").rglob("*")
        if p.is_file()
    )
    assert local == s3_server.keys(source["KAIDAN_S3_BUCKET"])
    assert kaidan(target, "shell", "--no-imports", "-c", READ).stdout == "令和8年度 第1回 会議録"
