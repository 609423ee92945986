"""Entries record their hash scheme; the head is signed with the audit key.

Entries that exist already were hashed with plain SHA-256: they keep that scheme. If there is a chain,
its head is signed now, so the plain-hash entries are anchored to the key from the start: someone who
later rewrites the whole chain with plain hashes cannot sign the head they would need.
"""

from django.db import migrations, models


def sign_existing_head(apps, schema_editor):
    from kaidan.audit.keys import audit_key, head_mac

    AuditHead = apps.get_model("audit", "AuditHead")
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.last_seq == 0:
        return  # nothing logged yet: the first entry will sign the head (a signed #0 would allow resets)
    head.mac = head_mac(audit_key(), head.last_seq, head.last_hash)
    head.save(update_fields=["mac"])


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='scheme',
            field=models.CharField(default='sha256', max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditentry',
            name='key_id',
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name='audithead',
            name='mac',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(sign_existing_head, migrations.RunPython.noop),
    ]
