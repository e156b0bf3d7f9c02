"""What happened to a dossier: status changes, hand-overs between steps, supplements, apologies."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from twotier.dossiers.models.dossier import Dossier
from twotier.dossiers.status import Status
from twotier.org.models import Post, Unit


class StatusChange(models.Model):
    """One transition of the state table, in order (feeds the portal's progress events)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="status_changes")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    from_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True, blank=True)
    to_status = models.PositiveSmallIntegerField(choices=Status.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=150, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    request_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="status_change_seq")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action} {self.from_status}→{self.to_status}"


class Handover(models.Model):
    """A hand-over between steps (a line of the control slip, form 06)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="handovers")
    seq = models.PositiveIntegerField()
    from_step = models.CharField(max_length=64, blank=True)
    to_step = models.CharField(max_length=64)
    from_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_user_label = models.CharField(max_length=150, blank=True)
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    step_due_at = models.DateTimeField(null=True, blank=True)
    timeliness = models.CharField(max_length=8, blank=True, help_text="early / on_time / late for the step left")
    is_return = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="handover_seq")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.from_step}→{self.to_step}"


class SupplementRequest(models.Model):
    """A request for supplementary documents (form 02); the clock is paused while it is open."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    requested_at = models.DateTimeField()
    reason = models.TextField()
    items = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    promised_before = models.DateTimeField(null=True, blank=True)
    promised_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "requested_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} supplement {self.requested_at:%Y-%m-%d}"


class Apology(models.Model):
    """An apology letter with a new return date (form 04); allowed once."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apologies")
    at = models.DateTimeField()
    reason = models.TextField()
    promised_before = models.DateTimeField()
    promised_after = models.DateTimeField()

    class Meta:
        ordering = ["dossier", "at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} apology {self.at:%Y-%m-%d}"
