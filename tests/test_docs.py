"""Documentation that cannot drift: settings, commands and operations must be documented."""

from __future__ import annotations

import re
from pathlib import Path

from kaidan.access.operations import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "kaidan"
OWN_COMMANDS = ["serve", "demo", "import", "export", "audit", "release_due", "orgs", "datasets"]


def test_every_environment_variable_is_documented():
    used = set(re.findall(r"KAIDAN_[A-Z0-9_]+", (SRC / "settings.py").read_text()))
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert used, "settings.py reads no KAIDAN_* variables?"
    assert sorted(v for v in used if f"`{v}`" not in documented) == []


def test_every_kaidan_command_is_documented_in_cli_and_readme():
    found = {p.stem for p in SRC.glob("*/management/commands/*.py") if p.stem != "__init__"}
    assert set(OWN_COMMANDS) <= found
    cli = (ROOT / "docs" / "cli.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for command in OWN_COMMANDS:
        assert f"## {command}" in cli
        assert f"kaidan {command}" in readme


def test_every_operation_is_documented():
    text = (ROOT / "docs" / "operations.md").read_text()
    assert [name for name in OPERATIONS if f"`{name}`" not in text] == []


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "python3 scripts/dev.py start" in readme and "python3 scripts/dev.py test" in readme
    assert "python3 scripts/dev.py test" in (ROOT / ".ci" / "run").read_text()
