"""Django admin for the certificate registry: browse only; issuing, importing and deactivating go through
the audited services in `pki` and `pki_import` (or the `pki_init` / `pki_issue` commands)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from twotier.signing.models import SigningCertificate


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    """Read-only list and detail of certificates; no key material is ever shown (it is not stored here)."""

    list_display = ["subject", "kind", "source", "unit", "agency_id", "not_after", "is_active"]
    list_filter = ["kind", "source", "is_active", "key_type"]
    search_fields = ["subject", "agency_id", "fingerprint_sha256", "serial_number", "unit__code"]
    list_select_related = ["unit"]
    ordering = ["kind", "unit__path", "-created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Certificates are issued or imported by the services, never typed in."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Rows change only through audited services."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The registry keeps retired certificates so old signatures stay explainable."""
        return False
