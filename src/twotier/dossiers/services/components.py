"""Dossier components: attach a checked file, mark it digitised, reuse the same citizen's earlier documents.

Who may change a component: the receiving desk and the official at the dossier's current step
while the dossier is open (statuses 1, 2, 4, 5, 6), and the applicant's own citizen account while
the dossier is registered online and not yet received (status 1). Before receipt a file may be
replaced freely; after receipt the same content again is a no-op and a different file needs the desk.

Files are stored through Django's storage API under a path TwoTier generates
(`dossiers/YYYY/MM/<random>.<ext>`); the client's file name is kept only as display text. A file
stored by a call that then fails is deleted before the error propagates; a replaced file is
deleted after commit, and only when no other component still points at it (reuse shares files).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from twotier.core.actors import is_system
from twotier.core.audit import audit_record, record_personal_data_view
from twotier.core.errors import Conflict, FieldIssue, Forbidden, InvalidInput, NotFound
from twotier.core.outbox import outbox_enqueue
from twotier.dossiers import portal
from twotier.dossiers.models import Dossier, DossierComponent, DossierResult
from twotier.dossiers.policies import can_act_on_step, can_receive, can_see, scoped
from twotier.dossiers.selectors import dossier_get
from twotier.dossiers.services.common import lock, now
from twotier.dossiers.status import Status
from twotier.dossiers.uploads import InspectedFile, inspect_upload
from twotier.procedures.models import ComponentSpec

log = logging.getLogger(__name__)

OPEN_FOR_COMPONENTS = frozenset(
    {
        Status.REGISTERED,
        Status.RECEIVED,
        Status.PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        Status.PAYMENT_REQUESTED,
    }
)
STORAGE_PREFIX = "dossiers/"
MAX_CANDIDATES = 200
DESK, STEP, OWNER = "desk", "step", "owner"


@dataclass(frozen=True)
class ReuseCandidate:
    """A digitised component or an electronic result of another dossier of the same citizen."""

    kind: str  # "component" or "result"
    id: int
    dossier_code: str
    code: str
    name: str
    content_type: str
    size: int
    sha256: str
    at: dt.datetime | None
    reused: bool


# --- who may do what ---------------------------------------------------------------------------


def _is_citizen(actor: Any) -> bool:
    return getattr(actor, "kind", "staff") == "citizen"


def actor_role(actor: Any, dossier: Dossier) -> str | None:
    """How `actor` may touch the dossier's components: 'desk', 'step', 'owner', or None."""
    if is_system(actor):
        return DESK
    if _is_citizen(actor):
        owner = dossier.citizen_id is not None and dossier.citizen_id == getattr(actor, "pk", None)
        return OWNER if owner else None
    if can_receive(actor, dossier.receiving_unit_id):
        return DESK
    if dossier.status != Status.REGISTERED and can_act_on_step(actor, dossier, "components"):
        return STEP
    return None


def _require_role(actor: Any, dossier: Dossier) -> str:
    role = actor_role(actor, dossier)
    if role is None:
        raise Forbidden(
            "Only the receiving desk, the official at the current step, or the applicant before receipt "
            "can change this dossier's documents"
        )
    return role


def _require_open(dossier: Dossier) -> None:
    if dossier.status not in OPEN_FOR_COMPONENTS:
        raise Conflict(
            f"Dossier {dossier.code} is closed (status {dossier.status}); its documents can no longer change",
            code="dossier_closed",
        )


def _require_may_change(role: str, dossier: Dossier, *, replacing: bool) -> None:
    _require_open(dossier)
    if role == OWNER and dossier.status != Status.REGISTERED:
        raise Forbidden("After receipt, only the receiving desk can change the dossier's documents")
    if replacing and dossier.status != Status.REGISTERED and role != DESK:
        raise Forbidden("After receipt, only the receiving desk can replace a document that is already on file")


# --- helpers -----------------------------------------------------------------------------------


def _component(dossier: Dossier, code: str, role: str, *, create: bool, locked: bool = True) -> DossierComponent:
    """The dossier's component `code` (locked unless told); created from the procedure's list by the desk or owner."""
    rows = DossierComponent.objects.filter(dossier=dossier, code=code)
    component = (rows.select_for_update() if locked else rows).first()
    if component is not None:
        return component
    if not create:
        raise NotFound(f"Dossier {dossier.code} has no component {code!r}")
    spec = ComponentSpec.objects.filter(version_id=dossier.procedure_version_id, code=code).first()
    if spec is None or role == STEP:
        raise InvalidInput(
            "Unknown component",
            [FieldIssue("component_code", "known_component", f"The dossier has no component {code!r} to fill")],
        )
    return DossierComponent.objects.create(
        dossier=dossier, spec=spec, code=code, name=spec.name, form=spec.form, quantity=spec.quantity
    )


