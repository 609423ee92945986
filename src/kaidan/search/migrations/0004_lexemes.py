"""PostgreSQL: a smaller index for records and dataset metadata (kaidan.search.tokens).

The GIN index over every character and pair (`kaidan_search_tokens`) now covers document entries only; the
others are indexed by `kaidan_search_lexemes(norm)` (pairs and each word's last character, a tsvector), found
with prefix queries for 1-character words. Both indexes keep a 512 kB pending list. SQLite is unchanged.
"""

from django.db import migrations

from kaidan.search.tokens import POSTGRES_FUNCTION, POSTGRES_LEXEMES

FORWARD = [
    POSTGRES_LEXEMES,
    "DROP INDEX IF EXISTS search_tokens_gin",
    "CREATE INDEX search_tokens_gin ON search_searchentry USING gin (kaidan_search_tokens(norm)) "
    "WITH (gin_pending_list_limit = 512) WHERE kind = 'document'",
    "CREATE INDEX search_lexemes_gin ON search_searchentry USING gin (kaidan_search_lexemes(norm)) "
    "WITH (gin_pending_list_limit = 512) WHERE kind <> 'document'",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_lexemes_gin",
    "DROP INDEX IF EXISTS search_tokens_gin",
    "DROP FUNCTION IF EXISTS kaidan_search_lexemes(text)",
    POSTGRES_FUNCTION,
    "CREATE INDEX search_tokens_gin ON search_searchentry USING gin (kaidan_search_tokens(norm))",
]


def _postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_compact")]

    operations = [migrations.RunPython(_postgres(FORWARD), _postgres(BACKWARD))]
