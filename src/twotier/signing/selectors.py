"""Reads for the certificate registry (internal: callers are services and the signer, not end users)."""

from __future__ import annotations

from django.db.models import QuerySet

from twotier.org.models import Unit
from twotier.signing.models import CertificateKind, SigningCertificate


def certificate_active_for(unit: Unit) -> SigningCertificate | None:
    """Return the unit's active signing certificate, or None."""
    return SigningCertificate.objects.filter(unit=unit, kind=CertificateKind.AGENCY, is_active=True).first()


def active_fingerprint_for(unit: Unit) -> str | None:
    """Return the fingerprint of the unit's active certificate without loading the PEM (hot path)."""
    return (
        SigningCertificate.objects.filter(unit=unit, kind=CertificateKind.AGENCY, is_active=True)
        .values_list("fingerprint_sha256", flat=True)
        .first()
    )


def active_root() -> SigningCertificate | None:
    """Return the active demo root CA row, or None before `pki_init`."""
    return SigningCertificate.objects.filter(kind=CertificateKind.ROOT, is_active=True).first()


def certificates_for(unit: Unit) -> QuerySet[SigningCertificate]:
    """Return every certificate the unit ever had, newest first."""
    return SigningCertificate.objects.filter(unit=unit).order_by("-created_at")
