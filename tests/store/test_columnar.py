"""A big dataset's revision kept as a columnar file (kaidan.store.columnar): every reader's snapshot cut from
it is exactly the one read from the table — the same columns, the same rows of its scope, in display order —
and a file of another revision is never used.

The demo ward's 見守り対象者名簿 (`mimamori`, 40 rows; 氏名 and 電話 秘; 社会福祉協議会 and 地域包括支援センター see
their own rows) stands in for a big dataset: the size from which files are written is lowered for the test.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaidan.access.levels import Level
from kaidan.accounts.models import User
from kaidan.analysis.engine import row_snapshot
from kaidan.catalog.models import Dataset
from kaidan.editing import services as editing
from kaidan.store import arrow, columnar
from kaidan.store.relation import compile_relation

pytestmark = pytest.mark.django_db

READERS = ("fukushi.editor", "fukushi.viewer", "shakyo.staff", "houkatsu.staff")


@pytest.fixture
def ward(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(columnar, "FROM_ROWS", 1)
    call_command("demo", stdout=io.StringIO())
    return Dataset.objects.get(name="mimamori")


def test_every_readers_snapshot_cut_from_the_file_is_the_one_read_from_the_table(ward):
    assert columnar.build(ward.pk) is not None
    for username in READERS:
        rel = compile_relation(ward, actor=User.objects.get(username=username))
        cut = columnar.cut(rel)
        assert cut is not None, username
        assert cut.equals(row_snapshot(rel)), username
        assert arrow.snapshot(rel).equals(cut), username
    shakyo = compile_relation(ward, actor=User.objects.get(username="shakyo.staff"))
    assert columnar.cut(shakyo).num_rows == shakyo.count() < ward.row_count
    assert "氏名" not in columnar.cut(shakyo).column_names


def test_a_column_raised_to_secret_after_the_file_was_written_is_not_cut_for_those_who_may_not_see_it(ward):
    columnar.build(ward.pk)
    viewer = User.objects.get(username="shakyo.staff")
    before = columnar.cut(compile_relation(ward, actor=viewer))
    district = ward.fields.get(label="地区")
    assert "地区" in before.column_names
    district.classification = Level.RESTRICTED
    district.save()
    after = columnar.cut(compile_relation(Dataset.objects.get(pk=ward.pk), actor=viewer))
    assert "地区" not in after.column_names and after.num_rows == before.num_rows


def test_a_new_revision_is_read_from_the_table_until_its_own_file_is_written(ward):
    old = columnar.build(ward.pk)
    editor = User.objects.get(username="fukushi.editor")
    rel = compile_relation(ward, actor=editor)
    row_id, rev, _values = next(rel.rows())
    editing.edit_record(ward, row_id, {"地区": "代沢"}, rev, actor=editor)
    ward.refresh_from_db()
    newer = compile_relation(ward, actor=editor)
    assert columnar.cut(newer) is None  # the file is the previous revision's
    assert "代沢" in arrow.snapshot(newer).column("地区").to_pylist()
    new = columnar.build(ward.pk)
    assert new != old and not old.exists() and list(columnar.folder().iterdir()) == [new]
    assert columnar.cut(newer).equals(row_snapshot(newer))


def test_the_worker_writes_the_file_when_a_revision_of_a_big_dataset_commits(
    ward, immediate_tasks, django_capture_on_commit_callbacks
):
    editor = User.objects.get(username="fukushi.editor")
    row_id, rev, _values = next(compile_relation(ward, actor=editor).rows())
    with django_capture_on_commit_callbacks(execute=True):
        editing.edit_record(ward, row_id, {"地区": "代沢"}, rev, actor=editor)
    ward.refresh_from_db()
    rel = compile_relation(ward, actor=editor)
    assert columnar.cut(rel) is not None and columnar.cut(rel).equals(row_snapshot(rel))


def test_small_datasets_have_no_file(ward, monkeypatch):
    monkeypatch.setattr(columnar, "FROM_ROWS", 1_000)
    assert columnar.build(ward.pk) is None
    assert columnar.cut(compile_relation(ward, actor=User.objects.get(username="fukushi.editor"))) is None
