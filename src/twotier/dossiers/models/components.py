"""The documents of a dossier, per required component; digitised or reused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from twotier.dossiers.models.dossier import Dossier
from twotier.procedures.models import ComponentSpec


class DossierComponent(models.Model):
    """One component of a dossier, possibly with a stored file (checksummed).

    `digitised` means an electronic copy of the component is on file for this dossier: scanned at
    the desk or a step, or reused from the same citizen's earlier dossier (then `reused_from` or
    `reused_result` says from where and the file is shared, not copied).
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="components")
    spec = models.ForeignKey(ComponentSpec, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=1000)
    form = models.CharField(max_length=32, blank=True)
    quantity = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to="dossiers/%Y/%m/", blank=True, max_length=300)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    file_added_at = models.DateTimeField(null=True, blank=True)
    file_added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    digitised = models.BooleanField(default=False)
    digitised_at = models.DateTimeField(null=True, blank=True)
    digitised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reuses")
    reused_result = models.ForeignKey(
        "dossiers.DossierResult", null=True, blank=True, on_delete=models.PROTECT, related_name="reuses"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "pk"]
        indexes = [models.Index(fields=["file"], name="dossier_component_file")]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "code"], name="dossier_component_code"),
            models.CheckConstraint(
                condition=Q(reused_from__isnull=True) | Q(reused_result__isnull=True),
                name="dossier_component_one_reuse_source",
            ),
            models.CheckConstraint(condition=Q(digitised=False) | ~Q(file=""), name="dossier_component_digitised_file"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_reused(self) -> bool:
        """Whether the file was reused from an earlier dossier of the same citizen (for the index)."""
        return self.reused_from_id is not None or self.reused_result_id is not None
