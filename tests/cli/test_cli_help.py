"""`kaidan`, `kaidan help` and `kaidan --help` list Kaidan's own commands first, then Django's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kaidan.cli import main

SRC = Path(__file__).resolve().parents[2] / "src" / "kaidan"
OWN = sorted(p.stem for p in SRC.glob("*/management/commands/*.py") if p.stem != "__init__")
FIRST = ["serve", "demo", "import", "export", "audit", "release_due"]


@pytest.mark.parametrize("argv", [[], ["help"], ["--help"], ["-h"]])
def test_the_main_help_lists_kaidans_commands_one_line_each_then_djangos_under_a_heading(argv, capsys):
    main(argv)

    out = capsys.readouterr().out
    own, heading, django = out.partition("\nDjango:\n")
    assert heading, out
    listed = re.findall(r"^  (\w+) {2,}(\S.*)$", own, re.M)
    assert sorted(name for name, _line in listed) == OWN
    assert [name for name, _line in listed][: len(FIRST)] == FIRST
    assert dict(listed)["import"].startswith("ファイルをマスターDBに取り込む")
    assert " / Import a file" in dict(listed)["import"]
    for name, line in listed:  # every line in Japanese first, then English
        assert re.search(r"[^\x00-\x7f]", line.split(" / ")[0]) and " / " in line, (name, line)
    for command in ("migrate", "createsuperuser", "changepassword", "db_worker"):
        assert re.search(rf"\b{command}\b", django) and not re.search(rf"\b{command}\b", own)
    assert not set(OWN) & set(re.findall(r"[\w-]+", django))
    assert "kaidan help" in own  # how to get a command's own help


def test_help_on_one_command_is_still_that_commands_usage(capsys):
    main(["help", "import"])

    out = capsys.readouterr().out
    assert "--dataset" in out and "--mode" in out and "Django:" not in out
