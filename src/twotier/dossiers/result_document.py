"""The electronic result document: rendered from a template and signed (PAdES) by the issuing agency."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from twotier.core.errors import Conflict
from twotier.dossiers.forms.context import common, issuing_unit
from twotier.dossiers.forms.formatting import long_date, place_name
from twotier.dossiers.forms.render import ENGINE, _context, html_to_pdf
from twotier.dossiers.models import Dossier
from twotier.org.models import Unit, UnitType


def signing_unit_for(dossier: Dossier) -> Unit:
    """The agency that signs the result: the unit at the approval step, lifted from a commune department."""
    unit = dossier.current_unit or dossier.receiving_unit
    while unit.type == UnitType.COMMUNE_DEPARTMENT and unit.parent is not None:
        unit = unit.parent
    return unit


def render_result_pdf(dossier: Dossier, *, name: str, number: str, signer: Unit) -> bytes:
    """The unsigned PDF of the result document, with the dossier code as text and QR code."""
    context: dict[str, Any] = common(dossier, desk=False, issuer=signer)
    now = timezone.now()
    context.update(
        {
            "result_name": name,
            "result_number": number,
            "issued_date": long_date(now),
            "dated": f"{place_name(signer)}, {long_date(now)}",
            "number_line": f"Số: {number}" if number else "",
            "form_title": name,
        }
    )
    return html_to_pdf(ENGINE.get_template("forms/result.html").render(_context(context)))


def sign_result(*, actor: Any, dossier: Dossier, name: str, number: str) -> tuple[bytes, str]:
    """Render and sign the result as the issuing agency; returns (signed PDF, certificate fingerprint)."""
    from twotier.signing.selectors import certificate_active_for
    from twotier.signing.signer import document_sign

    signer = signing_unit_for(dossier)
    certificate = certificate_active_for(signer)
    if certificate is None:
        raise Conflict(
            f"{signer.name} has no active signing certificate: issue one (manage.py pki_issue {signer.code}) "
            "or import the agency's certificate",
            code="no_signing_certificate",
        )
    pdf = render_result_pdf(dossier, name=name, number=number, signer=signer)
    signed = document_sign(
        actor=actor,
        unit=signer,
        pdf_bytes=pdf,
        reason=f"Kết quả giải quyết hồ sơ {dossier.code}",
        location=place_name(signer),
        target=dossier,
    )
    return signed, certificate.fingerprint_sha256


__all__ = ["issuing_unit", "render_result_pdf", "sign_result", "signing_unit_for"]
