"""Text extraction: Word paragraphs and table cells, every Excel sheet, CP932 CSV, PDF; never a crash."""

from __future__ import annotations

import io
import zipfile

import pytest

from kaidan.documents.extract import decode_text, extract_text

from .conftest import PNG, make_docx, make_pdf, make_xlsx


def test_docx_gives_paragraphs_and_table_cells(tmp_path):
    path = tmp_path / "議事録.docx"
    path.write_bytes(make_docx("議事録の本文です。", "セルの中身"))

    with path.open("rb") as handle:
        result = extract_text("docx", handle)

    assert "議事録の本文です。" in result.text
    assert "セルの中身" in result.text
    assert "項目" in result.text
    assert result.note == ""


def test_xlsx_gives_every_sheet_with_tab_separated_cells(tmp_path):
    path = tmp_path / "統計.xlsx"
    path.write_bytes(make_xlsx())

    with path.open("rb") as handle:
        result = extract_text("xlsx", handle)

    assert "地区\t人口" in result.text
    assert "池尻\t1234" in result.text
    assert "太子堂保育園\t60" in result.text  # the second sheet too
    assert "# 施設" in result.text


def test_csv_in_cp932_is_decoded(tmp_path):
    path = tmp_path / "名簿.csv"
    path.write_bytes("氏名,住所\n山田太郎,世田谷区池尻①丁目\n".encode("cp932"))

    with path.open("rb") as handle:
        result = extract_text("csv", handle)

    assert "山田太郎,世田谷区池尻①丁目" in result.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc_jp"])
def test_text_encodings_are_detected(encoding):
    text = "区役所からのお知らせ：防災訓練は十月に実施します。"
    assert decode_text(text.encode(encoding)) == text


def test_pdf_text_is_extracted(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf("Hello Kaidan"))

    with path.open("rb") as handle:
        result = extract_text("pdf", handle)

    assert "Hello Kaidan" in result.text


def test_images_have_no_text():
    assert extract_text("png", io.BytesIO(PNG)).text == ""


def _broken_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")
        archive.writestr("word/document.xml", "<broken")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("docx", _broken_docx()),
        ("xlsx", b"PK\x03\x04 not really a zip"),
        ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 truncated"),
        ("pdf", b"%PDF-1.4\n garbage without objects"),
    ],
)
def test_a_broken_file_gives_empty_text_and_a_note(kind, data):
    result = extract_text(kind, io.BytesIO(data))

    assert result.text == ""
    assert result.note