def _storage_name(extension: str) -> str:
    at = timezone.localtime(now())
    return f"{STORAGE_PREFIX}{at:%Y}/{at:%m}/{uuid.uuid4().hex}{extension}"


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) and not is_system(actor) else None


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        log.exception("could not delete stored file %s", name)


def delete_if_unreferenced(name: str) -> bool:
    """Delete a component file we stored once no component points at it; results' files are never touched."""
    if not name or not name.startswith(STORAGE_PREFIX) or DossierComponent.objects.filter(file=name).exists():
        return False
    _delete_quietly(name)
    return True


def _after_commit_forget(old_name: str, new_name: str) -> None:
    if old_name and old_name != new_name:
        transaction.on_commit(lambda: delete_if_unreferenced(old_name))


def _sync_portal(dossier: Dossier) -> None:
    """Re-send the whole dossier to the national portal: its components' digitised/reused flags changed."""
    outbox_enqueue(
        topic=portal.TOPIC_UPSERT,
        aggregate_type="dossier",
        aggregate_id=dossier.code,
        payload=portal.upsert_payload(dossier),
    )


def _audit(actor: Any, action: str, dossier: Dossier, component: DossierComponent, changes: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=f"dossier.component_{action}",
        target=component,
        target_label=f"{dossier.code} {component.code}",
        unit_id=dossier.receiving_unit_id,
        changes={"dossier": dossier.code, "component": component.code, **changes},
    )


def _mark_digitised(component: DossierComponent, actor: Any) -> None:
    component.digitised = True
    component.digitised_at = now()
    component.digitised_by = _user(actor)


def _visible_dossier_id(actor: Any, dossier_id: int) -> Dossier:
    dossier = Dossier.objects.filter(pk=dossier_id).first()
    if dossier is None or not can_see(actor, dossier):
        raise NotFound()
    return dossier


# --- writes ------------------------------------------------------------------------------------


def component_upload(
    *,
    actor: Any,
    dossier_id: int,
    code: str,
    file: Any,
    digitised: bool = False,
    filename: str | None = None,
) -> DossierComponent:
    """Check and store a file for component `code` (replacing the old one where allowed); audited, idempotent."""
    precheck = _visible_dossier_id(actor, dossier_id)  # refuse strangers before spending time on their file
    _require_role(actor, precheck)
    if digitised and actor_role(actor, precheck) == OWNER:
        raise Forbidden("Only the desk or the official at the current step marks a document digitised")
    client_name = filename or getattr(file, "name", "") or ""
    inspected = file if isinstance(file, InspectedFile) else inspect_upload(client_name, file)
    stored = ""
    try:
        with transaction.atomic():
            dossier = lock(dossier_id, actor)
            role = _require_role(actor, dossier)
            component = _component(dossier, code, role, create=True)
            if component.file and component.sha256 == inspected.sha256:
                if digitised and not component.digitised:  # same bytes, now confirmed as the desk's scan
                    _require_open(dossier)
                    _mark_digitised(component, actor)
                    component.save()
                    _audit(actor, "digitised", dossier, component, {"digitised": [False, True]})
                    _sync_portal(dossier)
                return component
            _require_may_change(role, dossier, replacing=bool(component.file))
            if digitised and role == OWNER:
                raise Forbidden("Only the desk or the official at the current step marks a document digitised")
            stored = default_storage.save(_storage_name(inspected.extension), inspected.content())
            before = {"sha256": component.sha256, "digitised": component.digitised, "reused": component.is_reused}
            old_name = component.file.name or ""
            component.file = stored  # type: ignore[assignment]
            component.original_filename = inspected.original_name
            component.content_type = inspected.content_type
            component.size = inspected.size
            component.sha256 = inspected.sha256
            component.file_added_at = now()
            component.file_added_by = _user(actor)
            component.reused_from = None
            component.reused_result = None
            component.digitised = False
            component.digitised_at = None
            component.digitised_by = None
            if digitised:
                _mark_digitised(component, actor)
            component.save()
            _audit(
                actor,
                "upload",
                dossier,
                component,
                {
                    "sha256": [before["sha256"], component.sha256],
                    "size": component.size,
                    "content_type": component.content_type,
                    "original_filename": component.original_filename,
                    "digitised": [before["digitised"], component.digitised],
                    "reused": [before["reused"], False],
                },
            )
            _sync_portal(dossier)
            _after_commit_forget(old_name, stored)
            return component
    except BaseException:
        if stored:
            _delete_quietly(stored)
        raise
    finally:
        if inspected is not file:
            inspected.close()


