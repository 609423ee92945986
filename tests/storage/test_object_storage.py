"""Documents and import sources on S3-compatible object storage (KAIDAN_STORAGE=s3, django-storages),
against a real S3 server (moto's server mode): uploaded, downloaded, imported and backed up through the
bucket — nothing is written under the data directory's files/."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kaidan.access.services import SYSTEM
from kaidan.core import backup
from kaidan.documents.services import open_version_for_download, upload_document
from kaidan.ingest.services import plan_import, run_import

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_key(prefix: str, data: bytes) -> str:
    digest = sha(data)
    return f"{prefix}/{digest[:2]}/{digest[2:]}"


def test_the_s3_setting_selects_django_storages(s3_storage):
    from storages.backends.s3 import S3Storage

    s3, bucket = s3_storage
    assert default_storage.exists("nothing") is False  # reaches the bucket
    assert isinstance(default_storage._wrapped, S3Storage)
    assert default_storage.bucket_name == bucket and default_storage.endpoint_url == s3.endpoint


def test_a_document_is_stored_in_the_bucket_and_downloaded_from_it(s3_storage, make_org, make_user):
    s3, bucket = s3_storage
    owner = make_org("hokenfukushi", name="保健福祉課")
    editor = make_user("fukushi.editor", owner, "editor")
    document = upload_document(
        actor=editor,
        owner=owner,
        title="会議資料",
        file=SimpleUploadedFile("shiryou.pdf", PDF, content_type="application/pdf"),
        classification="internal",
    )

    assert content_key("documents", PDF) in s3.keys(bucket)
    assert s3.read(bucket, content_key("documents", PDF)) == PDF
    download = open_version_for_download(actor=editor, document=document)
    assert download.file.read() == PDF
    download.file.close()
    client = Client()
    client.force_login(editor)
    page = client.get(f"/documents/{document.pk}/download/")
    assert page.status_code == 200 and b"".join(page.streaming_content) == PDF
    assert not (Path(settings.MEDIA_ROOT) / content_key("documents", PDF)).exists()  # nothing kept locally


def test_an_import_keeps_its_source_file_in_the_bucket(s3_storage, make_org, tmp_path):
    s3, bucket = s3_storage
    owner = make_org("hokenfukushi", name="保健福祉課")
    data = "番号,施設名\n1,池尻会館\n".encode()
    path = tmp_path / "facilities.csv"
    path.write_bytes(data)
    plan, _ = plan_import(path, dataset="facilities", organization=owner.code)

    result = run_import(plan, actor=SYSTEM)

    assert result.revision.source_file.sha256 == sha(data)
    assert s3.read(bucket, content_key("sources", data)) == data


def test_a_backup_holds_the_buckets_objects_and_says_where_they_came_from(s3_storage, make_org, tmp_path):
    s3, bucket = s3_storage
    owner = make_org("hokenfukushi", name="保健福祉課")
    path = tmp_path / "facilities.csv"
    path.write_bytes("番号,施設名\n1,池尻会館\n".encode())
    plan, _ = plan_import(path, dataset="facilities", organization=owner.code)
    run_import(plan, actor=SYSTEM)
    archive = tmp_path / "backup.tar.gz"

    manifest = backup.backup(archive)

    assert manifest["storage"] == "S3Storage" and manifest["files"] == len(s3.keys(bucket)) == 1
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        [key] = s3.keys(bucket)
        member = tar.extractfile(f"files/{key}")
        assert member is not None and member.read() == s3.read(bucket, key)
    assert f"files/{key}" in names


def test_objects_are_private_to_kaidan(s3_storage, make_org, make_user):
    """Every read goes through Kaidan's access checks: an anonymous request to the bucket is refused."""
    import urllib.error
    import urllib.request

    s3, bucket = s3_storage
    owner = make_org("hokenfukushi")
    upload_document(
        actor=make_user("e", owner, "editor"),
        owner=owner,
        title="秘資料",
        file=SimpleUploadedFile("himitsu.pdf", PDF, content_type="application/pdf"),
        classification="restricted",
        restriction_reason="personal",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3.endpoint}/{bucket}/{content_key('documents', PDF)}")  # noqa: S310
    assert refused.value.code == 403
