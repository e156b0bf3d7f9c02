"""Writes for online payments: start a checkout, apply the gateway's signed callback, reconcile by query.

Network calls to the gateway happen outside database transactions: the payment row (with its
unique reference) is created first, so a retry or a concurrent request reuses it, and the
gateway's create is idempotent by reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from twotier.core.actors import SystemActor
from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, DomainError, NotFound
from twotier.dossiers.models import Dossier, Payment, PaymentStatus
from twotier.dossiers.services.common import now
from twotier.dossiers.services.pauses import dossier_confirm_online_payment
from twotier.dossiers.status import Status
from twotier.payments import conf
from twotier.payments.contract import CANCELLED, EXPIRED, FAILED, NOT_FOUND, PAID, PENDING, AckCode
from twotier.payments.models import CallbackOutcome, CallbackReceipt
from twotier.payments.policies import payer
from twotier.payments.provider import (
    CallbackRejected,
    CallbackResult,
    CheckoutSession,
    PaymentProvider,
    ProviderError,
    get_provider,
)

log = logging.getLogger(__name__)

GATEWAY = SystemActor("payment-gateway")
RECONCILER = SystemActor("payment-reconcile")
# A pending payment is replaced this long after its checkout expired at the gateway.
EXPIRY_MARGIN = dt.timedelta(seconds=60)
CHECKOUT_URL_MAX = Payment._meta.get_field("checkout_url").max_length or 500


class ProviderUnavailable(DomainError):
    """The payment gateway could not be reached or refused the request; nothing was paid."""

    def __init__(self, message: str = "The payment gateway is not available; try again in a few minutes"):
        super().__init__(message=message, code="payment_provider_unavailable", status=503)


@dataclass(frozen=True)
class CallbackAck:
    """The answer to a gateway callback: HTTP status, `RspCode` and message."""

    http_status: int
    code: str
    message: str


def new_reference() -> str:
    """A fresh payment reference (`TT` + 16 hex digits: alphanumeric, as gateways require)."""
    return "TT" + secrets.token_hex(8).upper()


def checkout_expires_at(payment: Payment) -> dt.datetime:
    """When the payment's checkout stops being payable at the gateway."""
    return payment.created_at + dt.timedelta(seconds=conf.checkout_ttl())


def is_stale(payment: Payment) -> bool:
    """Whether a pending payment's checkout has expired (plus a margin) and should be reconciled and replaced."""
    return checkout_expires_at(payment) + EXPIRY_MARGIN < timezone.now()


def _lock_payment(payment_id: int, dossier_id: int) -> Payment:
    # Lock order everywhere in this module, as in the dossier services: the dossier row, then the payment.
    Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier_id).first()
    return Payment.objects.select_for_update().get(pk=payment_id)


@transaction.atomic
def _reserve(actor: Any, dossier_id: int, secret: str | None) -> tuple[Any, Payment | None, Payment | None]:
    """Lock the dossier, check access and state; return (audit actor, payment to use, stale payment to settle first)."""
    dossier = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier_id).first()
    who = payer(actor, dossier, secret)
    assert dossier is not None
    if dossier.status != Status.PAYMENT_REQUESTED:
        raise Conflict(
            f"Dossier {dossier.code} is not waiting for payment (status {dossier.status})", code="not_awaiting_payment"
        )
    if dossier.fee_total <= 0:
        raise Conflict("This dossier has no fees to pay", code="no_fees")
    pending = (
        Payment.objects.select_for_update()
        .filter(dossier=dossier, method="online", status=PaymentStatus.PENDING)
        .order_by("-created_at", "-pk")
        .first()
    )
    if pending is not None:
        return (who, None, pending) if is_stale(pending) else (who, pending, None)
    payment = Payment.objects.create(
        dossier=dossier,
        method="online",
        provider=conf.gateway_name(),
        amount_vnd=dossier.fee_total,
        reference=new_reference(),
    )
    audit_record(
        actor=who,
        action="payment.online_started",
        target=payment,
        unit_id=dossier.receiving_unit_id,
        changes={
            "dossier": dossier.code,
            "reference": payment.reference,
            "amount_vnd": payment.amount_vnd,
            "provider": payment.provider,
        },
    )
    return who, payment, None


