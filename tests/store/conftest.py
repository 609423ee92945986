from __future__ import annotations

from pathlib import Path

import pytest

from kaidan.access.services import SYSTEM
from kaidan.ingest.services import plan_import, run_import


@pytest.fixture
def write_csv(tmp_path):
    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def do_import(db, make_org):
    org = make_org("hokenfukushi")

    def run(path: Path, *, dataset: str = "shelters", actor=SYSTEM, **options):
        options.setdefault("organization", org.code)
        plan, _analysis = plan_import(path, dataset=dataset, **options)
        return run_import(plan, actor=actor)

    return run
