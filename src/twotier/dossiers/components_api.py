"""Dossier components API: list, upload (multipart), mark digitised, reuse, reuse candidates, download."""

import datetime as dt
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.core.schemas import READ_ERRORS, ErrorOut
from twotier.dossiers import selectors
from twotier.dossiers.models import DossierComponent
from twotier.dossiers.services import components
from twotier.dossiers.uploads import FIELD, oversized_fields, too_large, upload_max_bytes

router = Router(tags=["dossier components"])
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 409: ErrorOut, **READ_ERRORS}
UPLOAD_ERRORS: dict[int, Any] = {413: ErrorOut, **WRITE_ERRORS}
FILE_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class ComponentOut(Schema):
    id: int
    code: str
    name: str
    form: str
    quantity: int
    has_file: bool
    original_filename: str
    content_type: str
    size: int
    sha256: str
    file_added_at: dt.datetime | None
    digitised: bool
    digitised_at: dt.datetime | None
    reused: bool
    reused_from_component_id: int | None
    reused_result_id: int | None

    @staticmethod
    def resolve_has_file(obj: DossierComponent) -> bool:
        return bool(obj.file)

    @staticmethod
    def resolve_reused(obj: DossierComponent) -> bool:
        return obj.is_reused

    @staticmethod
    def resolve_reused_from_component_id(obj: DossierComponent) -> int | None:
        return obj.reused_from_id

    @staticmethod
    def resolve_reused_result_id(obj: DossierComponent) -> int | None:
        return obj.reused_result_id


class ReuseIn(Schema):
    source_component_id: int | None = Field(None, description="A digitised component of another dossier")
    source_result_id: int | None = Field(None, description="An electronic result of another dossier")


class ReuseCandidateOut(Schema):
    kind: str = Field(..., description="component or result")
    id: int
    dossier_code: str
    code: str = Field(..., description="The component code, or the result's number")
    name: str
    content_type: str
    size: int
    sha256: str
    at: dt.datetime | None = Field(None, description="When it was digitised or issued")
    reused: bool


@router.get(
    "/dossiers/{code}/components",
    response={200: list[ComponentOut], **READ_ERRORS},
    summary="The components of a dossier",
)
def list_components(request: HttpRequest, code: str) -> list[DossierComponent]:
    """Every component of a visible dossier, with its file facts and digitised / reused flags."""
    return components.component_list(user=request.auth, dossier_code=code)  # type: ignore[attr-defined]


@router.post(
    "/dossiers/{code}/components/{component_code}/file",
    response={200: ComponentOut, **UPLOAD_ERRORS},
    summary="Upload a component's file (PDF, JPEG or PNG)",
)
def upload_file(
    request: HttpRequest,
    code: str,
    component_code: str,
    file: UploadedFile | None = File(None, description="Required: PDF, JPEG or PNG, checked by content"),  # noqa: B008
    digitised: bool = Form(False, description="The desk scanned the paper original"),
) -> DossierComponent:
    """Multipart field `file`; refused with 413 (rule `file_size`) or 422 naming `file` and the rule broken."""
    if FIELD in oversized_fields(request):
        raise too_large(upload_max_bytes())
    if file is None:
        raise InvalidInput("No file was sent", [FieldIssue(FIELD, "file_required", "Attach the file as field 'file'")])
    user = request.auth  # type: ignore[attr-defined]
    dossier = selectors.dossier_get(user=user, code=code)
    return components.component_upload(
        actor=user, dossier_id=dossier.pk, code=component_code, file=file, digitised=digitised
    )


@router.post(
    "/dossiers/{code}/components/{component_code}/digitised",
    response={200: ComponentOut, **WRITE_ERRORS},
    summary="Mark a component digitised",
)
def mark_digitised(request: HttpRequest, code: str, component_code: str) -> DossierComponent:
    """The file on record is the desk's scan of the paper original (counts as digitised in the index)."""
    user = request.auth  # type: ignore[attr-defined]
    dossier = selectors.dossier_get(user=user, code=code)
    return components.component_mark_digitised(actor=user, dossier_id=dossier.pk, code=component_code)


@router.post(
    "/dossiers/{code}/components/{component_code}/reuse",
    response={200: ComponentOut, **WRITE_ERRORS},
    summary="Reuse the same citizen's earlier document",
)
def reuse(request: HttpRequest, code: str, component_code: str, payload: ReuseIn) -> DossierComponent:
    """Point the component at a digitised component or electronic result of the same citizen's other dossier."""
    user = request.auth  # type: ignore[attr-defined]
    dossier = selectors.dossier_get(user=user, code=code)
    return components.component_reuse(
        actor=user,
        dossier_id=dossier.pk,
        code=component_code,
        source_component_id=payload.source_component_id,
        source_result_id=payload.source_result_id,
    )


@router.get(
    "/dossiers/{code}/reuse-candidates",
    response={200: list[ReuseCandidateOut], **READ_ERRORS},
    summary="Documents of the same citizen that can be reused",
)
def reuse_candidates(request: HttpRequest, code: str) -> list[components.ReuseCandidate]:
    """Digitised components and electronic results of the applicant's other visible dossiers (same id number)."""
    user = request.auth  # type: ignore[attr-defined]
    dossier = selectors.dossier_get(user=user, code=code)
    return components.reuse_candidates(user=user, dossier=dossier)


@router.get(
    "/dossiers/{code}/components/{component_code}/file",
    response={200: None, **READ_ERRORS},
    summary="Download a component's file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in FILE_TYPES},
            }
        }
    },
)
def download_file(request: HttpRequest, code: str, component_code: str) -> FileResponse:
    """The stored file for whoever sees the dossier; each download is audited as a personal-data view."""
    component, handle = components.component_file_open(
        actor=request.auth,  # type: ignore[attr-defined]
        dossier_code=code,
        code=component_code,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=component.original_filename or f"{component.code}{FILE_TYPES.get(component.content_type, '')}",
        content_type=component.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
