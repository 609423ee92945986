"""Specification of encoding detection and the streaming readers."""

import json
from pathlib import Path

import openpyxl
import pytest

from kaidan.ingest.encoding import detect_encoding
from kaidan.ingest.errors import ReadError
from kaidan.ingest.plan import analyze, iter_records
from kaidan.ingest.readers import Source, iter_rows, list_sheets, sniff_format

TEXT = "名称,住所\n高松市役所,香川県高松市番町一丁目８番１５号\n"


def test_utf8_bom_detected(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(TEXT.encode("utf-8-sig"))
    assert detect_encoding(path) == "utf-8-sig"
    assert list(iter_rows(Source(path, "csv", "utf-8-sig")))[0] == ["名称", "住所"]


def test_euc_jp_detected(tmp_path: Path) -> None:
    path = tmp_path / "euc.csv"
    path.write_bytes((TEXT * 20).encode("euc_jp"))
    assert detect_encoding(path) == "euc_jp"
    assert analyze(path).layout.names == ["名称", "住所"]


def test_cp932_detected_and_reported_as_cp932(tmp_path: Path) -> None:
    path = tmp_path / "sjis.csv"
    path.write_bytes(("①," + TEXT).encode("cp932"))
    assert detect_encoding(path) == "cp932"


def test_ascii_is_utf8() -> None:
    assert detect_encoding(b"a,b\n1,2\n") == "utf-8"


def test_sample_cut_inside_a_multibyte_character_is_still_utf8() -> None:
    data = ("あいうえお" * 100).encode("utf-8")
    assert detect_encoding(data, sample_size=301) == "utf-8"  # 301 is not a multiple of 3


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("名称\nあ\n".encode() + b"\xff\xfe\n")
    with pytest.raises(ReadError) as info:
        list(iter_rows(Source(path, "csv", "utf-8")))
    assert info.value.row == 3
    assert "ff" in str(info.value)
    assert "3行目" in info.value.message_ja and "Line 3" in info.value.message_en


def test_quoted_newlines_stay_in_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "nl.csv"
    path.write_bytes('名称,説明\r\n"a","一行目\r\n二行目"\r\n"b","x"\r\n'.encode())
    rows = list(iter_rows(Source(path, "csv", "utf-8")))
    assert rows == [["名称", "説明"], ["a", "一行目\r\n二行目"], ["b", "x"]]
    assert [n for n, _ in iter_records(analyze(path))] == [2, 3]  # records, as Excel numbers rows


def test_tsv_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("名称\t住所\na\tb,c\n", encoding="utf-8")
    assert sniff_format(path) == "tsv"
    assert analyze(path).layout.names == ["名称", "住所"]


def test_json_array_of_objects_uses_union_of_keys(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(
        json.dumps([{"名称": "a", "定員": 10}, {"名称": "b", "住所": "x", "定員": None}]), encoding="utf-8"
    )
    assert sniff_format(path) == "json"
    rows = list(iter_rows(Source(path, "json")))
    assert rows == [["名称", "定員", "住所"], ["a", 10, ""], ["b", "", "x"]]
    analysis = analyze(path)
    assert analysis.column("定員").type == "integer"


def test_json_array_of_arrays(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('[["a", "b"], [1, 2]]', encoding="utf-8")
    assert list(iter_rows(Source(path, "json"))) == [["a", "b"], [1, 2]]


def test_json_must_be_an_array(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(ReadError, match="array"):
        list(iter_rows(Source(path, "json")))


def test_excel_sheets_and_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "表紙"
    sheet = workbook.create_sheet("データ")
    sheet.append(["名称", "定員"])
    sheet.append(["a", 3])
    workbook.save(path)
    assert sniff_format(path) == "xlsx"
    assert list_sheets(path) == ["表紙", "データ"]
    assert list(iter_rows(Source(path, "xlsx", sheet="データ"))) == [["名称", "定員"], ["a", 3.0]]
    with pytest.raises(ReadError, match="ない|not found"):
        list(iter_rows(Source(path, "xlsx", sheet="なし")))
    analysis = analyze(path, sheet="データ")
    assert analysis.sheets == ["表紙", "データ"]
    assert analysis.column("定員").type == "integer"


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ReadError):
        list_sheets(path)
    with pytest.raises(ReadError, match="not found"):
        list(iter_rows(Source(tmp_path / "missing.csv", "csv", "utf-8")))
