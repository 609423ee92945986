"""Values that look personal (kaidan.values.personal): what publishing and imports warn about."""

from __future__ import annotations

from kaidan.values.personal import is_email, is_my_number, is_phone, mask, scan


def test_a_my_number_is_twelve_digits_with_its_check_digit():
    assert is_my_number("123456789018")  # the check digit of 12345678901 is 8
    assert is_my_number("1234 5678 9018") and is_my_number("１２３４５６７８９０１８")
    assert not is_my_number("123456789012") and not is_my_number("12345678901")


def test_phone_numbers_and_e_mail_addresses():
    for phone in ("03-1234-5678", "(054)626-1139", "090-1234-5678", "0312345678", "０３－１２３４－５６７８"):
        assert is_phone(phone), phone
    for other in ("1234", "2026-12-01", "03-12"):
        assert not is_phone(other), other
    assert is_email("taro@example.jp") and not is_email("taro at example")


def test_examples_are_shown_partly_hidden():
    assert mask("090-1234-5678") == "090-****-5678"
    assert mask("taro@example.jp") == "t***@example.jp"


def test_scan_finds_each_kind_and_the_labels_that_name_personal_data():
    findings = scan(
        [
            ("氏名", "text", ["佐藤 花子", "鈴木 一郎"]),
            ("連絡先", "text", ["090-1234-5678", "", None]),
            ("メールアドレス", "text", ["hanako@example.jp"]),
            ("生年月日", "date", ["1940-05-01"]),
            ("番号", "text", ["123456789018"]),
            ("施設名", "text", ["市役所"]),
        ]
    )
    kinds = {(f.column, f.kind) for f in findings}
    assert kinds == {
        ("氏名", "label:name"),
        ("連絡先", "phone"),
        ("メールアドレス", "email"),
        ("生年月日", "birth_date"),
        ("番号", "my_number"),
    }
    assert next(f for f in findings if f.kind == "phone").examples == ["090-****-5678"]


def test_a_date_of_birth_needs_a_name_beside_it():
    assert not [f for f in scan([("生年月日", "date", ["2000-01-01"])]) if f.kind == "birth_date"]
