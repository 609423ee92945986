"""A compact index: the tokens are cut by the database from the stored words and never stored as text.

SQLite: the external-content FTS5 table over the `uni` and `bi` text columns becomes a contentless FTS5 table
with `detail=none` (rowids only: the exact check confirms every candidate, so positions are not needed) and
`columnsize=0` (no per-row token counts: nothing ranks by bm25), fed
by triggers through `kaidan_search_tokens(norm)`. PostgreSQL: the stored tsvector columns become one GIN
expression index on `kaidan_search_tokens(norm)`. `norm` now holds the normalized words
(kaidan.values.textsearch.words), and a record's entry no longer copies the cell's original text.
"""

import importlib

from django.db import migrations, models

from kaidan.search.tokens import POSTGRES_FUNCTION, register_sqlite
from kaidan.values.textsearch import words

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(tok, content='', detail=none, columnsize=0)",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, tok) VALUES (new.id, kaidan_search_tokens(new.norm)); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tok) VALUES ('delete', old.id, kaidan_search_tokens(old.norm)); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE OF norm ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tok) VALUES ('delete', old.id, kaidan_search_tokens(old.norm)); "
    "INSERT INTO search_fts(rowid, tok) VALUES (new.id, kaidan_search_tokens(new.norm)); END",
    "INSERT INTO search_fts(rowid, tok) SELECT id, kaidan_search_tokens(norm) FROM search_searchentry",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_bi_gin",
    "DROP INDEX IF EXISTS search_uni_gin",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS bi_tsv",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS uni_tsv",
]
POSTGRES_UNDO = [
    "DROP INDEX IF EXISTS search_tokens_gin",
    "DROP FUNCTION IF EXISTS kaidan_search_tokens(text)",
]
POSTGRES_CREATE = [
    POSTGRES_FUNCTION,
    "CREATE INDEX search_tokens_gin ON search_searchentry USING gin (kaidan_search_tokens(norm))",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            register_sqlite(schema_editor.connection.connection)
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def _old_machinery(apps, schema_editor):
    """Back to 0002: its FTS5 table / tsvector columns (empty tokens: run `kaidan search reindex`)."""
    old = importlib.import_module("kaidan.search.migrations.0002_fulltext")
    _run({"sqlite": old.SQLITE, "postgresql": old.POSTGRES})(apps, schema_editor)


def _to_words(apps, schema_editor):
    entry = apps.get_model("search", "SearchEntry")
    entry.objects.filter(kind="record").update(text="")
    last = 0
    while True:
        batch = list(entry.objects.filter(pk__gt=last).order_by("pk").only("pk", "norm")[:2000])
        if not batch:
            return
        for e in batch:
            e.norm = words(e.norm)
        entry.objects.bulk_update(batch, ["norm"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}), _old_machinery),
        migrations.RemoveIndex(model_name="searchentry", name="search_sear_kind_4c7c51_idx"),
        migrations.RemoveIndex(model_name="searchentry", name="search_sear_documen_1b2e7d_idx"),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                condition=models.Q(document__isnull=False), fields=["document"], name="search_entry_document"
            ),
        ),
        migrations.RemoveField(model_name="searchentry", name="uni"),
        migrations.RemoveField(model_name="searchentry", name="bi"),
        migrations.AlterField(
            model_name="searchentry",
            name="dataset",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="catalog.dataset",
            ),
        ),
        migrations.AlterField(
            model_name="searchentry",
            name="document",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="documents.document",
            ),
        ),
        migrations.RunPython(_to_words, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_UNDO}),
        ),
    ]
