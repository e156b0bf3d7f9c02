"""Ending a dossier: apology and reschedule, stop, withdraw, mark processed, return the result."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from twotier.core.calendar import working_hours_between
from twotier.core.errors import Conflict, FieldIssue, Forbidden, InvalidInput
from twotier.core.text import nfc
from twotier.dossiers.models import Apology, Dossier, DossierResult, Handover
from twotier.dossiers.policies import can_receive
from twotier.dossiers.process import steps_of
from twotier.dossiers.services.common import (
    check_step_actor,
    lock,
    now,
    record_transition,
    repeated,
    require_text,
)
from twotier.dossiers.status import ResultDelivery, Status

APOLOGY_MIN_WORKING_HOURS = 8  # at least one working day before the deadline (DOMAIN.md §2)


def close(dossier: Dossier, at: dt.datetime) -> None:
    """Store the end-of-processing facts: the end time and whether it was on time."""
    dossier.ended_at = at
    if dossier.paused_since is not None:
        dossier.paused_since = None  # an open pause (unanswered supplement) does not extend the clock
    if dossier.original_promised_at is None:
        dossier.on_time = None
    else:
        effective_end = at - dt.timedelta(seconds=dossier.paused_seconds)
        dossier.on_time = effective_end <= dossier.original_promised_at and dossier.supplement_count <= 1


@transaction.atomic
def dossier_apologise(
    *,
    actor: Any,
    dossier_id: int,
    reason: str,
    new_promised_at: dt.datetime,
    expected_version: int | None = None,
) -> Dossier:
    """Apologise and set a new return date (form 04): once only, at least one working day before the deadline."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    content_key = f"{new_promised_at.isoformat()}|{nfc(reason or '').strip()}"[:100]
    if repeated(dossier, "apologise", content_key):
        return dossier
    check_step_actor(actor, dossier, "apologise")
    reason = require_text(reason, "reason", "Reason")
    if dossier.apology_count >= 1:
        raise Conflict("An apology with a new date was already sent; the date may be moved only once", "apology_once")
    at = now()
    assert dossier.promised_at is not None
    if at >= dossier.promised_at or working_hours_between(at, dossier.promised_at) < APOLOGY_MIN_WORKING_HOURS:
        raise Conflict(
            "An apology must be sent at least one working day before the promised date "
            f"({dossier.promised_at:%d/%m/%Y %H:%M})",
            code="apology_too_late",
        )
    if new_promised_at <= dossier.promised_at:
        raise InvalidInput(
            "The new date must be later than the current promised date",
            [FieldIssue("new_promised_at", "after_promised", "Pick a date after the current promised date")],
        )
    Apology.objects.create(
        dossier=dossier,
        at=at,
        reason=nfc(reason),
        promised_before=dossier.promised_at,
        promised_after=new_promised_at,
    )
    before = dossier.promised_at
    dossier.promised_at = new_promised_at
    dossier.apology_count += 1
    record_transition(
        dossier,
        actor=actor,
        action="apologise",
        at=at,
        note=nfc(reason),
        request_key=content_key,
        changes={"promised_at": [before, new_promised_at]},
    )
    return dossier


@transaction.atomic
def dossier_stop(*, actor: Any, dossier_id: int, reason: str, expected_version: int | None = None) -> Dossier:
    """Stop processing (form 05): terminal."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "stop"):
        return dossier
    check_step_actor(actor, dossier, "stop")
    dossier.stop_reason = nfc(require_text(reason, "reason", "Reason"))
    at = now()
    from twotier.dossiers.workflow import next_status

    next_status(dossier.status, "stop")
    close(dossier, at)
    record_transition(dossier, actor=actor, action="stop", at=at, note=dossier.stop_reason)
    return dossier


@transaction.atomic
def dossier_withdraw(*, actor: Any, dossier_id: int, reason: str = "", expected_version: int | None = None) -> Dossier:
    """The applicant withdraws the dossier (recorded by the desk, or by the citizen online): terminal."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "withdraw"):
        return dossier
    is_owner = dossier.citizen_id is not None and dossier.citizen_id == getattr(actor, "pk", None)
    if not is_owner and not can_receive(actor, dossier.receiving_unit_id):
        raise Forbidden("Only the applicant or the receiving desk can withdraw a dossier")
    from twotier.dossiers.workflow import next_status

    next_status(dossier.status, "withdraw")
    at = now()
    close(dossier, at)
    record_transition(dossier, actor=actor, action="withdraw", at=at, note=nfc(reason or ""))
    return dossier


