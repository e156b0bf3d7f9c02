"""Append-only, hash-chained audit events."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One audited fact. Rows are never updated or deleted; each carries the previous row's hash."""

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    post_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    unit_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Refuse updates: events are append-only (only `audit.services.audit_record` inserts)."""
        if not self._state.adding:
            raise PermissionError("Audit events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Refuse deletes."""
        raise PermissionError("Audit events are append-only")


class AuditHead(models.Model):
    """A single row holding the last sequence number and hash, so a truncated tail shows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
