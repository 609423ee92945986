"""The importer's fast paths give exactly what the plain per-cell code gives.

Converting whole columns (Arrow kernels for the common forms, memoised ``convert`` for the rest), the
batched type inference and the bulk insert are only speed: on every real fixture and on a corpus of
tricky cells they must produce the same values, errors, evidence and stored rows.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from django.db import connection, transaction

from kaidan.access.services import SYSTEM
from kaidan.ingest.columnar import convert_column
from kaidan.ingest.infer import TypeTracker
from kaidan.ingest.layout import classify_row, project
from kaidan.ingest.plan import _surely_data, analyze, iter_record_batches, iter_records
from kaidan.ingest.readers import iter_numbered_rows
from kaidan.store import tables
from kaidan.store.services import RevisionWriter, open_revision
from kaidan.store.values import row_hash
from kaidan.values.types import FieldType, convert

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
FILES = sorted(
    p.relative_to(REAL).as_posix()
    for p in REAL.rglob("*")
    if p.suffix.lower() in {".csv", ".tsv", ".xlsx", ".xls", ".ods", ".json"}
)
TRICKY = [
    "", " ", "\u3000", "\u2003", "\x1c", "-", "－", "―", "—", "※", "該当なし", "N/A", "null",
    "1", "007", "-5", "+5", "１２", "1,234", "△100", "▲3", "12.5", "12%", "¥1,000", "100人", "1e3",
    "9999999999999999999", "abc", "ｺﾏｴ", "a\u2212b", "x\r\ny\r", "〜", "¢", " padded ", "\ufeffbom",
    "2023-04-01", " 2023-04-01 ", "2023-02-30", "0000-01-01", "2023/4/1", "R5.4.1", "令和5年4月1日",
    "H31.4.30", "令和元年5月1日", "2023年4月", "9:00", "午後2時", "○", "×", "有", "無", "true",
    "〒154-0001", "03-5432-1111", "35.6", "139.7", "0123", "ABC-1", "ＡＢ１", "#tag",
]  # fmt: skip


def _expected(values: list[object], field_type: FieldType) -> tuple[list[object], dict[int, str]]:
    out: list[object] = []
    errors: dict[int, str] = {}
    for i, value in enumerate(values):
        try:
            out.append(convert(value, field_type))
        except ValueError as exc:
            out.append(None)
            errors[i] = str(exc)
    return out, errors


@pytest.mark.parametrize("field_type", list(FieldType))
def test_column_conversion_equals_cell_conversion_on_tricky_cells(field_type: FieldType) -> None:
    values = [random.Random(i).choice(TRICKY) for i in range(2000)]
    got, errors = convert_column(values, field_type)
    expected, expected_errors = _expected(values, field_type)
    assert [(v, type(v)) for v in got] == [(v, type(v)) for v in expected]
    assert {i: str(e) for i, e in errors.items()} == expected_errors
    # the same cells as an Arrow array (as the CSV reader hands them to the importer)
    got, errors = convert_column(pa.array(values, pa.string()), field_type)
    assert [(v, type(v)) for v in got] == [(v, type(v)) for v in expected]
    assert {i: str(e) for i, e in errors.items()} == expected_errors


@pytest.mark.parametrize("name", FILES)
def test_every_real_file_reads_and_converts_the_same_in_batches(name: str) -> None:
    analysis = analyze(REAL / name)
    records = list(iter_records(analysis))
    numbers = [n for n, _ in records]
    batched_numbers: list[int] = []
    columns: list[list[object]] = [[] for _ in analysis.columns]
    for batch_numbers, batch in iter_record_batches(analysis, size=37):
        batched_numbers += batch_numbers
        for column, part in zip(columns, batch, strict=True):
            column += part
    assert batched_numbers == numbers
    for index, guess in enumerate(analysis.columns):
        values = [raw[index] for _, raw in records]
        assert columns[index] == values
        for field_type in {guess.type, FieldType.TEXT}:
            got, errors = convert_column(values, field_type)
            expected, expected_errors = _expected(values, field_type)
            assert got == expected, (name, guess.name, field_type)
            assert {i: str(e) for i, e in errors.items()} == expected_errors


def _comparable(guess: object) -> dict[str, object]:
    data = dict(vars(guess))
    data["issues"] = [repr(issue) for issue in data["issues"]]
    return data


@pytest.mark.parametrize("name", FILES)
def test_batched_type_inference_gives_the_same_evidence(name: str) -> None:
    analysis = analyze(REAL / name)
    one_by_one = TypeTracker(analysis.layout.names)
    for number, raw in iter_records(analysis):
        one_by_one.add(number, raw)
    kept = {g.name for g in analysis.columns}
    expected = [g for g in one_by_one.results() if g.name in kept]
    assert [_comparable(g) for g in analysis.columns] == [_comparable(g) for g in expected]


@pytest.mark.parametrize("name", FILES)
def test_quick_data_row_test_never_disagrees_with_classify_row(name: str) -> None:
    analysis = analyze(REAL / name)
    for _number, raw in iter_numbered_rows(analysis.source):
        if _surely_data(raw):
            assert classify_row(analysis.layout, raw) == "data", raw


def test_quick_data_row_test_leaves_totals_notes_and_meta_to_classify_row() -> None:
    for row in (["合計", "1"], ["1", "ｔｏｔａｌ"], ["Total", "3"], ["#meta", "x"], ["", "x"], ["※注", ""]):
        assert not _surely_data(row)
    assert project  # the projection used by iter_records stays the reference


def test_type_inference_with_a_failing_value_after_repeats_keeps_order_and_examples() -> None:
    values: list[object] = ["2023-04-01"] * 30 + ["令和5年13月1日"] + ["2023-04-02"] * 10 + ["x"] * 25
    numbers = list(range(2, 2 + len(values)))
    single, batched = TypeTracker(["日付"]), TypeTracker(["日付"])
    for number, value in zip(numbers, values, strict=True):
        single.add(number, [value])
    batched.add_columns(numbers, [values])
    assert [_comparable(g) for g in batched.results()] == [_comparable(g) for g in single.results()]


def test_bulk_insert_stores_what_row_by_row_insert_stores(db, make_org) -> None:
    from kaidan.catalog.models import Dataset, Field

    org = make_org("dx")
    rows = [
        ["a", 1, Decimal("1.50"), date(2023, 4, 1), True, None],
        [None, None, None, None, None, "x"],
        ["ｺ", -3, Decimal("2"), date(2020, 1, 2), False, "0123"],
    ]
    types = ["text", "integer", "decimal", "date", "boolean", "code"]
    stored = []
    for name in ("one", "many"):
        dataset = Dataset.objects.create(name=name, title=name, owner=org)
        fields = [
            Field.objects.create(dataset=dataset, position=i, name=f"f{i}", label=f"f{i}", type=t)
            for i, t in enumerate(types)
        ]
        tables.create_table(dataset, fields)
        with transaction.atomic():
            revision = open_revision(dataset, actor=SYSTEM, source="import")
            writer = RevisionWriter(dataset, revision, fields)
            if name == "one":
                for values in rows:
                    writer.insert(values)
            else:
                writer.insert_many(rows)
            writer.finish()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {tables.q(dataset.table_name)} ORDER BY _id")
            stored.append(cursor.fetchall())
    assert stored[0] == stored[1]
    assert [r[5] for r in stored[1]] == [row_hash(values) for values in rows]


def _analysis_facts(analysis: object) -> dict[str, object]:
    data = {
        key: getattr(analysis, key)
        for key in ("data_rows", "total_rows", "note_rows", "blank_rows", "overflow_rows", "overflow_count")
    }
    data["columns"] = [_comparable(g) for g in analysis.columns]  # type: ignore[attr-defined]
    data["issues"] = [repr(i) for i in analysis.issues]  # type: ignore[attr-defined]
    return data


def _without_arrow(monkeypatch: pytest.MonkeyPatch, path: Path) -> dict[str, object]:
    from kaidan.ingest import plan

    with monkeypatch.context() as patch:
        patch.setattr(plan, "ARROW_CSV", False)
        analysis = analyze(path)
        assert analysis.arrow is None
        return {"facts": _analysis_facts(analysis), "batches": _batched(analysis)}


def _batched(analysis: object) -> list[tuple[int, list[object]]]:
    out: list[tuple[int, list[object]]] = []
    for numbers, columns in iter_record_batches(analysis, size=7):  # type: ignore[arg-type]
        out += [(n, [c[i] for c in columns]) for i, n in enumerate(numbers)]
    return out


TEXT_FILES = [name for name in FILES if name.endswith((".csv", ".tsv"))]


@pytest.mark.parametrize("name", TEXT_FILES)
def test_arrow_csv_reader_gives_the_analysis_and_rows_of_the_row_reader(name: str, monkeypatch) -> None:
    analysis = analyze(REAL / name)
    expected = _without_arrow(monkeypatch, REAL / name)
    assert {"facts": _analysis_facts(analysis), "batches": _batched(analysis)} == expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_arrow_csv_reader_on_tricky_rows(tmp_path: Path, monkeypatch, encoding: str, newline: str) -> None:
    lines = ["令和5年度 施設一覧", "", "番号,名称,地区,件数,日付"]
    for n in range(1, 400):
        lines.append(f'{n},"施設{n}",{"池尻" if n % 3 else "太子堂"},{n % 7},R5.4.{n % 28 + 1}')
        if n % 50 == 0:
            lines += [
                "",
                ",,,,",
                "合計,,,100,",
                "※注 数値は速報値,,,,",
                f'{n}x,"改行\n入り",池尻,1,2023-04-01',
            ]
        if n % 77 == 0:
            lines += ["ｔｏｔａｌ,1,,,", "#meta,x,,,", " , ,,,", "Subtotal,2,,,", "小　計,3,,,"]
    path = tmp_path / "tricky.csv"
    path.write_text(newline.join(lines) + newline, encoding=encoding, newline="")
    analysis = analyze(path)
    assert analysis.arrow is not None and analysis.arrow.checked
    assert analysis.total_rows and analysis.note_rows and analysis.blank_rows
    assert {"facts": _analysis_facts(analysis), "batches": _batched(analysis)} == _without_arrow(
        monkeypatch, path
    )
    unchecked = analyze(path, scan=False)  # the browser's import: Arrow reads the file once to be sure
    unchecked.columns = analysis.columns
    assert _batched(unchecked) == _batched(analysis)


def test_a_ragged_csv_falls_back_to_the_row_reader(tmp_path: Path, monkeypatch) -> None:
    lines = ["番号,名称,件数"] + [f"{n},施設{n},{n}" for n in range(1, 300)] + ["300,施設,1,234", "301,短い"]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp932")
    analysis = analyze(path)
    assert analysis.arrow is None
    assert analysis.overflow_count == 1
    assert {"facts": _analysis_facts(analysis), "batches": _batched(analysis)} == _without_arrow(
        monkeypatch, path
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda i: f"202{i % 5}-{i % 12 + 1:02d}-{i % 28 + 1:02d}" if i != 2500 else "令和5年13月1日",
        lambda i: str(i * 7 % 1000) if i != 3100 else "0012",
        lambda i: ["○", "×", "有"][i % 3] if i % 997 else "",
        lambda i: f"0{i % 90 + 10}" if i % 1300 else "x",
    ],
)
def test_type_inference_of_arrow_batches_equals_one_by_one(make) -> None:
    values = [make(i) for i in range(4000)]
    numbers = list(range(2, 2 + len(values)))
    single, batched = TypeTracker(["列"]), TypeTracker(["列"])
    for number, value in zip(numbers, values, strict=True):
        single.add(number, [value])
    for start in range(0, len(values), 1000):
        part = values[start : start + 1000]
        batched.add_columns(numbers[start : start + 1000], [pa.array(part, pa.string())])
    assert [_comparable(g) for g in batched.results()] == [_comparable(g) for g in single.results()]


def test_text_conversion_of_a_batch_without_special_characters_equals_cell_conversion() -> None:
    special = set("\u2212\u301c\u2016\u2014\u00a2\u00a3\u00ac\r") | {chr(c) for c in range(0xFF61, 0xFFA0)}
    plain = [v for v in TRICKY if not special.intersection(v)]
    assert len(plain) > 40
    for size in (500, 3000):  # converted cell by cell, and once per distinct value
        values = [random.Random(i).choice(plain) + ("" if i % 3 else f" 値{i}") for i in range(size)]
        for cells in (values, pa.array(values, pa.string())):
            got, errors = convert_column(cells, FieldType.TEXT)
            expected, expected_errors = _expected(values, FieldType.TEXT)
            assert [(v, type(v)) for v in got] == [(v, type(v)) for v in expected]
            assert {i: str(e) for i, e in errors.items()} == expected_errors
