"""Procedure catalogue API: the public catalogue, and staff versions, export and import."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Body, Query, Router, Schema
from ninja.pagination import paginate

from twotier.core.pagination import Page
from twotier.core.schemas import READ_ERRORS, ErrorOut
from twotier.org.access import require
from twotier.org.permissions import P
from twotier.procedures import selectors
from twotier.procedures.models import ProcedureVersion
from twotier.procedures.services import catalogue_import

router = Router(tags=["procedures"])

PUBLIC_ERRORS: dict[int, type[Schema]] = {404: ErrorOut, 422: ErrorOut}
STAFF_ERRORS: dict[int, type[Schema]] = {403: ErrorOut, **READ_ERRORS}


class TimeLimitOut(Schema):
    value: float | None
    unit: str
    text: str


class ProcedureSummaryOut(Schema):
    code: str
    name: str
    field: str
    level: str
    version: int
    time_limit: TimeLimitOut | None
    online_level: str
    online_submission: bool
    full_process_eligible: bool
    verified: bool
    is_demo: bool

    @staticmethod
    def resolve_code(obj: ProcedureVersion) -> str:
        """The procedure's national code."""
        return obj.procedure.code

    @staticmethod
    def resolve_name(obj: ProcedureVersion) -> str:
        """The procedure's name."""
        return obj.procedure.name

    @staticmethod
    def resolve_field(obj: ProcedureVersion) -> str:
        """The procedure's field."""
        return obj.procedure.field

    @staticmethod
    def resolve_level(obj: ProcedureVersion) -> str:
        """The implementing level."""
        return obj.procedure.level

    @staticmethod
    def resolve_version(obj: ProcedureVersion) -> int:
        """The published version number."""
        return obj.number

    @staticmethod
    def resolve_time_limit(obj: ProcedureVersion) -> dict[str, Any] | None:
        """The time limit as shown to citizens (None when unverified)."""
        return selectors.public_time_limit(obj)

    @staticmethod
    def resolve_verified(obj: ProcedureVersion) -> bool:
        """Whether the figures are verified (not an L entry)."""
        return selectors.is_verified(obj)

    @staticmethod
    def resolve_is_demo(obj: ProcedureVersion) -> bool:
        """Whether the procedure is demo data."""
        return obj.procedure.is_demo


class FeeOut(Schema):
    code: str
    name: str
    amount_vnd: int | None
    per: str
    note: str


class ComponentOut(Schema):
    code: str
    name: str
    form: str
    quantity: int
    required: bool
    condition: str
    template_url: str | None


class StepOut(Schema):
    key: str
    name: str
    place: str
    role: str
    hours: float


class ProcedureDetailOut(Schema):
    code: str
    name: str
    field: str
    level: str
    is_demo: bool
    version: int
    valid_from: dt.date | None
    published_at: dt.datetime | None
    time_limit: TimeLimitOut | None
    cutoff_applies: bool
    requires_paper_result: bool
    online_level: str
    online_submission: bool
    full_process_eligible: bool
    agency: str
    results: list[str]
    fees: list[FeeOut]
    components: list[ComponentOut]
    steps: list[StepOut]
    verified: bool
    notice: str
    source: str


class VersionOut(Schema):
    number: int
    status: str
    valid_from: dt.date | None
    published_at: dt.datetime | None
    time_limit_value: float | None
    time_limit_unit: str | None
    time_limit_text: str
    online_level: str
    confidence: str
    steps: int

    @staticmethod
    def resolve_steps(obj: ProcedureVersion) -> int:
        """How many steps the process has."""
        return len((obj.process or {}).get("steps") or [])


class ProcedureFilter(Schema):
    q: str = ""
    level: str | None = None
    field: str | None = None
    online: bool | None = None
    online_level: str | None = None


class ImportReportOut(Schema):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    versions: dict[str, int]


@router.get(
    "/procedures",
    auth=None,
    response={200: list[ProcedureSummaryOut], 422: ErrorOut},
    summary="Search the published procedure catalogue (public)",
)
@paginate(Page)
def list_procedures(request: HttpRequest, filters: Query[ProcedureFilter]):  # type: ignore[no-untyped-def]
    """Published procedures; `q` matches every word of the name (diacritics ignored) or a code prefix."""
    return selectors.procedure_search(
        q=filters.q,
        level=filters.level,
        field=filters.field,
        online=filters.online,
        online_level=filters.online_level,
    )


@router.get(
    "/procedures/export",
    response={200: dict[str, Any], **STAFF_ERRORS},
    summary="Export the published catalogue in the import format (staff)",
)
def export_procedures(request: HttpRequest, codes: str = "") -> dict[str, Any]:
    """The catalogue document; `codes` is an optional comma-separated list of procedure codes."""
    wanted = [code for code in codes.split(",") if code.strip()] or None
    return selectors.catalogue_export_for(user=request.auth, codes=wanted)  # type: ignore[attr-defined]


@router.post(
    "/procedures/import",
    response={200: ImportReportOut, **STAFF_ERRORS},
    summary="Import a catalogue document (system administrators)",
)
def import_procedures(request: HttpRequest, document: Body[dict[str, Any]], demo: bool = False) -> dict[str, Any]:
    """All or nothing and idempotent; 422 lists every problem with the procedure, field and rule."""
    user = request.auth  # type: ignore[attr-defined]
    require(user, P.SYSTEM_ADMIN)
    return catalogue_import(actor=user, document=document, mark_demo=demo).as_dict()


@router.get(
    "/procedures/{code}",
    auth=None,
    response={200: ProcedureDetailOut, **PUBLIC_ERRORS},
    summary="One published procedure (public)",
)
def get_procedure(request: HttpRequest, code: str) -> dict[str, Any]:
    """The current published version: time limit, fees, components, results and steps (no unit codes)."""
    return selectors.public_detail(selectors.procedure_public_get(code=code))


@router.get(
    "/procedures/{code}/versions",
    response={200: list[VersionOut], **STAFF_ERRORS},
    summary="Every version of a procedure, drafts included (staff)",
)
def list_versions(request: HttpRequest, code: str) -> list[ProcedureVersion]:
    """Versions newest first."""
    return selectors.procedure_versions(user=request.auth, code=code)  # type: ignore[attr-defined]
