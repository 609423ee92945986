"""Japanese is complete: every string translated, nothing fuzzy, the compiled .mo matches the .po,
and (when gettext tools are installed) no string in the code is missing from the catalog.

When this fails, see docs/i18n.md: run makemessages, translate, run compilemessages, commit .po and .mo.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import kaidan

SRC = Path(kaidan.__file__).resolve().parent
PO = SRC / "locale" / "ja" / "LC_MESSAGES" / "django.po"  # the project catalog
# Every Japanese catalog: the project one and any an app keeps in its own locale/ directory.
CATALOGS = sorted({PO, *SRC.glob("*/locale/ja/LC_MESSAGES/django.po")})
# Packages whose strings are not (yet) in the catalog; keep in sync with docs/i18n.md.
IGNORED: list[str] = []
HOW_TO_FIX = "see docs/i18n.md (makemessages → translate → compilemessages, commit .po and .mo)"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader (Django ships no gettext tools; polib is not a dependency)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        if entry is not None and (entry.msgstr or entry.msgid):
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):  # blank or obsolete
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
                entry, target = None, None
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags.update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith('"'):
            assert target is not None, f"{path}:{number}: string continuation without a keyword"
            value = ast.literal_eval(line)
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += value  # type: ignore[union-attr]
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword in ("msgctxt", "msgid") and entry is not None and entry.msgstr:
            finish()
            entry = None
        entry = entry or Entry(line=number)
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            setattr(entry, keyword, value)
            target = (keyword, 0)
    finish()
    return entries


@pytest.fixture(scope="module", params=CATALOGS, ids=lambda po: str(po.relative_to(SRC)))
def catalog(request: pytest.FixtureRequest) -> Path:
    po: Path = request.param
    assert po.exists(), f"{po} is missing; {HOW_TO_FIX}"
    return po


@pytest.fixture(scope="module")
def entries(catalog: Path) -> list[Entry]:
    return parse_po(catalog)


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid]  # without the header


def test_the_catalog_has_a_proper_header(entries):
    [header] = [e for e in entries if not e.msgid]
    assert "fuzzy" not in header.flags, f"the header is marked fuzzy; {HOW_TO_FIX}"
    assert "Language: ja\n" in header.msgstr[0], "the header must say 'Language: ja'"
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_string_is_translated(catalog, entries):
    untranslated = [e.msgid for e in _messages(entries) if not all(e.msgstr.values()) or not e.msgstr]
    assert not untranslated, f"untranslated strings in {catalog}: {untranslated}; {HOW_TO_FIX}"


def test_no_translation_is_fuzzy(entries):
    fuzzy = [e.msgid for e in _messages(entries) if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy (unchecked) translations: {fuzzy}; check them and remove '#, fuzzy'"


def test_placeholders_survive_translation(entries):
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    broken = [
        e.msgid
        for e in _messages(entries)
        if any(
            sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(s))
            for s in e.msgstr.values()
            if s
        )
    ]
    assert not broken, f"translations that lost or changed a placeholder: {broken}"


def test_the_compiled_catalog_matches_the_po(catalog, entries):
    mo = catalog.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing; {HOW_TO_FIX}"
    with mo.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    catalog = compiled._catalog  # type: ignore[attr-defined]
    stale = []
    for e in _messages(entries):
        if e.msgid_plural:
            wanted = {(e.key, i): s for i, s in e.msgstr.items()}
            got = {k: catalog.get(k) for k in wanted}
        else:
            wanted, got = {e.key: e.msgstr[0]}, {e.key: catalog.get(e.key)}
        if wanted != got:
            stale.append(e.msgid)
    extra = {
        k
        for k in catalog
        if k != "" and (k[0] if isinstance(k, tuple) else k) not in {e.key for e in entries}
    }
    assert not stale, f"{mo} does not match the .po for {stale}; run compilemessages"
    assert not extra, f"{mo} has strings that are no longer in the .po: {extra}; run compilemessages"


@pytest.fixture(scope="module")
def fresh_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source tree on which makemessages has just run (the real catalogs stay untouched)."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        pytest.skip("gettext tools (xgettext, msgmerge) are not installed")
    tmp_path = tmp_path_factory.mktemp("i18n")
    copy = tmp_path / "kaidan"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    # Settings whose LOCALE_PATHS point into the copy.
    (tmp_path / "copy_settings.py").write_text(
        f"from kaidan.settings import *  # noqa\nLOCALE_PATHS = [{str(copy / 'locale')!r}]\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "copy_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(SRC.parent)]),
    }
    command = [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--add-location=file"]
    command += [f"--ignore={pattern}" for pattern in IGNORED]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True, timeout=120)
    return copy


def test_the_catalog_is_up_to_date_with_the_code(catalog, entries, fresh_source):
    """makemessages must not find strings the catalog lacks, nor leave strings nobody uses."""
    fresh = {e.key for e in _messages(parse_po(fresh_source / catalog.relative_to(SRC)))}
    known = {e.key for e in _messages(entries)}
    assert not fresh - known, f"strings missing from {catalog}: {sorted(fresh - known)}; {HOW_TO_FIX}"
    assert not known - fresh, f"strings no longer used but still in {catalog}: {sorted(known - fresh)}"
