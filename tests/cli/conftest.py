from __future__ import annotations

import pytest

from kaidan.cli import main


@pytest.fixture
def kaidan(capsys, monkeypatch):
    """Run `kaidan ARGS…` as a person would; returns (exit code, stdout, stderr).

    Django's command runner closes every database connection when a command ends; in a test that would
    close the connection holding the test's transaction (PostgreSQL), so the close is skipped here."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def ward(make_org, make_user):
    """Two departments and a partner; an editor of 保健福祉政策課 who only views 防災課."""
    orgs = {
        "hokenfukushi": make_org("hokenfukushi", name="保健福祉政策課"),
        "bosai": make_org("bosai", name="防災課"),
        "shakyo": make_org("shakyo", kind="partner", name="社会福祉協議会"),
    }
    editor = make_user("fukushi.editor", orgs["hokenfukushi"], "editor")
    from kaidan.accounts.services import set_membership

    set_membership(actor=None, user=editor, organization=orgs["bosai"], role="viewer")
    return orgs


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "shelters.csv"
    path.write_text("番号,名称\n1,池尻小学校\n2,三宿中学校\n", encoding="utf-8")
    return path
