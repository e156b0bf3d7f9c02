"""The whole online payment over real HTTP: a live Django server and the stand-in gateway in its own process.

receive (API) → request payment (API) → start online payment (API, with the dossier's secret) →
"pay" on the stand-in's page → the stand-in POSTs a signed callback to the live server → the
dossier is back in its previous status with paid_online = 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from twotier.dossiers.models import Dossier, Payment
from twotier.payments.tests.helpers import (
    MERCHANT,
    SECRET,
    callback_body,
    checkout_form,
    http,
    post_json,
    receipts,
    state,
    submit_checkout,
)
from twotier.testing.authz import issue_token

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("twotier.payments.tests.urls")]


@pytest.fixture
def standin() -> Iterator[str]:
    """`python -m twotier.payments.standin --port 0` as a child process; yields its base URL."""
    env = {**os.environ, "TWOTIER_PAYMENT_SECRET": SECRET, "TWOTIER_PAYMENT_MERCHANT_ID": MERCHANT}
    process = subprocess.Popen(
        [sys.executable, "-m", "twotier.payments.standin", "--port", "0", "--retries", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, process.stderr.read() if process.stderr else line
        url = line.rsplit(" ", 1)[1].strip()
        assert http("GET", url + "/_standin/health").json()["merchant_id"] == MERCHANT
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def live(settings, live_server, standin, desk):  # type: ignore[no-untyped-def]
    """Payment settings for the live server and the stand-in process; returns (server URL, gateway URL, auth)."""
    settings.TWOTIER_PAYMENT_GATEWAY_URL = standin
    settings.TWOTIER_PAYMENT_SECRET = SECRET
    settings.TWOTIER_PAYMENT_MERCHANT_ID = MERCHANT
    settings.TWOTIER_PAYMENT_CALLBACK_URL = live_server.url + "/api/v1/payments/callback"
    settings.TWOTIER_PAYMENT_RETURN_URL = live_server.url + "/?dossier={code}"
    auth = {"Authorization": f"Bearer {issue_token(desk.receiver)}"}
    return live_server.url, standin, auth


def _awaiting_payment(base: str, auth: dict[str, str]) -> tuple[str, str]:
    """Receive a dossier of 1.000001 (fee 30,000 VND) and request payment, through the API; (code, secret)."""
    body = {
        "unit": "CM-TANTHANH",
        "procedure_code": "1.000001",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "096090001234"},
        "components": ["TK", "GCS"],
    }
    received = post_json(base + "/api/v1/dossiers", body, auth)
    assert received.status == 201, received.text
    code, secret = received.json()["code"], received.json()["access_secret"]
    assert received.json()["fee_total"] == 30000
    requested = post_json(f"{base}/api/v1/dossiers/{code}/request-payment", {}, auth)
    assert requested.status == 200 and requested.json()["status"] == 6
    return code, secret


def _start(base: str, code: str, secret: str) -> dict[str, object]:
    started = post_json(f"{base}/api/v1/dossiers/{code}/payments/online", {"secret": secret})
    assert started.status == 200, started.text
    return started.json()


def _dossier(base: str, code: str, auth: dict[str, str]) -> dict[str, object]:
    reply = http("GET", f"{base}/api/v1/dossiers/{code}", headers=auth)
    assert reply.status == 200
    return reply.json()


def _deliveries(gateway: str) -> list[tuple[int | None, str]]:
    """(HTTP status, RspCode) of each callback delivery the stand-in made, oldest first."""
    log = http("GET", gateway + "/_standin/deliveries").json()
    return [(d["http_status"], json.loads(d["response"])["RspCode"]) for d in log]


def test_paid_online_end_to_end_and_repeats_change_nothing(live):
    base, gateway, auth = live
    code, secret = _awaiting_payment(base, auth)
    payment = _start(base, code, secret)
    assert str(payment["checkout_url"]).startswith(gateway + "/checkout/")
    html, _token = checkout_form(str(payment["checkout_url"]))
    assert "Thanh toán thử nghiệm — stand-in, không phải cổng thật" in html and "30.000 ₫" in html

    redirect = submit_checkout(str(payment["checkout_url"]), "pay")
    assert redirect.status == 303 and redirect.headers["Location"].startswith(f"{base}/?dossier={code}&")
    assert _deliveries(gateway) == [(200, "00")]
    after = _dossier(base, code, auth)
    assert (after["status"], after["paid_online"]) == (2, 2)
    stored = Payment.objects.get(reference=payment["reference"])
    assert stored.status == "paid" and stored.provider_transaction and stored.method == "online"
    assert receipts() == [(payment["reference"], "applied")]

    before = state()
    callback = base + "/api/v1/payments/callback"
    again = callback_body(str(payment["reference"]))
    first = http("POST", callback, body=again, headers={"Content-Type": "application/json"})
    assert (first.status, first.json()["RspCode"]) == (200, "02")  # a new notification of the same payment
    replay = http("POST", callback, body=again, headers={"Content-Type": "application/json"})
    assert (replay.status, replay.json()["RspCode"]) == (409, "98")  # the same message again
    forged = http(
        "POST",
        callback,
        body=callback_body(str(payment["reference"]), secret="guessed"),
        headers={"Content-Type": "application/json"},
    )
    assert (forged.status, forged.json()["RspCode"]) == (403, "97")
    assert state() == before
    assert receipts() == [(payment["reference"], "applied"), (payment["reference"], "duplicate")]


def test_gateway_duplicate_delivery_is_harmless(live):
    base, gateway, auth = live
    assert post_json(gateway + "/_standin/faults", {"duplicate": "same"}).status == 200
    code, secret = _awaiting_payment(base, auth)
    payment = _start(base, code, secret)
    assert submit_checkout(str(payment["checkout_url"]), "pay").status == 303
    assert _deliveries(gateway) == [(200, "00"), (409, "98")]
    assert Dossier.objects.get(code=code).paid_online == 2
    assert Payment.objects.filter(dossier__code=code).count() == 1


def test_a_cancelled_payment_leaves_the_dossier_in_6_and_a_new_one_can_be_paid(live):
    base, gateway, auth = live
    code, secret = _awaiting_payment(base, auth)
    first = _start(base, code, secret)
    assert submit_checkout(str(first["checkout_url"]), "cancel").status == 303
    after = _dossier(base, code, auth)
    assert (after["status"], after["paid_online"]) == (6, 0)
    assert Payment.objects.get(reference=first["reference"]).status == "cancelled"

    second = _start(base, code, secret)
    assert second["reference"] != first["reference"]
    assert submit_checkout(str(second["checkout_url"]), "pay").status == 303
    after = _dossier(base, code, auth)
    assert (after["status"], after["paid_online"]) == (2, 2)
    assert _deliveries(gateway) == [(200, "00"), (200, "00")]  # the cancellation, then the payment
    listed = http("GET", f"{base}/api/v1/dossiers/{code}/payments", headers={"X-Dossier-Secret": secret}).json()
    assert [p["status"] for p in listed["payments"]] == ["cancelled", "paid"]


def test_a_late_callback_arrives_after_the_browser_returned(live):
    base, gateway, auth = live
    assert post_json(gateway + "/_standin/faults", {"callback_delay": 0.3}).status == 200
    code, secret = _awaiting_payment(base, auth)
    payment = _start(base, code, secret)
    assert submit_checkout(str(payment["checkout_url"]), "pay").status == 303
    deadline = time.monotonic() + 10
    while not _deliveries(gateway) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _deliveries(gateway) == [(200, "00")]
    assert Dossier.objects.get(code=code).paid_online == 2


def test_a_forged_callback_is_refused_and_the_payment_is_recovered_by_query(live):
    base, gateway, auth = live
    assert post_json(gateway + "/_standin/faults", {"bad_signature": True}).status == 200
    code, secret = _awaiting_payment(base, auth)
    payment = _start(base, code, secret)
    assert submit_checkout(str(payment["checkout_url"]), "pay").status == 303
    assert _deliveries(gateway) == [(403, "97")]
    assert Dossier.objects.get(code=code).status == 6 and receipts() == []
    call_command("payments_reconcile", older_than=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    dossier = Dossier.objects.get(code=code)
    assert (dossier.status, dossier.paid_online) == (2, 2)
    assert Payment.objects.get(reference=payment["reference"]).status == "paid"
