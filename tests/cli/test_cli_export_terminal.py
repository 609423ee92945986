"""`kaidan export` does not pour a binary format onto a terminal; to a pipe or a file it writes as before.

The terminal is the real captured stdout told it is a terminal: only its `isatty` is replaced.
"""

from __future__ import annotations

import os
import sys

import pytest

from kaidan.access.actors import SYSTEM
from kaidan.cli import main
from kaidan.ingest.services import plan_import, run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelters(ward, csv_file):
    plan, analysis = plan_import(csv_file, dataset="shelters", organization="hokenfukushi")
    return run_import(plan, actor=SYSTEM, analysis=analysis).dataset


@pytest.fixture
def export(capsysbinary):
    """Run `kaidan export ARGS…`; returns (exit code, stdout bytes, stderr text)."""

    def run(*args: str, terminal: bool) -> tuple[int, bytes, str]:
        capsysbinary.readouterr()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys.stdout, "isatty", lambda: terminal)
            try:
                main(["export", *args])
                code = 0
            except SystemExit as exited:
                code = exited.code if isinstance(exited.code, int) else 1
        captured = capsysbinary.readouterr()
        return code, captured.out, captured.err.decode("utf-8")

    return run


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "csv-sjis"])
def test_a_binary_format_is_not_written_to_a_terminal_and_the_message_suggests_o(export, shelters, fmt):
    code, out, err = export("shelters", f"--format={fmt}", terminal=True)

    assert code == 2 and out == b""
    assert "-o" in err and "terminal" in err and "端末" in err and fmt in err


@pytest.mark.parametrize(
    "fmt, start", [("xlsx", b"PK"), ("parquet", b"PAR1"), ("csv-sjis", "番号".encode("cp932"))]
)
def test_a_binary_format_is_still_written_to_a_pipe(export, shelters, fmt, start):
    code, out, err = export("shelters", f"--format={fmt}", terminal=False)

    assert code == 0, err
    assert out.startswith(start)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_are_written_to_a_terminal(export, shelters, fmt):
    code, out, err = export("shelters", f"--format={fmt}", terminal=True)

    assert code == 0, err
    assert "池尻小学校" in out.decode("utf-8-sig")


def test_with_o_a_binary_format_is_written_to_the_file_from_a_terminal(export, shelters, tmp_path):
    target = tmp_path / "shelters.xlsx"
    code, out, err = export("shelters", "--format=xlsx", "-o", str(target), terminal=True)

    assert code == 0, err
    assert out == b"" and target.read_bytes().startswith(b"PK")


def test_a_reader_that_stops_early_ends_the_export_quietly(shelters, monkeypatch, capsys):
    """`kaidan export … | head`: the pipe closes before the export is written; no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, "w", encoding="utf-8") as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        with pytest.raises(SystemExit) as exited:
            main(["export", "shelters", "--format=csv"])

    assert exited.value.code == 1
    assert "Traceback" not in capsys.readouterr().err
