"""The importer against malformed input (issue 16's reliability suite, the short part that runs in CI):
whatever the bytes — broken encodings, stray quotes, ragged rows, NULs, BOMs, huge cells — an import either
succeeds or is refused with Kaidan's own error (ReadError, ImportRejected), never crashes with anything
else, and a refused import leaves nothing behind: no dataset, no revision, no table.

`KAIDAN_FUZZ_EXAMPLES=2000 pytest tests/reliability` runs the long part (docs/operations.md)."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kaidan.access.actors import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.errors import ReadError
from kaidan.ingest.exceptions import ImportRejected
from kaidan.ingest.services import plan_import, run_import
from kaidan.store.models import Revision

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KAIDAN_FUZZ_EXAMPLES", "60"))

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["令和5年4月1日", "R5.4.1", "△100", "１，２３４", "03-1234-5678", '"', '""', "a,b", "\r", "\x00", "="]
    ),
    st.integers(-(10**20), 10**20).map(str),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=6), min_size=0, max_size=8)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16"])


def _csv(table: list[list[str]]) -> str:
    return "\n".join(",".join(row) for row in table)


@st.composite
def files(draw: st.DrawFn) -> bytes:
    text = _csv(draw(rows))
    data = text.encode(draw(encodings), errors="replace")
    if draw(st.booleans()):  # corrupt some bytes
        spots = draw(st.lists(st.integers(0, max(len(data) - 1, 0)), max_size=4))
        raw = bytearray(data)
        for spot in spots:
            if raw:
                raw[spot] = draw(st.integers(0, 255))
        data = bytes(raw)
    return data


def _tables() -> set[str]:
    return {t for t in connection.introspection.table_names() if t.startswith("kd_")}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=files())
@example(data=b"0\n9223372036854775808")  # found by this test: a 19-digit number crashed the integer column
@example(
    data=b"\xff\xfe\x00\xd8"
)  # found by this test: a broken UTF-16 surrogate escaped as UnicodeDecodeError
def test_any_bytes_import_or_are_refused_cleanly(data, tmp_path_factory, make_org):
    org_code = "fuzz"
    from kaidan.accounts.models import Organization

    if not Organization.objects.filter(code=org_code).exists():
        make_org(org_code)
    path = tmp_path_factory.mktemp("fuzz") / "input.csv"
    path.write_bytes(data)
    before = (Dataset.objects.count(), Revision.objects.count(), _tables())
    name = f"fuzz-{Dataset.objects.count()}"
    try:
        plan, analysis = plan_import(path, dataset=name, organization=org_code)
        run_import(plan, actor=SYSTEM, analysis=analysis)
    except (ReadError, ImportRejected) as exc:
        assert str(exc)  # a message a person can read (Japanese / English)
        assert (Dataset.objects.count(), Revision.objects.count(), _tables()) == before
    else:
        assert Dataset.objects.filter(name=name).exists()
