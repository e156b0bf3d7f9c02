"""The dossier (hồ sơ): one application under one frozen procedure version, with its timing facts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from twotier.dossiers.status import Channel, PaidOnline, ResultDelivery, Status
from twotier.org.models import Post, Unit
from twotier.procedures.models import ProcedureVersion


class Dossier(models.Model):
    """A dossier. Timing facts (received, promised, paused, ended, on time) are stored when they happen."""

    code = models.CharField(_("dossier code"), max_length=40, unique=True)
    procedure_version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers")
    receiving_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="received_dossiers")
    channel = models.PositiveSmallIntegerField(_("channel"), choices=Channel.choices)
    on_behalf = models.BooleanField(_("submitted by staff on behalf of the citizen"), default=False)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices, db_index=True)
    status_before_pause = models.PositiveSmallIntegerField(choices=Status.choices, null=True, blank=True)

    applicant_name = models.CharField(_("applicant"), max_length=200)
    applicant_name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    applicant_id_number = models.CharField(_("national id number"), max_length=12, blank=True, db_index=True)
    applicant_address = models.CharField(_("address"), max_length=500, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    access_secret_digest = models.CharField(max_length=64, blank=True)
    sets = models.PositiveSmallIntegerField(_("number of sets"), default=1)
    result_delivery = models.CharField(
        _("result delivery"), max_length=16, choices=ResultDelivery.choices, default=ResultDelivery.DESK
    )

    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True, db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clock_start_at = models.DateTimeField(null=True, blank=True)
    promised_at = models.DateTimeField(_("promised return"), null=True, blank=True, db_index=True)
    original_promised_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0)
    ended_at = models.DateTimeField(_("processing ended"), null=True, blank=True)
    returned_at = models.DateTimeField(_("result returned"), null=True, blank=True)
    on_time = models.BooleanField(null=True, blank=True)

    current_step = models.CharField(max_length=64, blank=True)
    current_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    current_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    step_started_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    supplement_count = models.PositiveSmallIntegerField(default=0)
    apology_count = models.PositiveSmallIntegerField(default=0)
    paid_online = models.PositiveSmallIntegerField(choices=PaidOnline.choices, default=PaidOnline.NO)
    fee_total = models.PositiveBigIntegerField(default=0)
    full_process_online = models.BooleanField(default=False)
    refusal_reason = models.TextField(blank=True)
    stop_reason = models.TextField(blank=True)
    rating = models.CharField(max_length=8, blank=True)
    complaint = models.TextField(blank=True)

    portal_synced_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["current_post", "status", "step_due_at"], name="dossier_post_work"),
            models.Index(fields=["current_unit", "status", "step_due_at"], name="dossier_unit_work"),
            models.Index(fields=["receiving_unit", "received_at"], name="dossier_unit_received"),
            models.Index(fields=["receiving_unit", "status", "promised_at"], name="dossier_unit_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__gte=1, status__lte=10), name="dossier_status_range"),
            models.CheckConstraint(condition=Q(channel__in=[1, 2, 3]), name="dossier_channel_range"),
        ]

    def __str__(self) -> str:
        return self.code


class DossierCodeCounter(models.Model):
    """The daily sequence per receiving agency (the NNNN of agency-YYMMDD-NNNN)."""

    agency_id = models.CharField(max_length=16)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency_id", "day"], name="dossier_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class IdempotencyRecord(models.Model):
    """Remembers what a create call with an idempotency key produced, so a retry returns the same."""

    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=64)
    actor_id = models.BigIntegerField(null=True, blank=True)
    request_digest = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "actor_id", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
