"""A revision keeps a schema snapshot only when the schema changed; every revision still reads its own."""

from __future__ import annotations

from django.db import transaction

from kaidan.access.services import SYSTEM
from kaidan.store import selectors
from kaidan.store.models import Revision
from kaidan.store.services import RevisionWriter, open_revision


def edit_first_row(dataset, fields, new_value) -> None:
    with transaction.atomic():
        revision = open_revision(dataset, actor=SYSTEM, source="edit")
        writer = RevisionWriter(dataset, revision, fields)
        row_id, values = next(selectors.iter_rows(dataset, fields))
        writer.update(row_id, values, [new_value, *values[1:]])
        writer.finish()


def test_an_edit_stores_no_snapshot_and_old_revisions_keep_their_labels(do_import, write_csv):
    dataset = do_import(write_csv("a.csv", "名前,数\nA,1\nB,2\n"), dataset="snap").dataset
    fields = dataset.live_fields()
    edit_first_row(dataset, fields, "Z")
    second = Revision.objects.get(dataset=dataset, number=2)
    assert second.schema == [] and not second.schema_changed
    # A relabel is a schema change: its revision stores a snapshot …
    fields[0].label = "氏名"
    fields[0].save()
    edit_first_row(dataset, dataset.live_fields(), "Y")
    dataset.refresh_from_db()
    assert Revision.objects.get(dataset=dataset, number=3).schema_changed
    # … and each revision reads the snapshot in force at its time.
    assert [f.label for f in selectors.fields_at(dataset, 1)] == ["名前", "数"]
    assert [f.label for f in selectors.fields_at(dataset, 2)] == ["名前", "数"]
    edit_first_row(dataset, dataset.live_fields(), "X")
    assert [f.label for f in selectors.fields_at(dataset, 3)] == ["氏名", "数"]
    assert Revision.objects.get(dataset=dataset, number=4).schema == []
