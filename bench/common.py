"""What several benchmarks share: a loopback port, waiting for a server, and a Kaidan instance with one clerk."""

from __future__ import annotations

import os
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 60) -> None:
    """Until the server at `url` answers (or exit naming it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 — loopback
                response.read()
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not start: {url}")


def instance_with_clerk(data_dir: Path, role: str = "viewer") -> Any:
    """A migrated Kaidan instance in `data_dir` (this process: Django is set up here) with the organization
    政策企画課 (`seisaku`) and its clerk, returned."""
    os.environ["KAIDAN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaidan.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kaidan.accounts.models import User
    from kaidan.accounts.services import create_organization, set_membership

    call_command("migrate", verbosity=0)
    org = create_organization(actor=None, code="seisaku", name="政策企画課", kind="department")
    clerk = User.objects.create_user(username="clerk", password="x" * 12)
    set_membership(actor=None, user=clerk, organization=org, role=role)
    return clerk
