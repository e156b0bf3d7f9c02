"""`manage.py seed_demo`: load the Cà Mau demo data (idempotent) and print the demo accounts."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from twotier.demo.dossiers import seed_demo_dossiers
from twotier.demo.seed import seed_demo
from twotier.demo.structure import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Load the deterministic Cà Mau demo data set (safe to run again)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--dossiers-per-commune", type=int, default=45)

    def _progress(self, message: str) -> None:
        if getattr(self, "verbosity", 1) >= 1:
            self.stdout.write(f"  {message}")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        self.verbosity = options["verbosity"]
        started = time.monotonic()
        report = seed_demo()
        self.stdout.write(
            f"Demo data: +{report.calendar_days} calendar days, +{report.units} units, +{report.posts} posts, "
            f"+{report.procedures} procedures, +{report.accounts} accounts, "
            f"+{report.work_items} work items ({time.monotonic() - started:.1f} s)"
        )
        started = time.monotonic()
        self.stdout.write("Demo dossiers: driving them through the real services (a few minutes, once)…")
        dossiers = seed_demo_dossiers(per_commune=options["dossiers_per_commune"], progress=self._progress)
        self.stdout.write(f"Demo dossiers: +{dossiers} received ({time.monotonic() - started:.1f} s)")
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD})")
        for username, role, unit, totp in report.demo_accounts:
            extra = f"  second factor: TOTP secret {totp} (or `python manage.py demo_totp {username}`)" if totp else ""
            self.stdout.write(f"  {username:<18} {role:<22} {unit}{extra}")
