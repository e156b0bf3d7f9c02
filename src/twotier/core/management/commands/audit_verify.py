"""`manage.py audit_verify`: exit non-zero and name the first bad event when the chain is broken."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from twotier.core.audit import audit_verify
from twotier.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        problem = audit_verify()
        if problem is not None:
            raise CommandError(f"Audit trail broken at {problem}")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {AuditEvent.objects.count()} events."))
