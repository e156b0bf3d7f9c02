"""Shortcuts for payment tests: a dossier awaiting payment, signed gateway callbacks, state snapshots."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from twotier.core.models import AuditEvent, OutboxMessage
from twotier.dossiers.models import Dossier, Payment, StatusChange
from twotier.dossiers.services import pauses
from twotier.dossiers.tests.helpers import receive
from twotier.payments.models import CallbackReceipt
from twotier.payments.signing import encode, new_nonce, signed

SECRET = "test-merchant-secret-0123456789"
MERCHANT = "TT-TEST-01"
JSON = {"Content-Type": "application/json"}


def awaiting_payment(desk: Any) -> Dossier:
    """A dossier of procedure 1.000001 (fee LP1 30,000 VND) received at the desk, payment requested (status 6)."""
    received = receive(desk)
    dossier = pauses.dossier_request_payment(actor=desk.receiver, dossier_id=received.pk)
    dossier.access_secret = received.access_secret  # type: ignore[attr-defined]  # shown once at receipt
    return dossier


def callback_body(
    reference: str,
    *,
    amount_vnd: int = 30000,
    result_code: str = "00",
    secret: str = SECRET,
    merchant: str = MERCHANT,
    timestamp: float | None = None,
    nonce: str | None = None,
    transaction_no: str = "14253647",
) -> bytes:
    """A gateway callback body, signed like the stand-in signs it."""
    params = {
        "merchant_id": merchant,
        "reference": reference,
        "provider_ref": "CK00",
        "transaction_no": transaction_no,
        "amount": str(amount_vnd * 100),
        "currency": "VND",
        "result_code": result_code,
        "paid_at": "20260302091500" if result_code == "00" else "",
        "timestamp": str(int(time.time() if timestamp is None else timestamp)),
        "nonce": nonce or new_nonce(),
    }
    return encode(signed(params, secret))


def state() -> tuple[Any, ...]:
    """Everything a payment step may change, except the callback receipts."""
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "status", "version", "paid_online")),
        list(Payment.objects.order_by("pk").values_list("reference", "status", "checkout_url", "provider_transaction")),
        StatusChange.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def receipts() -> list[tuple[str, str]]:
    """(reference, outcome) of every stored callback receipt, oldest first."""
    return list(CallbackReceipt.objects.order_by("pk").values_list("reference", "outcome"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# Loopback only, never through an environment proxy, and redirects are returned rather than followed.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
    """One real HTTP request to a loopback URL."""
    assert url.startswith(("http://127.0.0.1:", "http://localhost:")), url
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310 (loopback http)
    try:
        with _OPENER.open(request, timeout=15) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers), exc.read())


def post_json(url: str, data: Any, headers: dict[str, str] | None = None) -> Reply:
    """POST a JSON body."""
    return http("POST", url, body=json.dumps(data).encode(), headers={**JSON, **(headers or {})})


def checkout_form(url: str) -> tuple[str, str]:
    """The stand-in checkout page and its form token."""
    html = http("GET", url).text
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0] if 'name="token"' in html else ""
    return html, token


def submit_checkout(url: str, action: str) -> Reply:
    """Press Pay or Cancel on the stand-in checkout page, as a browser would."""
    _html, token = checkout_form(url)
    form = urlencode({"token": token, "action": action}).encode()
    return http("POST", url, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
