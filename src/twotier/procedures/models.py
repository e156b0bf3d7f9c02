"""The procedure catalogue: procedures, their versions, fees, components, results and processes.

A dossier freezes the `ProcedureVersion` it was received under; a published version is never
edited (a change makes a new version).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class TimeLimitUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("working days")
    DAY = "day", _("calendar days")
    HOUR = "hour", _("working hours")
    SAME_DAY = "same_day", _("same working day")
    MONTH = "month", _("months")


class OnlineLevel(models.TextChoices):
    NONE = "none", _("Not online")
    PARTIAL = "partial", _("Partly online")
    FULL = "full", _("Full-process online")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Procedure(models.Model):
    """An administrative procedure (TTHC) identified by its national code, e.g. 1.001193."""

    code = models.CharField(_("national code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=1000)
    name_folded = models.CharField(max_length=1000, editable=False, db_index=True)
    field = models.CharField(_("field"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProcedureVersion(models.Model):
    """One version of a procedure's rules; dossiers point at the version they were received under."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    time_limit_value = models.DecimalField(
        _("statutory time limit"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=16, choices=TimeLimitUnit.choices, null=True, blank=True
    )
    time_limit_text = models.TextField(_("time limit wording"), blank=True)
    cutoff_applies = models.BooleanField(
        _("15:00 rule"),
        default=True,
        help_text=_("Received after the cut-off → counted from the next working day."),
    )
    requires_paper_result = models.BooleanField(_("paper result required"), default=True)
    online_level = models.CharField(max_length=16, choices=OnlineLevel.choices, default=OnlineLevel.PARTIAL)
    full_process_eligible = models.BooleanField(_("eligible for full-process online"), default=False)
    online_submission = models.BooleanField(_("online submission offered"), default=True)
    agency = models.CharField(_("implementing agency"), max_length=300, blank=True)
    results = models.JSONField(_("result documents"), default=list, blank=True)
    process = models.JSONField(_("internal process"), default=dict, blank=True)
    source = models.TextField(blank=True)
    confidence = models.CharField(max_length=1, blank=True, help_text="H/M/L provenance of the figures")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["procedure__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="published"),
                name="one_published_version_per_procedure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"


class FeeLine(models.Model):
    """A fee or charge of a procedure version; amount None = set by the province or not verified."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="fee_lines")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=500)
    amount_vnd = models.PositiveBigIntegerField(null=True, blank=True)
    per = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="fee_line_code_unique")]

    def __str__(self) -> str:
        return self.name


class ComponentForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    SHOW_ORIGINAL = "show_original", _("Show the original")
    COPY_OR_ELECTRONIC = "copy_or_electronic", _("Copy, or fetched electronically")


class ComponentSpec(models.Model):
    """A required (or conditional) component of a dossier under a procedure version."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=1000)
    form = models.CharField(max_length=32, choices=ComponentForm.choices, default=ComponentForm.ORIGINAL)
    quantity = models.PositiveSmallIntegerField(default=1)
    required = models.BooleanField(default=True)
    condition = models.TextField(blank=True)
    template = models.FileField(upload_to="procedure-templates/", blank=True)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="component_code_unique")]

    def __str__(self) -> str:
        return self.name
