"""Fees due on a dossier and payments made for them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from twotier.dossiers.models.dossier import Dossier


class DossierFee(models.Model):
    """A fee line copied from the procedure version at receipt (amounts frozen)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="fees")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=500)
    amount_vnd = models.PositiveBigIntegerField(default=0)
    quantity = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["dossier", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount_vnd}"

    @property
    def total(self) -> int:
        return self.amount_vnd * self.quantity


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(models.Model):
    """A payment of a dossier's fees: cash at the desk or online through a provider."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=16)  # cash / online
    provider = models.CharField(max_length=32, blank=True)
    amount_vnd = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    reference = models.CharField(max_length=64, unique=True)
    provider_transaction = models.CharField(max_length=100, blank=True)
    checkout_url = models.URLField(blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "created_at"]

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"
