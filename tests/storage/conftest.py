"""A real S3-compatible server for the tests: moto in server mode (ThreadedMotoServer) on 127.0.0.1, spoken
to over HTTP by boto3 and django-storages exactly as a MinIO or a cloud's S3 endpoint would be."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import free_port

KEYS = {"aws_access_key_id": "kaidan-test", "aws_secret_access_key": "kaidan-test-secret"}
REGION = "ap-northeast-1"


@dataclass
class S3:
    endpoint: str

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, **KEYS)

    def bucket(self) -> str:
        name = f"kaidan-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(item["Key"] for item in listed)

    def read(self, bucket: str, key: str) -> bytes:
        return bytes(self.client().get_object(Bucket=bucket, Key=key)["Body"].read())

    def env(self, bucket: str) -> dict[str, str]:
        """The environment of a Kaidan instance keeping its files in `bucket` (docs/configuration.md)."""
        return {
            "KAIDAN_STORAGE": "s3",
            "KAIDAN_S3_BUCKET": bucket,
            "KAIDAN_S3_ENDPOINT_URL": self.endpoint,
            "KAIDAN_S3_REGION": REGION,
            "KAIDAN_S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
            "KAIDAN_S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_server: S3, settings, monkeypatch) -> tuple[S3, str]:
    """This process's default storage on a fresh bucket, configured as settings.py does from the environment."""
    from kaidan import settings as kaidan_settings

    bucket = s3_server.bucket()
    for name, value in s3_server.env(bucket).items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": kaidan_settings._default_storage()}
    return s3_server, bucket
