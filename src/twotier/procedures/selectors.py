"""Reads of the procedure catalogue: the public catalogue (published versions only) and staff views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from twotier.core.errors import NotFound
from twotier.core.text import fold, nfc
from twotier.procedures.models import ComponentSpec, FeeLine, Procedure, ProcedureVersion, VersionStatus
from twotier.procedures.policies import require_catalogue_view
from twotier.procedures.services import catalogue_export

UNVERIFIED_NOTICE = (
    "Thời hạn và mức phí của thủ tục này chưa được xác minh cho phiên bản hiện hành; "
    "vui lòng hỏi bộ phận một cửa. (Time limit and fees not verified; ask the one-stop desk.)"
)

# How a step's unit selector is described to citizens (never the internal unit code).
STEP_PLACES = {
    "receiving": "receiving_unit",
    "receiving_department": "receiving_unit_department",
    "province_department": "province_department",
    "unit_code": "other_agency",
}


def published_versions() -> QuerySet[ProcedureVersion]:
    """Published versions with their procedure, fees and components, ordered by procedure code."""
    return (
        ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("procedure")
        .prefetch_related(
            Prefetch("fee_lines", queryset=FeeLine.objects.order_by("order")),
            Prefetch("components", queryset=ComponentSpec.objects.order_by("order")),
        )
        .order_by("procedure__code")
    )


def _matching_fields(field: str) -> list[str]:
    wanted = fold(field)
    fields = Procedure.objects.order_by().values_list("field", flat=True).distinct()
    return [value for value in fields if fold(value) == wanted]


def procedure_search(
    *,
    q: str = "",
    level: str | None = None,
    field: str | None = None,
    online: bool | None = None,
    online_level: str | None = None,
) -> QuerySet[ProcedureVersion]:
    """Published procedures matching each word of `q` (diacritics ignored) or a code prefix, filtered."""
    versions = published_versions()
    words = fold(q).split()
    if words:
        by_name = Q()
        for word in words:
            by_name &= Q(procedure__name_folded__contains=word)
        versions = versions.filter(by_name | Q(procedure__code__startswith=nfc(q.strip())))
    if level:
        versions = versions.filter(procedure__level=level)
    if field:
        versions = versions.filter(procedure__field__in=_matching_fields(field))
    if online is not None:
        versions = versions.filter(online_submission=online)
    if online_level:
        versions = versions.filter(online_level=online_level)
    return versions


def procedure_public_get(*, code: str) -> ProcedureVersion:
    """The published version of a procedure (NotFound when there is none: drafts are never shown)."""
    version = published_versions().filter(procedure__code=code).first()
    if version is None:
        raise NotFound(f"No published procedure has the code {code}")
    return version


def is_verified(version: ProcedureVersion) -> bool:
    """Whether the figures may be shown to citizens (not an L-confidence entry)."""
    return version.confidence != "L"


def public_time_limit(version: ProcedureVersion) -> dict[str, Any] | None:
    """The time limit as shown to citizens (None when not set or not verified)."""
    if not is_verified(version) or version.time_limit_unit is None:
        return None
    value = version.time_limit_value
    return {
        "value": None if value is None else (int(value) if value == value.to_integral_value() else float(value)),
        "unit": version.time_limit_unit,
        "text": version.time_limit_text,
    }


def public_steps(version: ProcedureVersion) -> list[dict[str, Any]]:
    """The internal steps as shown to citizens: no unit codes, only what kind of place handles each."""
    steps = (version.process or {}).get("steps") or []
    shown = []
    for step in steps:
        unit = step.get("unit") or {}
        kind = unit.get("relative") or next((k for k in ("province_department", "unit_code") if k in unit), "")
        shown.append(
            {
                "key": step.get("key"),
                "name": step.get("name"),
                "place": STEP_PLACES.get(kind, "other_agency"),
                "role": step.get("role"),
                "hours": step.get("hours"),
            }
        )
    return shown


def public_detail(version: ProcedureVersion) -> dict[str, Any]:
    """Everything a citizen sees about a published version (unverified figures hidden)."""
    procedure = version.procedure
    verified = is_verified(version)
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "level": procedure.level,
        "is_demo": procedure.is_demo,
        "version": version.number,
        "valid_from": version.valid_from,
        "published_at": version.published_at,
        "time_limit": public_time_limit(version),
        "cutoff_applies": version.cutoff_applies,
        "requires_paper_result": version.requires_paper_result,
        "online_level": version.online_level,
        "online_submission": version.online_submission,
        "full_process_eligible": version.full_process_eligible,
        "agency": version.agency,
        "results": list(version.results or []),
        "fees": [
            {
                "code": fee.code,
                "name": fee.name,
                "amount_vnd": fee.amount_vnd if verified else None,
                "per": fee.per,
                "note": fee.note,
            }
            for fee in version.fee_lines.all()
        ],
        "components": [
            {
                "code": c.code,
                "name": c.name,
                "form": c.form,
                "quantity": c.quantity,
                "required": c.required,
                "condition": c.condition,
                "template_url": c.template.url if c.template else None,
            }
            for c in version.components.all()
        ],
        "steps": public_steps(version),
        "verified": verified,
        "notice": "" if verified else UNVERIFIED_NOTICE,
        "source": version.source,
    }


def procedure_versions(*, user: Any, code: str) -> list[ProcedureVersion]:
    """Every version of a procedure, newest first, drafts included (staff only)."""
    require_catalogue_view(user)
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None:
        raise NotFound(f"No procedure has the code {code}")
    return list(procedure.versions.select_related("procedure").order_by("-number"))


def catalogue_export_for(*, user: Any, codes: Iterable[str] | None = None) -> dict[str, Any]:
    """The published catalogue as an import document, for staff."""
    require_catalogue_view(user)
    return catalogue_export(codes=codes)
