"""Citizen look-up by national id number: what TwoTier's own dossiers know of a person.

This is NOT the national population database (not reachable from here): the answer is built only
from dossiers received in TwoTier and says so (`source = "twotier-dossiers"`). Only accounts
holding the population-data permission (P.POPULATION_SEARCH, on any unit: a person is not bound
to one commune) may look a citizen up. Every successful look-up is audited as a personal-data view
with its purpose; a refused attempt by an authenticated account is audited too
(`personal_data.view_denied`), because attempts on personal data are what a security review needs
to see, and then refused with 403 and nothing returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from twotier.core.actors import is_system
from twotier.core.audit import audit_record
from twotier.core.citizen_id import parse_citizen_id
from twotier.core.errors import FieldIssue, Forbidden, InvalidInput
from twotier.core.text import nfc
from twotier.dossiers.models import Dossier
from twotier.dossiers.policies import scoped
from twotier.dossiers.services.components import ReuseCandidate, documents_of
from twotier.org.access import grants_for
from twotier.org.permissions import P

SOURCE = "twotier-dossiers"
NOTICE = (
    "Built only from dossiers received in TwoTier; this is not the national population database, "
    "which TwoTier cannot reach."
)
PURPOSE_MAX = 500
MAX_CONTACTS = 10
MAX_DOSSIERS = 100
CONTACT_FIELDS = ["applicant_name", "applicant_address", "applicant_phone"]


@dataclass(frozen=True)
class Contact:
    """A name, address and phone as one dossier recorded them."""

    name: str
    address: str
    phone: str
    recorded_at: dt.datetime | None


@dataclass(frozen=True)
class CitizenDossier:
    """One of the person's dossiers that the caller may see."""

    code: str
    procedure_code: str
    procedure_name: str
    receiving_unit: str
    status: int
    status_label: str
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None


@dataclass
class CitizenProfile:
    """What TwoTier knows of one national id number."""

    id_number: str
    province_code: str
    gender: str
    birth_year: int
    source: str = SOURCE
    notice: str = NOTICE
    known: bool = False
    contacts: list[Contact] = field(default_factory=list)
    dossiers: list[CitizenDossier] = field(default_factory=list)
    documents: list[ReuseCandidate] = field(default_factory=list)


def may_look_up(actor: Any) -> bool:
    """Whether `actor` holds the population-data permission (system actors do)."""
    return is_system(actor) or grants_for(actor).has(P.POPULATION_SEARCH)


def _validate(id_number: str, purpose: str) -> tuple[Any, str]:
    issues: list[FieldIssue] = []
    parsed = None
    try:
        parsed = parse_citizen_id(id_number, field="id_number")
    except InvalidInput as exc:
        issues.extend(exc.fields)
    purpose = nfc((purpose or "").strip())
    if not purpose:
        issues.append(FieldIssue("purpose", "required", "Say why you are looking this citizen up"))
    elif len(purpose) > PURPOSE_MAX:
        issues.append(FieldIssue("purpose", "max_length", f"At most {PURPOSE_MAX} characters"))
    if issues:
        raise InvalidInput("The look-up is not valid", issues)
    return parsed, purpose


def _contacts(id_number: str) -> list[Contact]:
    rows = (
        Dossier.objects.filter(applicant_id_number=id_number)
        .order_by("-submitted_at", "-pk")
        .values_list("applicant_name", "applicant_address", "applicant_phone", "received_at", "submitted_at")[:200]
    )
    seen: set[tuple[str, str, str]] = set()
    contacts: list[Contact] = []
    for name, address, phone, received_at, submitted_at in rows:
        key = (name, address, phone)
        if key in seen:
            continue
        seen.add(key)
        contacts.append(Contact(name, address, phone, received_at or submitted_at))
        if len(contacts) == MAX_CONTACTS:
            break
    return contacts


def _dossiers(actor: Any, id_number: str) -> list[CitizenDossier]:
    qs = (
        scoped(Dossier.objects.filter(applicant_id_number=id_number), actor)
        .select_related("procedure_version__procedure", "receiving_unit")
        .order_by("-submitted_at", "-pk")[:MAX_DOSSIERS]
    )
    return [
        CitizenDossier(
            code=d.code,
            procedure_code=d.procedure_version.procedure.code,
            procedure_name=d.procedure_version.procedure.name,
            receiving_unit=d.receiving_unit.code,
            status=d.status,
            status_label=str(d.get_status_display()),
            submitted_at=d.submitted_at,
            received_at=d.received_at,
        )
        for d in qs
    ]


def citizen_lookup(*, actor: Any, id_number: str, purpose: str) -> CitizenProfile:
    """Look a citizen up by national id number (population-data permission; audited with the purpose)."""
    if not may_look_up(actor):
        audit_record(
            actor=actor,
            action="personal_data.view_denied",
            target_type="citizen",
            target_id=str(id_number or "")[:20],
            changes={"purpose": nfc(str(purpose or ""))[:PURPOSE_MAX], "reason": f"missing {P.POPULATION_SEARCH}"},
        )
        raise Forbidden("Looking a citizen up needs the population-data permission")
    parsed, purpose = _validate(id_number, purpose)
    with transaction.atomic():
        contacts = _contacts(parsed.number)
        profile = CitizenProfile(
            id_number=parsed.number,
            province_code=parsed.province_code,
            gender="female" if parsed.female else "male",
            birth_year=parsed.birth_year,
            known=bool(contacts),
            contacts=contacts,
            dossiers=_dossiers(actor, parsed.number),
            documents=documents_of(user=actor, id_number=parsed.number),
        )
        audit_record(
            actor=actor,
            action="personal_data.view",
            target_type="citizen",
            target_id=parsed.number,
            target_label=parsed.number,
            changes={
                "fields": sorted([*CONTACT_FIELDS, "dossiers", "documents"]),
                "purpose": purpose,
                "source": SOURCE,
                "found": profile.known,
                "dossiers": [d.code for d in profile.dossiers],
            },
        )
    return profile
