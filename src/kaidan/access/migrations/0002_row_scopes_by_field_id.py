"""Row scopes name their columns by field id, no longer by machine name or label (issue 9, finding 4).

A condition {"field": "地区", …} becomes {"field_id": <id>, …}, looking the name up first among the
dataset's machine names, then its labels, as the old reader did. A name that matches no column becomes
{"field_id": None, …}, which matches no row (fail closed), as it did before.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    AccessGrant = apps.get_model("access", "AccessGrant")
    Field = apps.get_model("catalog", "Field")
    for grant in AccessGrant.objects.filter(target_type="catalog.dataset"):
        if not grant.row_filter:
            continue
        fields = list(Field.objects.filter(dataset_id=grant.target_id, removed=False))
        converted = []
        for cond in grant.row_filter:
            if "field_id" in cond:
                converted.append(cond)
                continue
            name = str(cond.get("field", ""))
            found = next((f for f in fields if f.name == name), None) or next(
                (f for f in fields if f.label == name), None
            )
            new = {k: v for k, v in cond.items() if k != "field"}
            new["field_id"] = found.pk if found is not None else None
            converted.append(new)
        grant.row_filter = converted
        grant.save(update_fields=["row_filter"])


def backwards(apps, schema_editor):
    AccessGrant = apps.get_model("access", "AccessGrant")
    Field = apps.get_model("catalog", "Field")
    for grant in AccessGrant.objects.filter(target_type="catalog.dataset"):
        converted = []
        for cond in grant.row_filter or []:
            if "field_id" not in cond:
                converted.append(cond)
                continue
            found = Field.objects.filter(pk=cond["field_id"]).first()
            new = {k: v for k, v in cond.items() if k != "field_id"}
            new["field"] = found.name if found is not None else ""
            converted.append(new)
        grant.row_filter = converted
        grant.save(update_fields=["row_filter"])


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("catalog", "0002_undecided_masking_views"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
