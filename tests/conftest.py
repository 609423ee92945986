"""Shared fixtures. Objects are created through services, as the product creates them."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

os.environ.setdefault("KAIDAN_DATA_DIR", tempfile.mkdtemp(prefix="kaidan-test-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # each pytest-xdist worker (scripts/dev.py runs each half on two) keeps its files apart, as
    # pytest-django keeps its test database apart (test_…_gw0, test_…_gw1)
    _worker_dir = os.path.join(os.environ["KAIDAN_DATA_DIR"], os.environ["PYTEST_XDIST_WORKER"])
    os.makedirs(_worker_dir, exist_ok=True)
    os.environ["KAIDAN_DATA_DIR"] = _worker_dir

import pytest  # noqa: E402

from kaidan.accounts.models import Organization, User  # noqa: E402
from kaidan.accounts.services import create_organization, set_membership  # noqa: E402


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Password hashing is deliberately slow; tests need not prove that again and again."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts without cached counts or analysis snapshots: rolled-back tests reuse dataset ids
    and revision numbers."""
    from kaidan.analysis import snapshots
    from kaidan.store import readcache

    readcache.clear()
    snapshots.clear()


@pytest.fixture
def make_org(db):
    def make(code: str, kind: str = Organization.Kind.DEPARTMENT, name: str | None = None) -> Organization:
        return create_organization(actor=None, code=code, name=name or code, kind=kind)

    return make


@pytest.fixture
def make_user(db):
    def make(username: str, org: Organization | None = None, role: str = "viewer", **extra) -> User:
        user = User.objects.create_user(
            username=username, password="correct-horse-battery", email=f"{username}@example.jp", **extra
        )
        if org is not None:
            set_membership(actor=None, user=user, organization=org, role=role)
        return user

    return make


@dataclass
class MailCollector:
    """aiosmtpd handler that keeps every message it receives."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd hook name)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings) -> Iterator[MailCollector]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django sends its mail there."""
    from aiosmtpd.controller import Controller

    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture
def immediate_tasks(settings) -> Iterator[None]:
    """Run enqueued background tasks at once (the database queue's worker is tested with `kaidan serve`)."""
    from asgiref.local import Local
    from django_tasks import task_backends

    def reset() -> None:
        task_backends.__dict__.pop("settings", None)
        task_backends._connections = Local()

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    reset()
    yield
    reset()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An instance after `kaidan migrate`, made once per test process, for `instances(...,
    template=migrated_template)` (tests/instances.py): tests that run `kaidan` processes copy it."""
    from tests.instances import instances, kaidan

    with instances(tmp_path_factory.mktemp("templates"), "migrated") as (env,):
        kaidan(env, "migrate", "-v0")
        yield env


@pytest.fixture(scope="session")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: dict[str, str]
) -> Iterator[dict[str, str]]:
    """An instance after `kaidan demo`, made once per test process (see `migrated_template`)."""
    from tests.instances import instances, kaidan

    with instances(tmp_path_factory.mktemp("templates"), "demo", template=migrated_template) as (env,):
        kaidan(env, "demo")
        yield env
