"""Every real municipal file in the fixtures imports into the master DB: rows in = rows stored + rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaidan.access.services import SYSTEM
from kaidan.ingest.services import plan_import, run_import
from kaidan.store import selectors

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
FILES = sorted(p for p in REAL.rglob("*") if p.suffix.lower() in {".csv", ".xlsx", ".xls", ".ods"})

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REAL)) for p in FILES])
def test_real_file_imports_with_its_detected_columns_and_rows(path, make_org):
    org = make_org("dx")
    plan, analysis = plan_import(path, dataset="real", organization=org.code, on_error="skip")
    result = run_import(plan, actor=SYSTEM)
    dataset = result.dataset
    assert [f.label for f in dataset.live_fields()] == [c.label for c in plan.columns]
    assert [f.type for f in dataset.live_fields()] == [c.type for c in plan.columns]
    assert result.revision.added + result.revision.rejected == analysis.data_rows
    assert dataset.row_count == result.revision.added
    fields = dataset.live_fields()
    assert sum(1 for _ in selectors.iter_rows(dataset, fields)) == dataset.row_count
