"""Pauses: the one supplement request (clock stops) and payment requests."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction

from twotier.core.calendar import add_working_hours, working_hours_between
from twotier.core.errors import Conflict, FieldIssue, Forbidden, InvalidInput
from twotier.core.text import nfc
from twotier.dossiers.models import Dossier, Payment, PaymentStatus, SupplementRequest
from twotier.dossiers.policies import can_act_on_step, can_receive
from twotier.dossiers.services.common import (
    check_step_actor,
    lock,
    now,
    record_transition,
    repeated,
    require_text,
)
from twotier.dossiers.status import PaidOnline, Status
from twotier.dossiers.workflow import next_status


@transaction.atomic
def dossier_request_supplement(
    *,
    actor: Any,
    dossier_id: int,
    reason: str,
    items: list[str] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Ask the applicant for missing documents (form 02): once only; the clock pauses."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "request_supplement"):
        return dossier
    check_step_actor(actor, dossier, "request_supplement")
    reason = require_text(reason, "reason", "Reason")
    if dossier.supplement_count >= 1:
        raise Conflict("A supplement may be requested only once for a dossier", code="supplement_once")
    before = dossier.status
    next_status(dossier.status, "request_supplement")
    at = now()
    SupplementRequest.objects.create(
        dossier=dossier,
        requested_at=at,
        reason=nfc(reason),
        items=[nfc(i) for i in items or []],
        promised_before=dossier.promised_at,
    )
    dossier.supplement_count += 1
    dossier.status_before_pause = before
    dossier.paused_since = at
    record_transition(dossier, actor=actor, action="request_supplement", at=at, note=nfc(reason))
    return dossier


@transaction.atomic
def dossier_supplement_received(
    *, actor: Any, dossier_id: int, note: str = "", expected_version: int | None = None
) -> Dossier:
    """The applicant's supplement arrived: the clock resumes; the remaining working time moves the promised date."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "supplement_received"):
        return dossier
    if not (can_receive(actor, dossier.receiving_unit_id) or can_act_on_step(actor, dossier, "request_supplement")):
        raise Forbidden("Only the desk or the official at this step records a supplement")
    next_status(dossier.status, "supplement_received", before_pause=dossier.status_before_pause)
    request = dossier.supplements.filter(received_at__isnull=True).order_by("-requested_at").first()
    assert request is not None and dossier.paused_since is not None
    at = now()
    remaining = Decimal(0)
    if request.promised_before is not None and request.promised_before > request.requested_at:
        remaining = working_hours_between(request.requested_at, request.promised_before)
    new_promised = add_working_hours(at, remaining) if request.promised_before is not None else None
    if dossier.step_due_at is not None and dossier.step_due_at > request.requested_at:
        step_left = working_hours_between(request.requested_at, dossier.step_due_at)
        dossier.step_due_at = add_working_hours(at, step_left)
    request.received_at = at
    request.promised_after = new_promised
    request.save(update_fields=["received_at", "promised_after"])
    dossier.paused_seconds += int((at - dossier.paused_since).total_seconds())
    dossier.paused_since = None
    dossier.promised_at = new_promised
    record_transition(
        dossier,
        actor=actor,
        action="supplement_received",
        at=at,
        note=nfc(note),
        changes={"promised_at": [request.promised_before, new_promised]},
    )
    dossier.status_before_pause = None
    Dossier.objects.filter(pk=dossier.pk).update(status_before_pause=None)
    return dossier


@transaction.atomic
def dossier_request_payment(
    *, actor: Any, dossier_id: int, note: str = "", expected_version: int | None = None
) -> Dossier:
    """Ask the applicant to pay the dossier's fees."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "request_payment"):
        return dossier
    if not (can_receive(actor, dossier.receiving_unit_id) or can_act_on_step(actor, dossier, "request_payment")):
        raise Forbidden("Only the desk or the official at this step requests payment")
    if dossier.fee_total <= 0:
        raise Conflict("This dossier has no fees to pay", code="no_fees")
    before = dossier.status
    next_status(dossier.status, "request_payment")
    dossier.status_before_pause = before
    record_transition(dossier, actor=actor, action="request_payment", at=now(), note=nfc(note))
    return dossier


def _paid(dossier: Dossier, actor: Any, payment: Payment, flag: int) -> Dossier:
    next_status(dossier.status, "record_payment", before_pause=dossier.status_before_pause)
    at = now()
    payment.status = PaymentStatus.PAID
    payment.paid_at = at
    payment.save(update_fields=["status", "paid_at", "provider_transaction"])
    if flag:
        dossier.paid_online = flag
    record_transition(
        dossier,
        actor=actor,
        action="record_payment",
        at=at,
        changes={"method": payment.method, "amount_vnd": payment.amount_vnd, "reference": payment.reference},
    )
    dossier.status_before_pause = None
    Dossier.objects.filter(pk=dossier.pk).update(status_before_pause=None)
    return dossier


@transaction.atomic
def dossier_record_cash_payment(
    *, actor: Any, dossier_id: int, amount_vnd: int, expected_version: int | None = None
) -> Dossier:
    """Record a cash payment at the desk (the amount must match the fees due)."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "record_payment"):
        return dossier
    if not can_receive(actor, dossier.receiving_unit_id):
        raise Forbidden("Only the desk records cash payments")
    if dossier.status != Status.PAYMENT_REQUESTED:
        next_status(dossier.status, "record_payment")
    if amount_vnd != dossier.fee_total:
        raise InvalidInput(
            "The amount does not match the fees due",
            [FieldIssue("amount_vnd", "equals_fees_due", f"The fees due are {dossier.fee_total} VND")],
        )
    payment = Payment.objects.create(
        dossier=dossier,
        method="cash",
        amount_vnd=amount_vnd,
        reference=f"CASH-{secrets.token_hex(6).upper()}",
    )
    return _paid(dossier, actor, payment, PaidOnline.NO)


@transaction.atomic
def dossier_confirm_online_payment(
    *, actor: Any, reference: str, provider_transaction: str, amount_vnd: int
) -> Dossier:
    """Apply a provider's confirmed payment (called by the verified callback); repeating it changes nothing."""
    found = Payment.objects.filter(reference=reference).values_list("dossier_id", flat=True).first()
    if found is None:
        raise InvalidInput("Unknown payment reference", [FieldIssue("reference", "known_payment", reference)])
    dossier = lock(found, actor)  # the dossier row first, then the payment: the lock order of every service
    payment = Payment.objects.select_for_update().get(reference=reference)
    if payment.status == PaymentStatus.PAID:
        return dossier
    if amount_vnd != payment.amount_vnd:
        raise InvalidInput("Amount mismatch", [FieldIssue("amount_vnd", "equals_payment", str(payment.amount_vnd))])
    payment.provider_transaction = provider_transaction
    return _paid(dossier, actor, payment, PaidOnline.LOCAL_GATEWAY)
