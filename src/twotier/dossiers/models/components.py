"""The documents of a dossier, per required component; digitised or reused."""

from __future__ import annotations

from django.db import models

from twotier.dossiers.models.dossier import Dossier
from twotier.procedures.models import ComponentSpec


class DossierComponent(models.Model):
    """One component of a dossier, possibly with a stored file (checksummed)."""

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
    digitised = models.BooleanField(default=False)
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reuses")
    reused_result = models.ForeignKey(
        "dossiers.DossierResult", null=True, blank=True, on_delete=models.PROTECT, related_name="reuses"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "pk"]
        constraints = [models.UniqueConstraint(fields=["dossier", "code"], name="dossier_component_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_reused(self) -> bool:
        return self.reused_from_id is not None or self.reused_result_id is not None
