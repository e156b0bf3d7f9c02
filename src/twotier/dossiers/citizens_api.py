"""Citizen look-up API: what TwoTier's own dossiers know of a national id number (audited, permission-bound)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from twotier.core.schemas import READ_ERRORS, ErrorOut
from twotier.dossiers.citizens import CitizenProfile, citizen_lookup
from twotier.dossiers.components_api import ReuseCandidateOut

router = Router(tags=["citizens"])
ERRORS: dict[int, Any] = {403: ErrorOut, **READ_ERRORS}


class ContactOut(Schema):
    name: str
    address: str
    phone: str
    recorded_at: dt.datetime | None


class CitizenDossierOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    receiving_unit: str
    status: int
    status_label: str
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None


class CitizenOut(Schema):
    source: str = Field(..., description='Always "twotier-dossiers": not the national population database')
    notice: str
    id_number: str
    province_code: str
    gender: str = Field(..., description="female or male, from the number's fourth digit")
    birth_year: int
    known: bool = Field(..., description="Whether any TwoTier dossier carries this id number")
    contacts: list[ContactOut] = Field(
        ..., description="Name, address and phone as dossiers recorded them, latest first"
    )
    dossiers: list[CitizenDossierOut] = Field(..., description="The person's dossiers that the caller may see")
    documents: list[ReuseCandidateOut] = Field(..., description="Reusable digitised documents in those dossiers")


@router.get("/citizens/{id_number}", response={200: CitizenOut, **ERRORS}, summary="Look a citizen up")
def lookup(
    request: HttpRequest,
    id_number: str,
    purpose: str = Query(..., description="Why the citizen is looked up (recorded in the audit trail)"),
) -> CitizenProfile:
    """Needs the population-data permission (403 otherwise); 422 names `id_number` or `purpose` and the rule."""
    return citizen_lookup(actor=request.auth, id_number=id_number, purpose=purpose)  # type: ignore[attr-defined]
