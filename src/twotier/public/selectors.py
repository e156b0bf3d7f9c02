"""Reads for the citizen pages: the online catalogue, the receiving communes, a dossier's story in plain words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from twotier.core.errors import NotFound
from twotier.core.text import fold
from twotier.dossiers.models import Dossier, DossierResult, StatusChange
from twotier.dossiers.services.feedback import FEEDBACK_STATUSES
from twotier.org.models import LOCAL_UNIT_TYPES, Unit
from twotier.procedures.models import Procedure, ProcedureVersion, VersionStatus
from twotier.procedures.selectors import procedure_public_get, procedure_search
from twotier.public.labels import history_text

# Notes written by staff on these actions are addressed to the applicant (reasons); others stay internal.
PUBLIC_NOTES = frozenset({"refuse", "request_supplement", "apologise", "stop", "withdraw"})


def online_procedures(*, q: str = "", level: str = "", field: str = "") -> QuerySet[ProcedureVersion]:
    """Published procedures that can be submitted online, matching the search (diacritics ignored)."""
    return procedure_search(q=q, level=level or None, field=field or None, online=True)


def online_fields() -> list[str]:
    """The fields (sectors) that have at least one procedure open for online submission, sorted."""
    fields = (
        Procedure.objects.filter(versions__status=VersionStatus.PUBLISHED, versions__online_submission=True)
        .order_by()
        .values_list("field", flat=True)
        .distinct()
    )
    return sorted({f for f in fields if f}, key=fold)


def online_procedure(code: str) -> ProcedureVersion:
    """The published version of `code` when it is open for online submission (NotFound otherwise)."""
    version = procedure_public_get(code=code)
    if not version.online_submission:
        raise NotFound(f"Procedure {code} cannot be submitted online")
    return version


def receiving_units(q: str = "", *, today: dt.date | None = None) -> QuerySet[Unit]:
    """Communes, wards and special zones in force today that have an electronic agency id, by name."""
    day = today or timezone.localdate()
    units = Unit.objects.filter(type__in=LOCAL_UNIT_TYPES, agency_id__isnull=False, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
    units = units.exclude(agency_id="").select_related("parent")
    for word in fold(q).split():
        units = units.filter(name_folded__contains=word)
    return units.order_by("name_folded", "code")


def receiving_unit(code: str) -> Unit | None:
    """One receiving commune or ward by its code, or None."""
    return receiving_units().filter(code=(code or "").strip()).first()


@dataclass(frozen=True)
class HistoryLine:
    """One event of the dossier's story, in plain words."""

    at: dt.datetime
    text: str
    detail: str


def history(dossier: Dossier) -> list[HistoryLine]:
    """The dossier's status changes, oldest first, in plain words (internal notes left out)."""
    apologies = {a.at: a for a in dossier.apologies.all()}
    lines = []
    for change in StatusChange.objects.filter(dossier=dossier).order_by("seq"):
        apology = apologies.get(change.at) if change.action == "apologise" else None
        text = history_text(change.action, dossier=dossier, new_date=apology.promised_after if apology else None)
        detail = change.note if change.action in PUBLIC_NOTES else ""
        lines.append(HistoryLine(at=change.at, text=text, detail=detail))
    return lines


def downloadable_results(dossier: Dossier) -> list[DossierResult]:
    """The electronic results with a file the applicant may download (only once processing has a result)."""
    if dossier.status not in FEEDBACK_STATUSES:
        return []
    return list(dossier.results.filter(electronic=True).exclude(file="").order_by("pk"))


def downloadable_result(dossier: Dossier, result_id: int) -> DossierResult | None:
    """One downloadable result of `dossier`, or None."""
    return next((r for r in downloadable_results(dossier) if r.pk == result_id), None)


def status_context(dossier: Dossier) -> dict[str, Any]:
    """What the status page shows about a dossier the visitor has opened."""
    return {
        "dossier": dossier,
        "history": history(dossier),
        "components": list(dossier.components.order_by("pk")),
        "results": list(dossier.results.order_by("pk")),
        "downloads": downloadable_results(dossier),
        "finished": dossier.status in FEEDBACK_STATUSES,
        "open_supplement": dossier.supplements.filter(received_at__isnull=True).order_by("-requested_at").first(),
    }


def my_dossiers(user: Any) -> QuerySet[Dossier]:
    """The dossiers registered by this citizen account, newest first."""
    return (
        Dossier.objects.filter(citizen=user)
        .select_related("procedure_version__procedure", "receiving_unit")
        .order_by("-submitted_at", "-pk")
    )
