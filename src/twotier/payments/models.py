"""Received gateway callbacks: the replay guard (one row per merchant nonce) and the delivery trace."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twotier.dossiers.models import Payment


class CallbackOutcome(models.TextChoices):
    APPLIED = "applied", _("Payment applied to the dossier")
    RECORDED = "recorded", _("Failure or cancellation recorded")
    DUPLICATE = "duplicate", _("Duplicate notification, nothing changed")
    UNKNOWN_REFERENCE = "unknown_reference", _("Unknown payment reference")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount does not match the payment")
    PAID_NOT_APPLIED = "paid_not_applied", _("Paid, but the dossier no longer awaits payment")


class CallbackReceipt(models.Model):
    """A callback whose signature and timestamp were valid; its nonce can never be used again."""

    merchant_id = models.CharField(_("merchant"), max_length=32)
    nonce = models.CharField(_("nonce"), max_length=64)
    reference = models.CharField(_("payment reference"), max_length=64, db_index=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result_code = models.CharField(_("result code"), max_length=8)
    outcome = models.CharField(_("callback outcome"), max_length=24, choices=CallbackOutcome.choices)
    body_sha256 = models.CharField(max_length=64)
    sent_at = models.DateTimeField(_("sent by the gateway"))
    received_at = models.DateTimeField(_("callback received"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("gateway callback")
        verbose_name_plural = _("gateway callbacks")
        constraints = [
            models.UniqueConstraint(fields=["merchant_id", "nonce"], name="payment_callback_nonce_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.result_code} {self.outcome}"
