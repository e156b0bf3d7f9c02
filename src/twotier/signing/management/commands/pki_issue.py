"""`manage.py pki_issue UNIT_CODE`: make sure one unit has a signing certificate (or renew it)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from twotier.core.actors import SystemActor
from twotier.core.errors import DomainError
from twotier.org.models import Unit
from twotier.signing.pki import pki_issue_many


class Command(BaseCommand):
    """Thin wrapper around the PKI services (they audit every change)."""

    help = "Issue a demo signing certificate for the unit with this code (kept if it already has one)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        """The unit code and --renew."""
        parser.add_argument("unit_code", help="TwoTier unit code, e.g. CM-TANTHANH")
        parser.add_argument("--renew", action="store_true", help="Issue a new certificate even if one exists.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        """Run the command and print what was created."""
        try:
            unit = Unit.objects.get(code=options["unit_code"])
        except Unit.DoesNotExist as exc:
            raise CommandError(f"No unit with code {options['unit_code']!r}") from exc
        try:
            result = pki_issue_many(actor=SystemActor("pki"), units=[unit], renew=options["renew"])[0]
        except DomainError as exc:
            raise CommandError(str(exc) + "".join(f" {i.message}" for i in exc.fields)) from exc
        cert = result.certificate
        verb = "issued" if result.created else "already has"
        self.stdout.write(
            f"{verb}  {unit.code}  {cert.fingerprint_sha256[:16]}  {cert.subject}  "
            f"valid until {cert.not_after:%Y-%m-%d}"
        )
