"""The transactional outbox: messages for outside systems, written in the same transaction as the change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failing (retrying)")
    DEAD = "dead", _("Gave up (needs an administrator)")


class OutboxMessage(models.Model):
    """One message to deliver; per aggregate, messages are delivered in `seq` order, each exactly once in effect."""

    topic = models.CharField(max_length=64, db_index=True)
    aggregate_type = models.CharField(max_length=64)
    aggregate_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=128, unique=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["aggregate_type", "aggregate_id", "seq"], name="outbox_aggregate"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["topic", "aggregate_type", "aggregate_id", "seq"], name="outbox_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.aggregate_type}:{self.aggregate_id}#{self.seq} {self.status}"