@transaction.atomic
def component_mark_digitised(*, actor: Any, dossier_id: int, code: str) -> DossierComponent:
    """Mark a component's file as the desk's scan of the paper original (digitised); audited, idempotent."""
    dossier = lock(dossier_id, actor)
    role = _require_role(actor, dossier)
    component = _component(dossier, code, role, create=False)
    if role == OWNER:
        raise Forbidden("Only the desk or the official at the current step marks a document digitised")
    if component.digitised:
        return component
    _require_open(dossier)
    if not component.file:
        raise Conflict(f"Component {code} has no file yet; upload the scan first", code="no_file")
    _mark_digitised(component, actor)
    component.save()
    _audit(actor, "digitised", dossier, component, {"digitised": [False, True], "sha256": component.sha256})
    _sync_portal(dossier)
    return component


def _source_field(source_component_id: int | None) -> str:
    return "source_component_id" if source_component_id is not None else "source_result_id"


def _check_source(actor: Any, dossier: Dossier, source: Any, field: str) -> None:
    if source is None or not can_see(actor, source.dossier):
        raise NotFound("Source document not found")
    if source.dossier_id == dossier.pk:
        raise InvalidInput(
            "The source is in this same dossier",
            [FieldIssue(field, "other_dossier", "Pick a document of another dossier of the same citizen")],
        )
    if source.dossier.applicant_id_number != dossier.applicant_id_number:
        raise InvalidInput(
            "The source belongs to a different citizen",
            [FieldIssue(field, "same_citizen", "Only the same citizen's documents (same id number) can be reused")],
        )
    if isinstance(source, DossierComponent) and not (source.digitised and source.file):
        raise InvalidInput(
            "The source component is not digitised",
            [FieldIssue(field, "digitised", "Only digitised components with a file can be reused")],
        )
    if isinstance(source, DossierResult) and not (source.electronic and source.file):
        raise InvalidInput(
            "The source result is not electronic",
            [FieldIssue(field, "electronic_result", "Only electronic results with a file can be reused")],
        )


def _reused_from_chain(source: DossierComponent, target_pk: int, hops: int = 20) -> bool:
    """Whether following `source`'s reuse links leads back to component `target_pk` (a cycle)."""
    current: int | None = source.reused_from_id
    for _ in range(hops):
        if current is None:
            return False
        if current == target_pk:
            return True
        current = DossierComponent.objects.filter(pk=current).values_list("reused_from_id", flat=True).first()
    return False


def component_reuse(
    *,
    actor: Any,
    dossier_id: int,
    code: str,
    source_component_id: int | None = None,
    source_result_id: int | None = None,
) -> DossierComponent:
    """Attach the same citizen's earlier digitised component or electronic result to component `code` (no copy)."""
    if (source_component_id is None) == (source_result_id is None):
        raise InvalidInput(
            "Give exactly one source",
            [FieldIssue("source", "one_source", "Send either source_component_id or source_result_id")],
        )
    field = _source_field(source_component_id)
    with transaction.atomic():
        dossier = lock(dossier_id, actor)
        role = _require_role(actor, dossier)
        if not dossier.applicant_id_number:
            raise Conflict(
                "The dossier has no national id number; documents are reused only for the same citizen, matched by it",
                code="no_id_number",
            )
        source: DossierComponent | DossierResult | None
        if source_component_id is not None:
            source = DossierComponent.objects.select_related("dossier").filter(pk=source_component_id).first()
        else:
            source = DossierResult.objects.select_related("dossier").filter(pk=source_result_id or 0).first()
        _check_source(actor, dossier, source, field)
        assert source is not None
        component = _component(dossier, code, role, create=True, locked=False)  # locked below, in pk order
        if isinstance(source, DossierComponent):
            # Lock both components in one order so that two reuses in opposite directions cannot deadlock,
            # and so that the source's file cannot be replaced (and deleted) while we point at it.
            locked = {
                c.pk: c
                for c in DossierComponent.objects.select_for_update(of=("self",))
                .select_related("dossier")
                .filter(pk__in=[component.pk, source.pk])
                .order_by("pk")
            }
            component, source = locked[component.pk], locked[source.pk]
            _check_source(actor, dossier, source, field)
        else:
            component = DossierComponent.objects.select_for_update().get(pk=component.pk)
        same_source = (
            component.reused_from_id == source_component_id
            if source_component_id is not None
            else component.reused_result_id == source_result_id
        )
        if same_source and component.sha256 == source.sha256 and component.file.name == source.file.name:
            return component
        if isinstance(source, DossierComponent) and _reused_from_chain(source, component.pk):
            return component  # the source got its file from this component: it already holds the document
        replacing = bool(component.file) and component.sha256 != source.sha256
        _require_may_change(role, dossier, replacing=replacing)
        name = source.file.name or ""
        if not default_storage.exists(name):
            raise Conflict("The source document's file is missing from storage", code="source_file_missing")
        before = {"sha256": component.sha256, "digitised": component.digitised, "reused": component.is_reused}
        old_name = component.file.name or ""
        component.file = name  # type: ignore[assignment]
        component.sha256 = source.sha256
        if isinstance(source, DossierComponent):
            component.size = source.size
            component.content_type = source.content_type
            component.original_filename = source.original_filename
            component.reused_from = source
            component.reused_result = None
        else:
            component.size = default_storage.size(name)
            component.content_type = "application/pdf"
            component.original_filename = os.path.basename(name)
            component.reused_from = None
            component.reused_result = source
        component.file_added_at = now()
        component.file_added_by = _user(actor)
        _mark_digitised(component, actor)
        component.save()
        _audit(
            actor,
            "reuse",
            dossier,
            component,
            {
                "source": {"kind": "component" if source_component_id else "result", "id": source.pk},
                "source_dossier": source.dossier.code,
                "sha256": [before["sha256"], component.sha256],
                "digitised": [before["digitised"], True],
                "reused": [before["reused"], True],
            },
        )
        _sync_portal(dossier)
        _after_commit_forget(old_name, name)
        return component


