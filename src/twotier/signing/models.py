"""The certificate registry: the demo root and one active signing certificate per agency unit.

Private keys never live here: `key_path` names an encrypted PEM file in the PKI folder.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from twotier.org.models import Unit


class CertificateKind(models.TextChoices):
    """What a registry row is: the demo root CA or an agency's signing certificate."""

    ROOT = "root", _("Root CA")
    AGENCY = "agency", _("Agency signing certificate")


class CertificateSource(models.TextChoices):
    """Where a certificate comes from: issued by the demo PKI or imported from a real CA."""

    DEMO = "demo", _("Issued by the demo PKI")
    IMPORTED = "imported", _("Imported from a real CA")


class SigningCertificate(models.Model):
    """A certificate with its key file; agency rows belong to a unit, at most one active each."""

    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=CertificateSource.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_certificates",
    )
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    agency_id = models.CharField(_("electronic agency id"), max_length=16, blank=True)
    serial_number = models.CharField(_("serial number (hex)"), max_length=64)
    fingerprint_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    key_type = models.CharField(_("key type"), max_length=32)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    chain_pem = models.TextField(_("issuer chain (PEM)"), blank=True)
    key_path = models.CharField(
        _("key file"), max_length=500, help_text=_("Relative to the PKI folder; the file is encrypted.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "unit_id", "-created_at"]
        verbose_name = _("signing certificate")
        verbose_name_plural = _("signing certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(is_active=True, kind="agency"),
                name="signing_cert_one_active_per_unit",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(is_active=True, kind="root"),
                name="signing_cert_one_active_root",
            ),
            models.CheckConstraint(
                condition=Q(kind="root", unit__isnull=True) | Q(kind="agency", unit__isnull=False),
                name="signing_cert_kind_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.fingerprint_sha256[:16]})"
