"""`kaidan backup` / `kaidan restore` of instances whose files live in S3 buckets (real `kaidan` processes
configured only by the environment, KAIDAN_STORAGE=s3): the backup carries the objects, the restore puts
them into the new instance's bucket, and the exports and the downloaded documents are identical."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class Backup:
    source: dict[str, str]
    archive: Path
    keys: list[str]


@pytest.fixture(scope="module")
def backup(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: dict[str, str], s3_server
) -> Iterator[Backup]:
    """An instance on S3 that loaded the demo itself (so that its files went to its bucket) and uploaded a
    document, and its backup: made once for the restores below (the demo on S3 is most of their time)."""
    work = tmp_path_factory.mktemp("s3-source")
    with scratch_instances(work, "source", template=migrated_template) as (source,):
        source.update(s3_server.env(s3_server.bucket()))
        kaidan(source, "demo")
        kaidan(source, "shell", "--no-imports", "-c", UPLOAD)
        archive = work / "backup.tar.gz"
        kaidan(source, "backup", "-o", str(archive))
        yield Backup(source, archive, s3_server.keys(source["KAIDAN_S3_BUCKET"]))


@pytest.fixture
def target(tmp_path: Path, migrated_template: dict[str, str]) -> Iterator[dict[str, str]]:
    """A migrated, empty instance to restore into."""
    with scratch_instances(tmp_path, "target", template=migrated_template) as (target,):
        yield target


def test_an_instance_on_s3_keeps_its_files_in_its_bucket(backup):
    assert any(k.startswith("documents/") for k in backup.keys)
    assert any(k.startswith("sources/") for k in backup.keys)
    assert not (Path(backup.source["KAIDAN_DATA_DIR"]) / "files").exists()  # nothing on the local disk


def test_an_instance_on_s3_is_backed_up_with_its_objects_and_restored_into_another_bucket(
    backup, target, s3_server, tmp_path: Path
):
    target.update(s3_server.env(s3_server.bucket()))

    kaidan(target, "restore", str(backup.archive))

    assert s3_server.keys(target["KAIDAN_S3_BUCKET"]) == backup.keys
    for key in backup.keys:
        assert s3_server.read(target["KAIDAN_S3_BUCKET"], key) == s3_server.read(
            backup.source["KAIDAN_S3_BUCKET"], key
        )
    assert kaidan(target, "shell", "--no-imports", "-c", READ).stdout == "令和8年度 第1回 会議録"
    assert exports(target, tmp_path / "after") == exports(backup.source, tmp_path / "before")
    assert kaidan(target, "audit", "verify", check=False).returncode == 0


def test_a_backup_from_s3_restores_into_an_instance_on_local_files(backup, target):
    kaidan(target, "restore", str(backup.archive))

    local = sorted(
        p.relative_to(Path(target["KAIDAN_DATA_DIR"]) / "files").as_posix()
        for p in (Path(target["KAIDAN_DATA_DIR"]) / "files").rglob("*")
        if p.is_file()
    )
    assert local == backup.keys
    assert kaidan(target, "shell", "--no-imports", "-c", READ).stdout == "令和8年度 第1回 会議録"