def component_file_open(*, actor: Any, dossier_code: str, code: str) -> tuple[DossierComponent, File]:
    """Open a component's file for download by whoever sees the dossier; the personal-data view is audited."""
    dossier = dossier_get(user=actor, code=dossier_code)
    component = DossierComponent.objects.filter(dossier=dossier, code=code).first()
    if component is None or not component.file:
        raise NotFound()
    try:
        handle = default_storage.open(component.file.name or "", "rb")
    except FileNotFoundError as exc:
        log.error("component %s of %s: file %s is missing from storage", code, dossier.code, component.file.name)
        raise NotFound("The file is missing from storage") from exc
    try:
        record_personal_data_view(actor=actor, subject=component, fields=["file"], purpose="download")
    except BaseException:
        handle.close()
        raise
    return component, handle


# --- reads -------------------------------------------------------------------------------------


def component_list(*, user: Any, dossier_code: str) -> list[DossierComponent]:
    """The components of one visible dossier, in the procedure's order (404 when not visible)."""
    dossier = dossier_get(user=user, code=dossier_code)
    ordered = DossierComponent.objects.filter(dossier=dossier).order_by(F("spec__order").asc(nulls_last=True), "pk")
    return list(ordered)


def documents_of(*, user: Any, id_number: str, exclude_dossier_id: int | None = None) -> list[ReuseCandidate]:
    """The digitised components and electronic results of `id_number`'s dossiers that `user` may see, newest first."""
    if not id_number:
        return []
    dossiers = scoped(Dossier.objects.filter(applicant_id_number=id_number), user)
    if exclude_dossier_id is not None:
        dossiers = dossiers.exclude(pk=exclude_dossier_id)
    ids = dossiers.values("pk")
    components = (
        DossierComponent.objects.filter(dossier__in=ids, digitised=True)
        .exclude(file="")
        .select_related("dossier")
        .order_by("-digitised_at", "-pk")[:MAX_CANDIDATES]
    )
    chosen: dict[str, DossierComponent] = {}
    for c in components:  # the same bytes reused many times are offered once, preferring the original
        kept = chosen.get(c.sha256)
        if kept is None or (kept.is_reused and not c.is_reused):
            chosen[c.sha256] = c
    found = [
        ReuseCandidate(
            "component", c.pk, c.dossier.code, c.code, c.name, c.content_type, c.size, c.sha256,
            c.digitised_at or c.file_added_at, c.is_reused,
        )
        for c in chosen.values()
    ]  # fmt: skip
    results = (
        DossierResult.objects.filter(dossier__in=ids, electronic=True)
        .exclude(file="")
        .select_related("dossier")
        .order_by("-issued_at", "-pk")[:MAX_CANDIDATES]
    )
    found += [
        ReuseCandidate(
            "result", r.pk, r.dossier.code, r.number, r.name, "application/pdf", 0, r.sha256, r.issued_at, False
        )
        for r in results
    ]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda c: (c.at or epoch, c.kind, c.id), reverse=True)[:MAX_CANDIDATES]


def reuse_candidates(*, user: Any, dossier: Dossier) -> list[ReuseCandidate]:
    """What can be reused for `dossier`: other visible dossiers' documents of the same national id number."""
    return documents_of(user=user, id_number=dossier.applicant_id_number, exclude_dossier_id=dossier.pk)


__all__ = [
    "OPEN_FOR_COMPONENTS",
    "ReuseCandidate",
    "actor_role",
    "component_file_open",
    "component_list",
    "component_mark_digitised",
    "component_reuse",
    "component_upload",
    "delete_if_unreferenced",
    "documents_of",
    "reuse_candidates",
]
