"""Payment services: starting a checkout (against the stand-in over HTTP) and applying signed callbacks."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from twotier.accounts.models import AccountKind
from twotier.core.errors import Conflict, Forbidden, NotFound
from twotier.core.models import AuditEvent
from twotier.dossiers.models import Dossier, Payment
from twotier.dossiers.services import pauses
from twotier.dossiers.tests.helpers import receive
from twotier.payments.policies import Unauthenticated
from twotier.payments.provider import CheckoutSession
from twotier.payments.services import (
    ProviderUnavailable,
    payment_handle_callback,
    payment_reconcile,
    payment_start_online,
)
from twotier.payments.tests.helpers import (
    JSON,
    MERCHANT,
    awaiting_payment,
    callback_body,
    post_json,
    receipts,
    state,
    submit_checkout,
)
from twotier.testing.factories import UserFactory

pytestmark = pytest.mark.usefixtures("pay_settings")


def _audit(prefix: str) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(action__startswith=prefix).order_by("seq").values_list("action", "actor_label")
    )


def _callback(body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
    ack = payment_handle_callback(headers=JSON if headers is None else headers, body=body)
    return ack.http_status, ack.code


def test_start_creates_one_pending_payment_with_a_checkout_and_a_retry_reuses_it(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert (payment.method, payment.provider, payment.amount_vnd, payment.status) == (
        "online",
        "standin",
        30000,
        "pending",
    )
    assert payment.reference.startswith("TT") and len(payment.reference) == 18
    assert payment.checkout_url.startswith(gateway.url + "/checkout/CK")
    checkout = gateway.store.by_reference[(MERCHANT, payment.reference)]
    assert checkout.amount == "3000000" and checkout.callback_url == "http://127.0.0.1:9/api/v1/payments/callback"
    assert checkout.return_url == f"http://127.0.0.1:8000/ho-so/{dossier.code}?payment={payment.reference}"
    assert checkout.description == f"Thanh toan le phi ho so {dossier.code}"
    assert checkout.expires_at == pytest.approx((payment.created_at + dt.timedelta(minutes=15)).timestamp(), abs=1)
    assert _audit("payment.") == [("payment.online_started", "receiver"), ("payment.checkout_created", "receiver")]
    before = state()
    again = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert (again.pk, again.reference, again.checkout_url) == (payment.pk, payment.reference, payment.checkout_url)
    assert state() == before
    assert Dossier.objects.get(pk=dossier.pk).status == 6


def test_owner_citizen_and_secret_holder_may_start(desk, gateway):
    citizen = UserFactory(username="citizen-an", kind=AccountKind.CITIZEN)
    owned = awaiting_payment(desk)
    Dossier.objects.filter(pk=owned.pk).update(citizen=citizen)
    assert payment_start_online(actor=citizen, dossier_id=owned.pk).checkout_url
    anonymous = awaiting_payment(desk)
    paid_by_secret = payment_start_online(
        actor=AnonymousUser(), dossier_id=anonymous.pk, secret=anonymous.access_secret
    )
    assert paid_by_secret.checkout_url and paid_by_secret.dossier_id == anonymous.pk
    assert _audit("payment.online_started") == [
        ("payment.online_started", "citizen-an"),
        ("payment.online_started", f"applicant:{anonymous.code}"),
    ]


def test_everyone_else_is_refused_and_nothing_changes(desk, gateway):
    dossier = awaiting_payment(desk)
    stranger = UserFactory(username="citizen-binh", kind=AccountKind.CITIZEN)
    before = state()
    refusals = [
        (AnonymousUser(), None, Unauthenticated),
        (AnonymousUser(), "wrong-secret", NotFound),
        (desk.receiver, "wrong-secret", NotFound),
        (stranger, None, NotFound),
        (desk.other_receiver, None, NotFound),
        (desk.specialist, None, Forbidden),  # sees the dossier, does not work at the desk
    ]
    for actor, secret, error in refusals:
        with pytest.raises(error):
            payment_start_online(actor=actor, dossier_id=dossier.pk, secret=secret)
    assert state() == before and gateway.store.by_reference == {}


def test_start_needs_a_dossier_waiting_for_payment(desk, gateway):
    dossier = receive(desk)
    before = state()
    with pytest.raises(Conflict) as exc:
        payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert exc.value.code == "not_awaiting_payment" and "status 2" in exc.value.message
    assert state() == before


def test_gateway_down_is_503_and_the_retry_reuses_the_same_reference(desk, gateway, settings):
    dossier = awaiting_payment(desk)
    settings.TWOTIER_PAYMENT_GATEWAY_URL = "http://127.0.0.1:9"
    with pytest.raises(ProviderUnavailable) as exc:
        payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert exc.value.status == 503 and exc.value.code == "payment_provider_unavailable"
    [pending] = Payment.objects.filter(dossier=dossier)
    assert pending.status == "pending" and pending.checkout_url == ""
    settings.TWOTIER_PAYMENT_GATEWAY_URL = gateway.url
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert payment.pk == pending.pk and payment.checkout_url
    assert Payment.objects.filter(dossier=dossier).count() == 1


def test_an_expired_pending_payment_is_reconciled_and_replaced(desk, gateway):
    dossier = awaiting_payment(desk)
    old = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    Payment.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    new = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert new.pk != old.pk and new.reference != old.reference and new.checkout_url != old.checkout_url
    assert Payment.objects.get(pk=old.pk).status == "cancelled"
    assert ("payment.expired", "system:payment-reconcile") in _audit("payment.")


def test_a_lost_callback_is_recovered_by_querying_the_gateway(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert post_json(gateway.url + "/_standin/faults", {"drop_callbacks": 1}).status == 200
    assert submit_checkout(payment.checkout_url, "pay").status == 303
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    reconciled = payment_reconcile(reference=payment.reference)
    assert reconciled.status == "paid" and reconciled.provider_transaction
    dossier.refresh_from_db()
    assert (dossier.status, dossier.paid_online) == (2, 2)


def test_a_paid_callback_returns_the_dossier_to_its_previous_status(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert _callback(callback_body(payment.reference)) == (200, "00")
    dossier.refresh_from_db()
    payment.refresh_from_db()
    assert (dossier.status, dossier.paid_online, dossier.status_before_pause) == (2, 2, None)
    assert (payment.status, payment.provider_transaction, payment.paid_at) == ("paid", "14253647", desk.clock.now)
    assert receipts() == [(payment.reference, "applied")]
    assert _audit("dossier.record_payment") == [("dossier.record_payment", "system:payment-gateway")]


def test_duplicates_replays_and_forgeries_change_nothing(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    body = callback_body(payment.reference)
    assert _callback(body) == (200, "00")
    before = state()
    assert _callback(callback_body(payment.reference)) == (200, "02")  # the gateway notifies again (fresh nonce)
    assert _callback(body) == (409, "98")  # the same message replayed
    assert state() == before
    assert receipts() == [(payment.reference, "applied"), (payment.reference, "duplicate")]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda ref: callback_body(ref, secret="not-the-secret"), (403, "97")),
        (lambda ref: callback_body(ref, merchant="SOMEONE-ELSE"), (403, "97")),
        (lambda ref: callback_body(ref, timestamp=time.time() - 301), (403, "97")),
        (lambda ref: callback_body(ref, timestamp=time.time() + 301), (403, "97")),
        (lambda ref: callback_body(ref, nonce="short"), (403, "97")),
        (lambda ref: callback_body(ref)[:-2], (400, "99")),
        (lambda ref: b'{"reference": 1}', (400, "99")),
    ],
    ids=["bad_signature", "other_merchant", "old_timestamp", "future_timestamp", "bad_nonce", "broken_json", "not_str"],
)
def test_refused_callbacks_write_nothing(desk, gateway, make, expected):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    before = state()
    assert _callback(make(payment.reference)) == expected
    assert state() == before and receipts() == []


def test_wrong_content_type_unknown_reference_and_wrong_amount(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    before = state()
    assert _callback(callback_body(payment.reference), {"Content-Type": "text/plain"}) == (400, "99")
    assert _callback(callback_body("TTUNKNOWN")) == (404, "01")
    assert _callback(callback_body(payment.reference, amount_vnd=3000)) == (422, "04")
    assert state() == before
    assert receipts() == [("TTUNKNOWN", "unknown_reference"), (payment.reference, "amount_mismatch")]


def test_a_cancelled_payment_leaves_the_dossier_waiting_and_a_new_one_can_start(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert _callback(callback_body(payment.reference, result_code="24", transaction_no="")) == (200, "00")
    payment.refresh_from_db()
    after = Dossier.objects.get(pk=dossier.pk)
    assert payment.status == "cancelled" and (after.status, after.version, after.paid_online) == (6, dossier.version, 0)
    assert _audit("payment.cancelled") == [("payment.cancelled", "system:payment-gateway")]
    assert _callback(callback_body(payment.reference, result_code="24", transaction_no="")) == (200, "02")
    second = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert second.pk != payment.pk and second.status == "pending"


def test_a_failed_payment_is_recorded(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    assert _callback(callback_body(payment.reference, result_code="51")) == (200, "00")
    payment.refresh_from_db()
    assert payment.status == "failed" and Dossier.objects.get(pk=dossier.pk).status == 6


def test_money_taken_after_a_cancellation_is_still_applied(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    _callback(callback_body(payment.reference, result_code="24", transaction_no=""))
    assert _callback(callback_body(payment.reference)) == (200, "00")
    dossier.refresh_from_db()
    assert (dossier.status, dossier.paid_online, Payment.objects.get(pk=payment.pk).status) == (2, 2, "paid")


def test_money_taken_after_a_cash_payment_is_recorded_for_refund(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    pauses.dossier_record_cash_payment(actor=desk.receiver, dossier_id=dossier.pk, amount_vnd=30000)
    version = Dossier.objects.get(pk=dossier.pk).version
    assert _callback(callback_body(payment.reference)) == (200, "00")
    dossier.refresh_from_db()
    assert (dossier.status, dossier.paid_online, dossier.version) == (2, 0, version)
    assert Payment.objects.get(pk=payment.pk).status == "paid"
    assert receipts() == [(payment.reference, "paid_not_applied")]
    assert _audit("payment.paid_not_applied") == [("payment.paid_not_applied", "system:payment-gateway")]


def test_reconcile_of_an_unknown_reference_is_not_found(desk, gateway):
    with pytest.raises(NotFound):
        payment_reconcile(reference="TTNOPE")


def test_a_dossier_without_a_secret_digest_opens_to_no_secret(desk, gateway):
    dossier = awaiting_payment(desk)
    Dossier.objects.filter(pk=dossier.pk).update(access_secret_digest="")
    with pytest.raises(NotFound):
        payment_start_online(actor=AnonymousUser(), dossier_id=dossier.pk, secret=dossier.access_secret)


class LongUrlProvider:
    """A provider named by TWOTIER_PAYMENT_PROVIDER whose checkout URL cannot be stored."""

    name = "long"

    def create_checkout(self, reference, amount_vnd, description, return_url, callback_url, *, expires_at=None):
        return CheckoutSession(url="https://pay.example.vn/?" + "x" * 600, provider_ref="P1")

    def verify_callback(self, headers, body):
        raise NotImplementedError

    def query(self, reference):
        raise NotImplementedError


def test_the_provider_class_is_a_setting_and_an_unstorable_checkout_url_is_refused(desk, settings):
    settings.TWOTIER_PAYMENT_PROVIDER = "twotier.payments.tests.test_services.LongUrlProvider"
    dossier = awaiting_payment(desk)
    with pytest.raises(ProviderUnavailable, match="too long"):
        payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    [payment] = Payment.objects.filter(dossier=dossier)
    assert payment.status == "pending" and payment.checkout_url == ""