@transaction.atomic
def dossier_approve(
    *,
    actor: Any,
    dossier_id: int,
    result_name: str,
    result_number: str = "",
    result_pdf: bytes | None = None,
    signed: bool = False,
    signer_fingerprint: str = "",
    issue_electronic: bool = False,
    expected_version: int | None = None,
) -> Dossier:
    """Mark processed (status 9) with the result attached; the dossier goes to the desk to be returned.

    With `issue_electronic`, the result document is rendered from its template and signed (PAdES) with
    the issuing agency's certificate, in the same transaction.
    """
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "approve"):
        return dossier
    check_step_actor(actor, dossier, "approve")
    name = require_text(result_name, "result_name", "Result name")
    from twotier.dossiers.workflow import next_status

    next_status(dossier.status, "approve")
    if issue_electronic and result_pdf is None:
        from twotier.dossiers.result_document import sign_result

        result_pdf, signer_fingerprint = sign_result(
            actor=actor, dossier=dossier, name=nfc(name), number=nfc(result_number)
        )
        signed = True
    at = now()
    result = DossierResult(
        dossier=dossier,
        name=nfc(name),
        number=nfc(result_number),
        issued_at=at,
        electronic=result_pdf is not None,
        signed=signed,
        signer_fingerprint=signer_fingerprint,
    )
    if result_pdf is not None:
        result.sha256 = hashlib.sha256(result_pdf).hexdigest()
        result.file.save(f"{dossier.code}-result.pdf", ContentFile(result_pdf), save=False)
    result.save()
    close(dossier, at)
    last = steps_of(dossier.procedure_version)[-1]
    seq = dossier.handovers.count() + 1
    desk_post = dossier.handovers.order_by("seq").values_list("to_post_id", flat=True).first()
    Handover.objects.create(
        dossier=dossier,
        seq=seq,
        from_step=dossier.current_step,
        to_step=last["key"],
        from_unit=dossier.current_unit,
        from_post=dossier.current_post,
        from_user_label=getattr(actor, "username", ""),
        to_unit=dossier.receiving_unit,
        to_post_id=desk_post,
        at=at,
        step_due_at=dossier.step_due_at,
        timeliness="late" if dossier.step_due_at and at > dossier.step_due_at else "on_time",
    )
    dossier.current_step = last["key"]
    dossier.current_unit = dossier.receiving_unit
    dossier.current_post_id = desk_post
    dossier.step_started_at = at
    dossier.step_due_at = dossier.promised_at
    record_transition(dossier, actor=actor, action="approve", at=at, changes={"result": result.name})
    return dossier


@transaction.atomic
def dossier_return_result(
    *, actor: Any, dossier_id: int, delivery: str | None = None, expected_version: int | None = None
) -> Dossier:
    """Hand the result to the applicant (desk, post or electronically): terminal."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "return_result"):
        return dossier
    if not can_receive(actor, dossier.receiving_unit_id):
        raise Forbidden("Only the receiving desk returns results")
    delivery = delivery or dossier.result_delivery
    if delivery not in ResultDelivery.values:
        raise InvalidInput("Unknown delivery", [FieldIssue("delivery", "choice", ", ".join(ResultDelivery.values))])
    if delivery == ResultDelivery.ELECTRONIC and not dossier.results.filter(electronic=True).exists():
        raise Conflict("There is no electronic result to return electronically", code="no_electronic_result")
    from twotier.dossiers.workflow import next_status

    next_status(dossier.status, "return_result")
    at = now()
    dossier.returned_at = at
    dossier.result_delivery = delivery
    dossier.current_post = None
    record_transition(dossier, actor=actor, action="return_result", at=at, changes={"delivery": delivery})
    return dossier


__all__ = [
    "Status",
    "close",
    "dossier_apologise",
    "dossier_approve",
    "dossier_return_result",
    "dossier_stop",
    "dossier_withdraw",
]
