"""Index the current rows in display order on master tables created before this index existed."""

from django.db import migrations


def add_index(apps, schema_editor):
    connection = schema_editor.connection
    tables = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    Dataset = apps.get_model("catalog", "Dataset")
    for pk in Dataset.objects.values_list("pk", flat=True):
        table = f"kd_data_{pk}"
        if table in tables:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(table + '_current')} ON {quote(table)} (_ord, _id) "
                "WHERE _deleted_rev IS NULL"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("store", "0001_initial"),
        ("catalog", "0002_undecided_masking_views"),
    ]

    operations = [migrations.RunPython(add_index, migrations.RunPython.noop)]
