"""`manage.py calendar_seed [--years 2025-2030]`: add the Vietnamese public holidays to the calendar."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from twotier.core.actors import SystemActor
from twotier.core.calendar_services import calendar_seed_from_holidays, parse_years
from twotier.core.errors import InvalidInput


class Command(BaseCommand):
    help = "Seed the working-day calendar from the holidays package (idempotent; manual rows are kept)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--years",
            default=settings.TWOTIER_CALENDAR_YEARS,
            help="Years to seed, e.g. 2025-2030 or 2025,2026 (default: TWOTIER_CALENDAR_YEARS).",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            years = parse_years(options["years"])
            result = calendar_seed_from_holidays(actor=SystemActor("calendar_seed"), years=years)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except InvalidInput as exc:
            raise CommandError("; ".join(issue.message for issue in exc.fields) or exc.message) from exc
        span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
        self.stdout.write(
            self.style.SUCCESS(
                f"Calendar {span}: {len(result.added)} rows added, {len(result.updated)} updated, "
                f"{len(result.kept_manual)} manual rows kept."
            )
        )
