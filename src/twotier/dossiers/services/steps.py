"""Moving a dossier between the internal steps of its process (commune ↔ province)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from twotier.core.calendar import add_working_hours, working_hours_between
from twotier.core.errors import Conflict, FieldIssue, InvalidInput
from twotier.core.text import nfc
from twotier.dossiers.models import Dossier, Handover
from twotier.dossiers.process import approve_step_index, step_index, step_permission, steps_of
from twotier.dossiers.services.common import (
    check_step_actor,
    lock,
    now,
    record_transition,
    repeated,
    require_text,
)
from twotier.org.access import grants_for
from twotier.org.models import Post
from twotier.procedures.routing import resolve_step_unit


def timeliness(at: dt.datetime, due: dt.datetime | None) -> str:
    """early / on_time / late for a step finished at `at` (early: at least one working hour to spare)."""
    if due is None:
        return "on_time"
    if at > due:
        return "late"
    return "early" if working_hours_between(at, due) >= Decimal(1) else "on_time"


def _target_post(to_post_code: str | None, unit_id: int, step: dict[str, Any]) -> Post | None:
    if not to_post_code:
        return None
    post = Post.objects.filter(code=to_post_code, is_active=True).prefetch_related("roles").first()
    perm = step_permission(step)
    if post is None or (post.unit_id != unit_id and post.scope_unit_id != unit_id):
        raise InvalidInput(
            "That post does not belong to the next step's unit",
            [FieldIssue("to_post", "post_in_step_unit", "Choose a post of the unit that handles the next step")],
        )
    if not any(perm in r.permissions for r in post.roles.all()):
        raise InvalidInput(
            "That post cannot act at the next step",
            [FieldIssue("to_post", "post_role", f"The post needs the permission {perm}")],
        )
    return post


def _move(
    dossier: Dossier,
    actor: Any,
    target_index: int,
    at: dt.datetime,
    *,
    to_post: str | None,
    back: bool,
    note: str,
) -> None:
    steps = steps_of(dossier.procedure_version)
    step = steps[target_index]
    unit = resolve_step_unit(step, dossier.receiving_unit)
    post = _target_post(to_post, unit.pk, step)
    if post is None and back:
        previous = dossier.handovers.filter(to_step=step["key"]).order_by("-seq").first()
        post = previous.to_post if previous else None
    Handover.objects.create(
        dossier=dossier,
        seq=dossier.handovers.count() + 1,
        from_step=dossier.current_step,
        to_step=step["key"],
        from_unit=dossier.current_unit,
        from_post=dossier.current_post,
        from_user_label=getattr(actor, "username", ""),
        to_unit=unit,
        to_post=post,
        at=at,
        step_due_at=dossier.step_due_at,
        timeliness=timeliness(at, dossier.step_due_at),
        is_return=back,
        note=note,
    )
    dossier.current_step = step["key"]
    dossier.current_unit = unit
    dossier.current_post = post
    dossier.step_started_at = at
    hours = Decimal(str(step.get("hours") or 0))
    dossier.step_due_at = add_working_hours(at, hours) if hours > 0 else dossier.promised_at


@transaction.atomic
def dossier_forward(
    *,
    actor: Any,
    dossier_id: int,
    to_post: str | None = None,
    note: str = "",
    expected_version: int | None = None,
    request_key: str = "",
) -> Dossier:
    """Send the dossier to the next step of its process (optionally to a chosen post there)."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "forward", request_key):
        return dossier
    check_step_actor(actor, dossier, "forward")
    version = dossier.procedure_version
    index = step_index(version, dossier.current_step)
    if index + 1 > approve_step_index(version):
        raise Conflict("The next step is reached by approving the result, not by forwarding", "forward_past_approve")
    from twotier.dossiers.workflow import next_status

    next_status(dossier.status, "forward")
    at = now()
    _move(dossier, actor, index + 1, at, to_post=to_post, back=False, note=nfc(note))
    record_transition(dossier, actor=actor, action="forward", at=at, note=nfc(note), request_key=request_key)
    return dossier


@transaction.atomic
def dossier_return_step(
    *,
    actor: Any,
    dossier_id: int,
    to_step: str,
    reason: str,
    expected_version: int | None = None,
    request_key: str = "",
) -> Dossier:
    """Send the dossier back to an earlier step, with the reason (it goes to whoever handled that step)."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "return", request_key):
        return dossier
    check_step_actor(actor, dossier, "return")
    reason = require_text(reason, "reason", "Reason")
    version = dossier.procedure_version
    current = step_index(version, dossier.current_step)
    try:
        target = step_index(version, to_step)
    except Conflict as exc:
        raise InvalidInput("Unknown step", [FieldIssue("to_step", "known_step", exc.message)]) from exc
    if target >= current or target == 0:
        raise InvalidInput(
            "A dossier can only go back to an earlier processing step",
            [FieldIssue("to_step", "earlier_step", "Choose a step before the current one (not reception)")],
        )
    from twotier.dossiers.workflow import next_status

    next_status(dossier.status, "return")
    at = now()
    _move(dossier, actor, target, at, to_post=None, back=True, note=nfc(reason))
    record_transition(dossier, actor=actor, action="return", at=at, note=nfc(reason), request_key=request_key)
    return dossier


def can_pick_up(user: Any, dossier: Dossier) -> bool:
    """Whether `user` may act at the current step without being its assigned post (a pool step)."""
    if dossier.current_post_id is not None or dossier.current_unit_id is None:
        return False
    step = steps_of(dossier.procedure_version)[step_index(dossier.procedure_version, dossier.current_step)]
    return grants_for(user).has(step_permission(step), dossier.current_unit_id)