@transaction.atomic
def _attach_checkout(actor: Any, payment: Payment, session: CheckoutSession) -> Payment:
    locked = _lock_payment(payment.pk, payment.dossier_id)
    if not locked.checkout_url:
        locked.checkout_url = session.url
        locked.save(update_fields=["checkout_url"])
        audit_record(
            actor=actor,
            action="payment.checkout_created",
            target=locked,
            unit_id=Dossier.objects.filter(pk=locked.dossier_id).values_list("receiving_unit_id", flat=True).first(),
            changes={"provider_ref": session.provider_ref, "checkout_url": session.url},
        )
    return locked


def payment_start_online(*, actor: Any, dossier_id: int, secret: str | None = None) -> Payment:
    """Start, or resume, the online payment of a dossier awaiting payment; the payment carries the checkout URL.

    Allowed: the desk of the receiving unit, the citizen owning the dossier, or anyone sending the
    dossier's access `secret`. A pending payment is reused (same reference, same checkout); one whose
    checkout expired is first reconciled with the gateway and then replaced.
    """
    provider = get_provider()
    who, payment, stale = _reserve(actor, dossier_id, secret)
    if stale is not None:
        _reconcile(provider, stale, actor=RECONCILER, expire=True)
        stale.refresh_from_db()
        if stale.status == PaymentStatus.PAID:
            return stale
        who, payment, stale = _reserve(actor, dossier_id, secret)
        if payment is None:
            raise ProviderUnavailable("The previous payment could not be settled with the gateway; try again later")
    assert payment is not None
    if payment.checkout_url:
        return payment
    dossier = Dossier.objects.only("code").get(pk=payment.dossier_id)
    try:
        session = provider.create_checkout(
            payment.reference,
            payment.amount_vnd,
            f"Thanh toan le phi ho so {dossier.code}",
            conf.return_url(code=dossier.code, reference=payment.reference),
            conf.callback_url(),
            expires_at=checkout_expires_at(payment),
        )
    except ProviderError as exc:
        log.warning("payment %s: checkout not created: %s", payment.reference, exc)
        raise ProviderUnavailable() from exc
    if len(session.url) > CHECKOUT_URL_MAX:
        log.error("payment %s: checkout URL of %d characters does not fit", payment.reference, len(session.url))
        raise ProviderUnavailable("The payment gateway returned a checkout URL too long to store")
    return _attach_checkout(who, payment, session)


def _ack(status: int, code: str, message: str) -> CallbackAck:
    return CallbackAck(http_status=status, code=code, message=message)


def _settle(
    payment: Payment,
    *,
    actor: Any,
    status: str,
    amount_vnd: int | None,
    provider_transaction: str,
    result_code: str,
    via: str,
) -> tuple[str, CallbackAck]:
    """Apply one gateway result to a locked payment (its dossier locked first); repeats change nothing."""
    if status == PAID:
        if payment.status == PaymentStatus.PAID:
            return CallbackOutcome.DUPLICATE, _ack(200, AckCode.ALREADY, "Payment already confirmed")
        if amount_vnd != payment.amount_vnd:
            log.error(
                "payment %s: gateway reports %s VND, expected %s", payment.reference, amount_vnd, payment.amount_vnd
            )
            return CallbackOutcome.AMOUNT_MISMATCH, _ack(422, AckCode.BAD_AMOUNT, "Amount does not match the payment")
        dossier = Dossier.objects.get(pk=payment.dossier_id)
        if dossier.status != Status.PAYMENT_REQUESTED:
            # Money was taken although the dossier no longer waits for it (e.g. paid in cash meanwhile):
            # record the truth and leave the refund to the desk.
            before = payment.status
            payment.status = PaymentStatus.PAID
            payment.paid_at = now()
            payment.provider_transaction = provider_transaction[:100]
            payment.save(update_fields=["status", "paid_at", "provider_transaction"])
            audit_record(
                actor=actor,
                action="payment.paid_not_applied",
                target=payment,
                unit_id=dossier.receiving_unit_id,
                changes={"status": [before, PaymentStatus.PAID], "dossier_status": dossier.status, "via": via},
            )
            return CallbackOutcome.PAID_NOT_APPLIED, _ack(200, AckCode.CONFIRMED, "Payment recorded (refund due)")
        dossier_confirm_online_payment(
            actor=actor,
            reference=payment.reference,
            provider_transaction=provider_transaction[:100],
            amount_vnd=amount_vnd,
        )
        return CallbackOutcome.APPLIED, _ack(200, AckCode.CONFIRMED, "Confirm Success")
    if payment.status != PaymentStatus.PENDING:
        return CallbackOutcome.DUPLICATE, _ack(200, AckCode.ALREADY, "Payment already settled")
    new_status = PaymentStatus.FAILED if status == FAILED else PaymentStatus.CANCELLED
    payment.status = new_status
    payment.provider_transaction = provider_transaction[:100]
    payment.save(update_fields=["status", "provider_transaction"])
    audit_record(
        actor=actor,
        action=f"payment.{status}",
        target=payment,
        unit_id=Dossier.objects.filter(pk=payment.dossier_id).values_list("receiving_unit_id", flat=True).first(),
        changes={"status": [PaymentStatus.PENDING, new_status], "result_code": result_code, "via": via},
    )
    return CallbackOutcome.RECORDED, _ack(200, AckCode.CONFIRMED, "Result recorded")


