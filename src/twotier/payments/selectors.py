"""Reads for payments: a dossier's fee lines and payments, through the payment access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from twotier.core.errors import NotFound
from twotier.dossiers.models import Dossier, DossierFee, Payment
from twotier.payments.policies import viewer_may_see


def dossier_pk_by_code(code: str) -> int | None:
    """The primary key of the dossier with `code`, unchecked (the service decides who may act on it)."""
    return Dossier.objects.filter(code=code).values_list("pk", flat=True).first()


def dossier_with_payments(*, user: Any, code: str, secret: str | None = None) -> Dossier:
    """One dossier with its fee lines and payments (404 when missing or not visible, 401 when anonymous)."""
    dossier = (
        Dossier.objects.select_related("procedure_version__procedure")
        .prefetch_related(
            Prefetch("fees", queryset=DossierFee.objects.order_by("pk")),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at", "pk")),
        )
        .filter(code=code)
        .first()
    )
    if not viewer_may_see(user, dossier, secret):
        raise NotFound()
    assert dossier is not None
    return dossier
