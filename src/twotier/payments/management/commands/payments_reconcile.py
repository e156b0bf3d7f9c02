"""Ask the gateway about pending online payments older than a checkout's lifetime and apply its answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from twotier.core.errors import DomainError
from twotier.dossiers.models import Payment, PaymentStatus
from twotier.payments import conf
from twotier.payments.services import payment_reconcile


class Command(BaseCommand):
    help = "Reconcile pending online payments with the gateway (the fallback when a callback was lost)."

    def add_arguments(self, parser: CommandParser) -> None:
        """--older-than SECONDS (default: the checkout lifetime)."""
        parser.add_argument("--older-than", type=int, default=None, help="only payments pending at least this long")

    def handle(self, *args: Any, **options: Any) -> None:
        """Query each pending payment and print what became of it."""
        seconds = options["older_than"] if options["older_than"] is not None else conf.checkout_ttl()
        cutoff = timezone.now() - dt.timedelta(seconds=seconds)
        references = list(
            Payment.objects.filter(method="online", status=PaymentStatus.PENDING, created_at__lte=cutoff)
            .order_by("created_at")
            .values_list("reference", flat=True)
        )
        failed = 0
        for reference in references:
            try:
                payment = payment_reconcile(reference=reference)
            except DomainError as exc:
                failed += 1
                self.stderr.write(f"{reference}: {exc.message}")
                continue
            self.stdout.write(f"{reference}: {payment.status}")
        self.stdout.write(f"{len(references)} pending payment(s) checked, {failed} could not be reconciled")
