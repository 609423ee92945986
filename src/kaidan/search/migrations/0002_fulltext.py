"""The full-text part of the index, in each database's own machinery (same tokens, same answers).

SQLite: an FTS5 table over search_searchentry (external content, kept in step by triggers).
PostgreSQL: `simple` tsvectors of the unigram and bigram columns, generated and indexed with GIN.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(uni, bi, content='search_searchentry', content_rowid='id')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, uni, bi) VALUES (new.id, new.uni, new.bi); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, uni, bi) VALUES ('delete', old.id, old.uni, old.bi); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, uni, bi) VALUES ('delete', old.id, old.uni, old.bi); "
    "INSERT INTO search_fts(rowid, uni, bi) VALUES (new.id, new.uni, new.bi); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES = [
    "ALTER TABLE search_searchentry ADD COLUMN uni_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', uni)) STORED",
    "ALTER TABLE search_searchentry ADD COLUMN bi_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', bi)) STORED",
    "CREATE INDEX search_uni_gin ON search_searchentry USING gin (uni_tsv)",
    "CREATE INDEX search_bi_gin ON search_searchentry USING gin (bi_tsv)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS search_bi_gin",
    "DROP INDEX IF EXISTS search_uni_gin",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS bi_tsv",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS uni_tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
