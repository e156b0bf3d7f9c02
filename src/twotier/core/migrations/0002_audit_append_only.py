"""Seed the audit head row and forbid UPDATE/DELETE on audit events at the database level.

Set TWOTIER_AUDIT_DB_GUARD=0 to skip the triggers (the test suite does, so that it can flush
tables between browser tests; the guard itself has its own tests).
"""

import os

from django.db import migrations

from twotier.core import db_guards

GENESIS = "0" * 64


def up(apps, schema_editor):
    if os.environ.get("TWOTIER_AUDIT_DB_GUARD", "1") != "0":
        db_guards.install(schema_editor.connection)
    AuditHead = apps.get_model("core", "AuditHead")
    AuditHead.objects.get_or_create(pk=1, defaults={"last_seq": 0, "last_hash": GENESIS})


def down(apps, schema_editor):
    db_guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
