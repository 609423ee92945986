"""One bilingual message mechanism: gettext Messages, translated in the catalogues, shown in the reader's
language on a page and in both languages on the command line and in error reports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from kaidan.values.messages import Message, MessageList, ValueProblem, gettext_noop, reason_of
from kaidan.values.types import FieldType, convert, type_name

ROOT = Path(__file__).resolve().parents[2] / "src" / "kaidan"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def test_a_message_is_written_once_in_english_and_read_in_either_language():
    message = Message(gettext_noop("unknown mode '%(mode)s'"), mode="merge")
    assert message.en == "unknown mode 'merge'"
    assert message.ja == "モード「merge」は不明です"
    assert message.bilingual() == "モード「merge」は不明です / unknown mode 'merge'"
    with translation.override("en"):
        assert str(message) == "unknown mode 'merge'"
    with translation.override("ja"):
        assert str(message) == "モード「merge」は不明です"


def test_parameters_that_are_messages_follow_the_language_and_lists_use_its_separator():
    listed = MessageList([Message(gettext_noop("'%(label)s'"), label=name) for name in ("氏名", "住所")])
    message = Message(
        gettext_noop("the filter value '%(text)s' for column '%(label)s' is not a valid %(type)s"),
        text="abc",
        label="年齢",
        type=type_name(FieldType.INTEGER),
    )
    assert message.ja == "列「年齢」の条件「abc」は整数として読めません"
    assert message.en == "the filter value 'abc' for column '年齢' is not a valid integer"
    assert listed.render("ja") == "「氏名」、「住所」"
    assert listed.render("en") == "'氏名', '住所'"


def test_the_value_parsers_refuse_with_a_message_not_with_text():
    with pytest.raises(ValueProblem) as caught:
        convert("R5.13.1", FieldType.DATE)
    assert isinstance(caught.value, ValueError)  # code that catches ValueError keeps working
    assert caught.value.message.en == "invalid month 13"
    assert caught.value.message.ja == "月 13 は無効です"
    assert reason_of(caught.value) is caught.value.message


def _gettext_noop_msgids() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "gettext_noop"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found[node.args[0].value] = path
    return found


def test_every_message_has_its_japanese_in_the_catalogue():
    untranslated = []
    with translation.override("ja"):
        for msgid, path in _gettext_noop_msgids().items():
            if translation.gettext(msgid) == msgid and not msgid.strip(" ,;:.()%s") == "":
                untranslated.append(f"{path.relative_to(ROOT)}: {msgid!r}")
    assert not untranslated, "\n".join(untranslated)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def test_no_code_writes_japanese_and_english_side_by_side_by_hand():
    """Text like "見つかりません / not found" is what Message.bilingual() is for; a pair written by hand
    drifts from the catalogue (the English side changes, the Japanese does not)."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
                continue
            for left, right in [part.split(" / ", 1) for part in node.value.splitlines() if " / " in part]:
                sides = [bool(JAPANESE.search(left)), bool(JAPANESE.search(right))]
                letters = re.search(r"[A-Za-z]{3}", right if sides[0] else left)
                if sides[0] != sides[1] and letters:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert not offenders, "\n".join(offenders)
