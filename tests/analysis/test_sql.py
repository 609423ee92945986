"""SQL over what one may see (kaidan.analysis): the permissions are below the SQL, not in it.

The demo ward: 見守り対象者名簿 (`mimamori`, 40 rows; 氏名 and 電話 秘; shared with 社会福祉協議会 for the 20 rows
whose 担当 is 社会福祉協議会) and the public AED list."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaidan.accounts.models import User
from kaidan.analysis.engine import QueryRefused, run
from kaidan.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward():
    call_command("demo", stdout=io.StringIO())


def user(name: str) -> User:
    return User.objects.get(username=name)


def scalar(actor, sql: str):
    return run(sql, actor=actor).rows[0][0]


def test_a_partner_counts_only_its_rows_and_sees_only_its_columns(ward):
    assert scalar(user("fukushi.editor"), "SELECT count(*) FROM mimamori") == 40
    assert scalar(user("shakyo.staff"), "SELECT count(*) FROM mimamori") == 20
    with pytest.raises(QueryRefused):
        run("SELECT 氏名 FROM mimamori", actor=user("shakyo.staff"))  # 秘: the column is not there at all
    assert scalar(user("fukushi.editor"), "SELECT count(DISTINCT 氏名) FROM mimamori") > 1


def test_japanese_names_for_tables_and_columns(ward):
    result = run(
        "SELECT 地区, count(*) AS n FROM 見守り対象者名簿 GROUP BY 地区 ORDER BY 地区",
        actor=user("shakyo.staff"),
    )
    assert result.columns == ["地区", "n"] and sum(n for _d, n in result.rows) == 20


def test_what_one_may_not_see_is_not_there_to_be_read(ward):
    with pytest.raises(QueryRefused):
        run("SELECT * FROM mimamori", actor=None)  # 限定: not a table for residents
    with pytest.raises(QueryRefused):
        run('SELECT * FROM "budget-draft"', actor=user("shakyo.staff"))  # undecided
    assert scalar(None, "SELECT count(*) FROM aed") > 0


def test_only_one_select_and_no_files_network_or_settings(ward):
    editor = user("fukushi.editor")
    for sql in (
        "DELETE FROM mimamori",
        "CREATE TABLE x AS SELECT 1",
        "SELECT 1; SELECT 2",
        "SET enable_external_access = true",
        "ATTACH 'x.db'",
    ):
        with pytest.raises(QueryRefused):
            run(sql, actor=editor)
    with pytest.raises(QueryRefused):
        run("SELECT * FROM read_csv('/etc/passwd')", actor=editor)


def test_a_time_limit_and_a_row_cap(ward):
    with pytest.raises(QueryRefused) as slow:
        run(
            "SELECT count(*) FROM range(100000000) a, range(100000000) b",
            actor=user("fukushi.editor"),
            time_limit=0.3,
        )
    assert "0.3" in str(slow.value)
    capped = run("SELECT * FROM range(50)", actor=user("fukushi.editor"), row_limit=10)
    assert len(capped.rows) == 10 and capped.truncated


def test_queries_over_a_past_revision(ward):
    from kaidan.catalog.models import Dataset

    register = Dataset.objects.get(name="mimamori")
    now = run(
        "SELECT count(*) FROM mimamori WHERE 最終訪問日 = DATE '2026-11-20'", actor=user("fukushi.editor")
    )
    then = run(
        "SELECT count(*) FROM mimamori WHERE 最終訪問日 = DATE '2026-11-20'",
        actor=user("fukushi.editor"),
        as_of={register.pk: 1},
    )
    assert now.rows[0][0] == 1 and then.rows[0][0] == 0  # the demo's edit (revision 2) set that date


def test_every_query_is_audited_and_reads_of_secret_columns_too(ward):
    run("SELECT count(*) FROM mimamori", actor=user("fukushi.editor"))
    entry = AuditEntry.objects.filter(action="analysis.sql").latest("seq")
    assert entry.detail["datasets"] == ["mimamori"] and "count(*)" in entry.detail["sql"]
    assert AuditEntry.objects.filter(action="store.read_restricted.sql").exists()


def test_the_console_page_runs_saves_and_downloads(client, ward):
    client.force_login(user("shakyo.staff"))
    page = client.post("/analysis/", {"sql": "SELECT count(*) AS n FROM mimamori"})
    assert page.status_code == 200 and "<td>20</td>" in page.content.decode()
    refused = client.post("/analysis/", {"sql": "SELECT 氏名 FROM mimamori"})
    assert refused.status_code == 400
    csv = client.post("/analysis/", {"sql": "SELECT '=1+1' AS f", "format": "csv"})
    assert csv.content.decode("utf-8-sig").splitlines()[1] == "'=1+1"  # never a live formula
    saved = client.post("/analysis/save", {"sql": "SELECT count(*) FROM mimamori", "title": "件数"})
    assert client.get(saved["Location"] + "&run=1").status_code == 200


def test_the_ckan_datastore_sql_reads_public_resources_only(client, ward):
    package = client.get("/api/3/action/package_show", {"id": "aed"}).json()["result"]
    rid = package["resources"][0]["id"]
    answer = client.get("/api/3/action/datastore_search_sql", {"sql": f'SELECT count(*) AS n FROM "{rid}"'})
    assert answer.status_code == 200 and answer.json()["result"]["records"][0]["n"] > 0
    refused = client.get("/api/3/action/datastore_search_sql", {"sql": "SELECT * FROM mimamori"})
    assert refused.status_code == 409 and refused.json()["error"]["__type"] == "Validation Error"


def test_snapshots_are_shared_by_equal_views_only_and_never_stale(ward):
    from kaidan.analysis import snapshots
    from kaidan.catalog.models import Dataset
    from kaidan.editing.services import edit_record
    from kaidan.store.relation import compile_relation
    from kaidan.store.selectors import iter_rows_with_rev

    editor, viewer, partner = user("fukushi.editor"), user("fukushi.viewer"), user("shakyo.staff")
    mimamori = Dataset.objects.get(name="mimamori")
    assert snapshots.key(compile_relation(mimamori, actor=editor)) != snapshots.key(
        compile_relation(mimamori, actor=partner)
    )
    assert scalar(partner, "SELECT count(*) FROM mimamori") == 20
    assert scalar(editor, "SELECT count(*) FROM mimamori") == 40  # not the partner's cached 20
    before = scalar(viewer, "SELECT max(年齢) FROM mimamori")
    field = next(f for f in mimamori.live_fields() if f.label == "年齢")
    row_id, rev, _values = next(iter_rows_with_rev(mimamori, [field]))
    edit_record(mimamori, row_id, {field.name: "120"}, rev, actor=editor)
    assert before < 120 == scalar(viewer, "SELECT max(年齢) FROM mimamori")  # a new revision: a new snapshot
