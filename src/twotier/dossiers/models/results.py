"""Result documents of a dossier: the signed electronic result and its link."""

from __future__ import annotations

from django.db import models

from twotier.dossiers.models.dossier import Dossier


class DossierResult(models.Model):
    """A result document; `electronic` results carry a signed PDF the citizen can download."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="results")
    name = models.CharField(max_length=300)
    number = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to="results/%Y/%m/", blank=True, max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    electronic = models.BooleanField(default=False)
    signed = models.BooleanField(default=False)
    signer_fingerprint = models.CharField(max_length=128, blank=True)
    issued_at = models.DateTimeField()
    digitised = models.BooleanField(default=True)

    class Meta:
        ordering = ["dossier", "pk"]

    def __str__(self) -> str:
        return self.name
