"""Forms API: the printable forms 01–06 of a dossier and a unit's register (07), as PDF."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from twotier.core.audit import record_personal_data_view
from twotier.core.errors import NotFound
from twotier.core.schemas import READ_ERRORS
from twotier.dossiers import selectors
from twotier.dossiers.forms import render
from twotier.dossiers.forms.register import REGISTER_FIELDS
from twotier.org.models import Unit

router = Router(tags=["forms"])

PDF_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "The form as PDF (fonts embedded)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class RegisterQuery(Schema):
    date_from: dt.date
    date_to: dt.date


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # personal data: never cached by proxies or the browser
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/dossiers/{code}/forms/{form_no}.pdf",
    response=READ_ERRORS,
    openapi_extra=PDF_RESPONSE,
    summary="Print a dossier form (01–06) as PDF",
)
def dossier_form_pdf(request: HttpRequest, code: str, form_no: str) -> HttpResponse:
    """Forms: 01 receipt, 02 supplement request, 03 refusal, 04 apology, 05 stop notice, 06 control slip.

    404 when the dossier is not visible or the form does not apply to it (e.g. 02 without a supplement
    request). Each download is recorded as a view of the applicant's personal data.
    """
    user = request.auth  # type: ignore[attr-defined]
    dossier = selectors.dossier_get(user=user, code=code)
    spec = render.form_spec_for(form_no, dossier)
    pdf = render.render_form(form_no, dossier)
    record_personal_data_view(actor=user, subject=dossier, fields=list(spec.fields), purpose=f"form {form_no}")
    return _pdf(pdf, f"{dossier.code}-mau-{form_no}.pdf")


@router.get(
    "/units/{code}/register.pdf",
    response=READ_ERRORS,
    openapi_extra=PDF_RESPONSE,
    summary="Print a unit's dossier register (form 07) as PDF",
)
def unit_register_pdf(request: HttpRequest, code: str, query: Query[RegisterQuery]) -> HttpResponse:
    """The dossiers received at the unit between the two dates (at most 366 days); needs receive or view there."""
    user = request.auth  # type: ignore[attr-defined]
    unit = Unit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        raise NotFound()
    pdf = render.render_register(unit, query.date_from, query.date_to, user=user)
    record_personal_data_view(
        actor=user,
        subject=unit,
        fields=list(REGISTER_FIELDS),
        purpose=f"form 07 register {query.date_from.isoformat()}..{query.date_to.isoformat()}",
    )
    return _pdf(pdf, f"so-theo-doi-{unit.code}-{query.date_from:%Y%m%d}-{query.date_to:%Y%m%d}.pdf")
