"""`manage.py load_demo_procedures`: import the demo catalogue (52 procedures, is_demo); idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from twotier.core.actors import SystemActor
from twotier.procedures.demo import load_demo_catalogue


class Command(BaseCommand):
    help = "Load the demo procedure catalogue derived from procedures-reference.json (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        """Load the demo catalogue and report what changed."""
        report = load_demo_catalogue(actor=SystemActor("load_demo_procedures"))
        self.stdout.write(
            f"demo catalogue: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged"
        )
