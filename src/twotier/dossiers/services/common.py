"""What every dossier transition shares: locking, permission checks, history, audit, outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from twotier.core.actors import is_system
from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, InvalidInput, NotFound
from twotier.core.outbox import outbox_enqueue
from twotier.dossiers import portal
from twotier.dossiers.models import Dossier, StatusChange
from twotier.dossiers.notifications import notify_on_commit
from twotier.dossiers.policies import can_act_on_step, can_see
from twotier.dossiers.workflow import next_status


def lock(dossier_id: int, actor: Any, *, expected_version: int | None = None) -> Dossier:
    """Lock the dossier row for this transaction; 404 when missing or invisible, 409 on a stale version."""
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure_version__procedure", "receiving_unit", "current_unit")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None or not can_see(actor, dossier):
        raise NotFound()
    if expected_version is not None and expected_version != dossier.version:
        raise Conflict(
            f"Dossier {dossier.code} was changed by someone else (version {dossier.version}, you had "
            f"{expected_version}); reload it and try again",
            code="stale_version",
        )
    return dossier


def repeated(dossier: Dossier, action: str, request_key: str = "") -> bool:
    """Return whether this call repeats the dossier's last completed transition (then it changes nothing)."""
    last = StatusChange.objects.filter(dossier=dossier).order_by("-seq").first()
    if last is None or last.action != action:
        return False
    if request_key:
        return last.request_key == request_key
    return action not in ("forward", "return", "apologise")


def require_text(value: str, field: str, label: str) -> str:
    """Return stripped text or raise InvalidInput naming the field."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{label} is required", [FieldIssue(field, "required", f"Enter the {label.lower()}")])
    return value


def record_transition(
    dossier: Dossier,
    *,
    actor: Any,
    action: str,
    at: dt.datetime,
    note: str = "",
    request_key: str = "",
    changes: dict[str, Any] | None = None,
    status: int | None = None,
    created: bool = False,
) -> StatusChange:
    """Apply the state table, save, and write history, audit event and portal outbox messages."""
    before = None if created else dossier.status
    after = status if status is not None else next_status(before, action, before_pause=dossier.status_before_pause)
    dossier.status = after
    dossier.version = 1 if created else dossier.version + 1
    dossier.save()
    # The version counts the transitions: the n-th transition is status change n.
    change = StatusChange.objects.create(
        dossier=dossier,
        seq=dossier.version,
        action=action,
        from_status=before,
        to_status=after,
        at=at,
        actor=None if is_system(actor) or not getattr(actor, "pk", None) else actor,
        actor_label=getattr(actor, "username", "") or "",
        unit=dossier.current_unit or dossier.receiving_unit,
        post=dossier.current_post,
        note=note,
        request_key=request_key,
    )
    portal.enqueue_sync(dossier, change)
    notify_on_commit(dossier, change)
    # Last, so that the audit chain's head row is locked for as short a time as possible.
    audit_record(
        actor=actor,
        action=f"dossier.{action}",
        target=dossier,
        unit_id=dossier.receiving_unit_id,
        post_id=dossier.current_post_id,
        changes={"status": [before, after], **(changes or {})},
    )
    return change


_clock = timezone.now  # tests replace it to move time


def now() -> dt.datetime:
    """The current time (one place to read the clock)."""
    return _clock()


def check_step_actor(actor: Any, dossier: Dossier, action: str) -> None:
    """Raise unless `actor` may take `action` at the dossier's current step."""
    can_act_on_step(actor, dossier, action, raise_error=True)


__all__ = [
    "check_step_actor",
    "lock",
    "now",
    "outbox_enqueue",
    "record_transition",
    "repeated",
    "require_text",
]
