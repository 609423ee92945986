"""What an import may ask of the server: a file too wide, too long, too deeply nested or a zip bomb is
refused with a message naming the file, in Japanese and English — on the web and in `kaidan import`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kaidan.ingest.errors import ReadError
from kaidan.ingest.plan import analyze
from kaidan.ingest.readers import Source, iter_rows

# -- a workbook written by hand, so that a bomb is a few kilobytes -------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
ROW = b"<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>"


def write_xlsx(path: Path, rows: int, row: bytes = ROW) -> Path:
    """An XLSX whose one sheet has `rows` rows of `row`, streamed into the zip (never held in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>'
                b'<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c>'
                b'<c t="inlineStr"><is><t>c</t></is></c></row>'
            )
            block = row * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(row * (rows % 10_000))
            sheet.write(b"</sheetData></worksheet>")
    return path


def message(exc: ReadError) -> str:
    return f"{exc.message_ja} / {exc.message_en}"


# -- the reader and the analysis ----------------------------------------------------------------------


def test_a_zip_bomb_spreadsheet_is_refused_before_it_is_unpacked(tmp_path):
    # 2 million identical rows pack into well under a megabyte and unpack to 100 MB of XML
    bomb = write_xlsx(tmp_path / "bomb.xlsx", 2_000_000)
    assert bomb.stat().st_size < 1_000_000

    with pytest.raises(ReadError) as excinfo:
        analyze(bomb)

    assert excinfo.value.path == str(bomb)
    assert "圧縮率" in message(excinfo.value) and "packed" in message(excinfo.value)


def test_a_spreadsheet_that_unpacks_beyond_the_limit_is_refused(tmp_path, settings):
    settings.MAX_IMPORT_UNPACKED_SIZE = 100_000
    big = write_xlsx(tmp_path / "big.xlsx", 5000)

    with pytest.raises(ReadError) as excinfo:
        analyze(big)

    assert "上限" in message(excinfo.value) and "limit" in message(excinfo.value)


def test_a_normal_spreadsheet_is_still_read(tmp_path):
    sheet = write_xlsx(tmp_path / "ok.xlsx", 20, row=b"<row><c><v>1</v></c><c><v>2</v></c></row>")
    assert analyze(sheet).data_rows == 20


def test_a_spreadsheet_with_more_rows_than_the_limit_is_refused(tmp_path, settings):
    settings.MAX_IMPORT_ROWS = 100
    sheet = write_xlsx(tmp_path / "long.xlsx", 150)

    with pytest.raises(ReadError) as excinfo:
        analyze(sheet)

    assert "100" in message(excinfo.value) and "rows" in message(excinfo.value)


def test_a_csv_with_more_rows_than_the_limit_is_refused(tmp_path, settings):
    settings.MAX_IMPORT_ROWS = 100
    path = tmp_path / "long.csv"
    path.write_text("番号,名称\n" + "".join(f"{n},施設{n}\n" for n in range(150)), encoding="utf-8")

    with pytest.raises(ReadError) as excinfo:
        analyze(path)

    assert "行数が上限（100行）" in message(excinfo.value) and "limit of 100" in message(excinfo.value)


def test_deeply_nested_json_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000 + "]" * 100_000)

    with pytest.raises(ReadError) as excinfo:
        list(iter_rows(Source(path, "json")))

    assert excinfo.value.path == str(path)
    assert "入れ子が深すぎます" in message(excinfo.value) and "nested too deeply" in message(excinfo.value)


def test_json_a_little_nested_is_refused_too_and_ordinary_json_is_read(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text(json.dumps([{"a": json.loads("[" * 40 + "]" * 40)}]))
    with pytest.raises(ReadError):
        list(iter_rows(Source(deep, "json")))

    fine = tmp_path / "fine.json"
    fine.write_text(json.dumps([{"名称": "池尻", "タグ": ["a", {"b": 1}]}], ensure_ascii=False))
    assert list(iter_rows(Source(fine, "json"))) == [["名称", "タグ"], ["池尻", '["a", {"b": 1}]']]


def wide_csv(path: Path, columns: int = 10_000) -> Path:
    header = ",".join(f"c{i}" for i in range(columns))
    path.write_text(header + "\n" + ",".join("1" for _ in range(columns)) + "\n", encoding="utf-8")
    return path


def test_a_csv_with_too_many_columns_is_refused(tmp_path):
    with pytest.raises(ReadError) as excinfo:
        analyze(wide_csv(tmp_path / "wide.csv"))

    assert "10,000列" in message(excinfo.value) and "1,000" in message(excinfo.value)
    assert "columns" in message(excinfo.value)


def test_trailing_empty_columns_do_not_count(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("番号,名称" + "," * 5000 + "\n1,池尻" + "," * 5000 + "\n", encoding="utf-8")
    assert [c.name for c in analyze(path).columns] == ["番号", "名称"]


# -- the command line ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_kaidan_import_of_a_too_wide_csv_prints_the_reason_and_exits_2(tmp_path, make_org):
    make_org("somu")
    path = wide_csv(tmp_path / "wide.csv")

    with pytest.raises(CommandError) as excinfo:
        call_command("import", str(path), dataset="x", org="somu", yes=True, verbosity=0)

    assert excinfo.value.returncode == 2
    assert "wide.csv" in str(excinfo.value) and "列" in str(excinfo.value) and "columns" in str(excinfo.value)


@pytest.mark.django_db
def test_kaidan_import_of_nested_json_exits_2(tmp_path, make_org):
    make_org("somu")
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000 + "]" * 100_000)

    with pytest.raises(CommandError) as excinfo:
        call_command("import", str(path), dataset="x", org="somu", yes=True, verbosity=0)

    assert excinfo.value.returncode == 2 and "nested.json" in str(excinfo.value)
