"""Domain errors (kaidan.core.errors) are mapped once per adapter: web pages and the command line."""

from __future__ import annotations

import pytest

from kaidan.core.errors import Forbidden, NotFound

pytestmark = pytest.mark.django_db


def test_a_domain_error_speaks_both_languages_and_a_not_found_names_nothing():
    assert (
        Forbidden().bilingual() == "この操作を行う権限がありません。 / You do not have permission to do this."
    )
    hidden = NotFound(detail="budget-draft row 5")
    assert "budget" not in hidden.bilingual() and hidden.status == 404 and hidden.exit_code == 1


def test_the_web_answers_a_not_found_with_the_404_page_and_a_forbidden_with_403(client, make_org, make_user):
    from kaidan.access.levels import Level
    from kaidan.catalog.models import Dataset

    owner = make_org("hokenfukushi")
    Dataset.objects.create(name="meibo", title="名簿", owner=owner, classification=Level.LIMITED)
    assert client.get("/datasets/meibo/").status_code == 404  # anonymous: NotFound from the selector
    client.force_login(make_user("v", owner, "viewer"))
    assert client.get("/datasets/meibo/bulk").status_code == 403  # a viewer: Forbidden from the selector


def test_the_command_line_prints_a_refusal_in_both_languages_and_exits_1(tmp_path, capsys, monkeypatch):
    from django.core.management import call_command
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's transaction (PostgreSQL)

    from kaidan.cli import main

    call_command("demo", stdout=__import__("io").StringIO())
    path = tmp_path / "more.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["import", str(path), "--dataset=aed", "--mode=append", "--user=fukushi.viewer", "--yes"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "You may not change this dataset." in err and "Traceback" not in err
