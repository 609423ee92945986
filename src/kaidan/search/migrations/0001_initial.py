from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0003_published"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("dataset", "Dataset"), ("record", "Record"), ("document", "Document")], max_length=10)),
                ("row_id", models.BigIntegerField(null=True)),
                ("field_id", models.BigIntegerField(null=True)),
                ("text", models.TextField()),
                ("norm", models.TextField()),
                ("uni", models.TextField()),
                ("bi", models.TextField()),
                ("dataset", models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.dataset")),
                ("document", models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="documents.document")),
            ],
            options={
                "indexes": [
                    models.Index(fields=["dataset", "row_id"], name="search_sear_dataset_9d0f3a_idx"),
                    models.Index(fields=["kind", "dataset"], name="search_sear_kind_4c7c51_idx"),
                    models.Index(fields=["document"], name="search_sear_documen_1b2e7d_idx"),
                ],
            },
        ),
    ]
