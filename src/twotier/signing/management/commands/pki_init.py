"""`manage.py pki_init`: the demo root CA plus a certificate for every signing unit; safe to run again."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from twotier.core.actors import SystemActor
from twotier.signing import conf, selectors
from twotier.signing.pki import pki_init, pki_issue_many, signing_units


class Command(BaseCommand):
    """Thin wrapper around the PKI services (they audit every change)."""

    help = (
        "Create the demo root CA (once) and a signing certificate for the province and every "
        "provincial department, commune and ward that has an electronic agency id."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        """Run the command and print what was created."""
        actor = SystemActor("pki")
        started = time.perf_counter()
        before = selectors.active_root()
        root = pki_init(actor=actor)
        if before is None or before.pk != root.pk:
            self.stdout.write(f"created root CA  {root.fingerprint_sha256[:16]}  {root.subject}")
        results = pki_issue_many(actor=actor, units=signing_units())
        created = [r for r in results if r.created]
        for result in created:
            self.stdout.write(
                f"issued  {result.unit.code:<24} {result.certificate.fingerprint_sha256[:16]}  "
                f"{result.unit.name} ({result.unit.agency_id})"
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo PKI ready in {conf.pki_dir()}: root {root.fingerprint_sha256[:16]}, "
                f"{len(created)} certificate(s) issued, {len(results) - len(created)} already present "
                f"({elapsed:.1f} s)."
            )
        )