@transaction.atomic
def _apply_callback(result: CallbackResult, body_sha256: str) -> CallbackAck:
    try:
        with transaction.atomic():
            receipt = CallbackReceipt.objects.create(
                merchant_id=result.merchant_id[:32],
                nonce=result.nonce,
                reference=result.reference,
                result_code=result.result_code,
                outcome=CallbackOutcome.DUPLICATE,
                body_sha256=body_sha256,
                sent_at=result.sent_at,
            )
    except IntegrityError:
        log.warning("payment callback refused: nonce %s replayed", result.nonce)
        return _ack(409, AckCode.REPLAY, "Replayed notification: this nonce was already used")
    found = Payment.objects.filter(reference=result.reference, method="online").first()
    if found is None:
        receipt.outcome = CallbackOutcome.UNKNOWN_REFERENCE
        receipt.save(update_fields=["outcome"])
        return _ack(404, AckCode.NOT_FOUND, "Order not found")
    payment = _lock_payment(found.pk, found.dossier_id)
    outcome, ack = _settle(
        payment,
        actor=GATEWAY,
        status=result.status,
        amount_vnd=result.amount_vnd,
        provider_transaction=result.provider_transaction,
        result_code=result.result_code,
        via="callback",
    )
    receipt.payment = payment
    receipt.outcome = outcome
    receipt.save(update_fields=["payment", "outcome"])
    return ack


def payment_handle_callback(*, headers: Mapping[str, str], body: bytes) -> CallbackAck:
    """Verify a gateway callback (signature, timestamp window, unused nonce) and apply it; repeats change nothing.

    A refused callback (bad signature, stale timestamp, malformed) writes nothing. A paid result
    returns the dossier to its previous status with `paid_online = 2`; a failed or cancelled one
    is recorded on the payment and the dossier keeps waiting for payment (status 6).
    """
    try:
        result = get_provider().verify_callback(headers, body)
    except CallbackRejected as exc:
        log.warning("payment callback refused: %s", exc.message)
        return _ack(exc.http_status, exc.ack_code, exc.message)
    return _apply_callback(result, hashlib.sha256(body).hexdigest())


def _reconcile(provider: PaymentProvider, payment: Payment, *, actor: Any, expire: bool) -> None:
    try:
        state = provider.query(payment.reference)
    except ProviderError as exc:
        log.warning("payment %s: query failed: %s", payment.reference, exc)
        raise ProviderUnavailable() from exc
    status = state.status
    if status in (PENDING, NOT_FOUND):
        if not expire:
            return
        status = EXPIRED
    if status not in (PAID, FAILED, CANCELLED, EXPIRED):
        return
    with transaction.atomic():
        locked = _lock_payment(payment.pk, payment.dossier_id)
        _settle(
            locked,
            actor=actor,
            status=status,
            amount_vnd=state.amount_vnd,
            provider_transaction=state.provider_transaction,
            result_code=state.result_code,
            via="query",
        )


def payment_reconcile(*, reference: str) -> Payment:
    """Ask the gateway about a pending online payment and apply its answer (the fallback when a callback is lost)."""
    payment = Payment.objects.filter(reference=reference, method="online").first()
    if payment is None:
        raise NotFound()
    if payment.status == PaymentStatus.PENDING:
        _reconcile(get_provider(), payment, actor=RECONCILER, expire=is_stale(payment))
        payment.refresh_from_db()
    return payment
