"""The payment-provider interface and its HTTP client for a VNPay/Napas-style gateway contract.

`PaymentProvider` is what the services use; `HttpGatewayProvider` speaks the contract in
`twotier.payments.contract` over HTTP (the local stand-in speaks the same one). Another gateway
with another contract is a new class named by `TWOTIER_PAYMENT_PROVIDER`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.utils.module_loading import import_string

from twotier.payments import conf
from twotier.payments.contract import (
    CREATE_PATH,
    CURRENCY,
    NOT_FOUND,
    QUERY_PATH,
    REFERENCE_RE,
    STATES,
    AckCode,
    GatewayCode,
    format_time,
    from_wire_amount,
    parse_time,
    status_of_result,
    to_wire_amount,
)
from twotier.payments.signing import MessageError, check_fresh, encode, parse_message, signed, stamp, verify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutSession:
    """Where to send the payer, and the gateway's own id for the checkout."""

    url: str
    provider_ref: str


@dataclass(frozen=True)
class CallbackResult:
    """A verified payment result pushed by the gateway."""

    merchant_id: str
    reference: str
    status: str  # paid / failed / cancelled
    result_code: str
    amount_vnd: int
    provider_transaction: str
    paid_at: dt.datetime | None
    nonce: str
    sent_at: dt.datetime


@dataclass(frozen=True)
class QueryResult:
    """What the gateway says about one reference."""

    status: str  # pending / paid / failed / cancelled / expired / not_found
    amount_vnd: int | None = None
    provider_transaction: str = ""
    result_code: str = ""
    paid_at: dt.datetime | None = None


class ProviderError(Exception):
    """The gateway could not be reached, refused the request, or answered something unverifiable."""

    def __init__(self, message: str, *, code: str = "", http_status: int | None = None):
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class CallbackRejected(Exception):
    """A callback that must not be acted on; `http_status` and `ack_code` form the answer to the gateway."""

    def __init__(self, message: str, *, http_status: int, ack_code: str):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.ack_code = ack_code


class PaymentProvider(Protocol):
    """What the payment services need from a gateway."""

    name: str

    def create_checkout(
        self,
        reference: str,
        amount_vnd: int,
        description: str,
        return_url: str,
        callback_url: str,
        *,
        expires_at: dt.datetime | None = None,
    ) -> CheckoutSession:
        """Create (or, for a known reference, return) the checkout for one payment."""
        ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackResult:
        """Verify a callback and return its result, or raise CallbackRejected."""
        ...

    def query(self, reference: str) -> QueryResult:
        """Ask the gateway for the state of one payment."""
        ...


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


class HttpGatewayProvider:
    """HTTP client for the signed JSON contract (HMAC-SHA512, VND × 100, timestamp + nonce on every message)."""

    def __init__(
        self,
        *,
        base_url: str,
        merchant_id: str,
        secret: str,
        name: str = "standin",
        timeout: float = 10,
        callback_window: int = 300,
        clock: Callable[[], float] = time.time,
    ):
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError("base_url must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.merchant_id = merchant_id
        self.secret = secret
        self.name = name
        self.timeout = timeout
        self.callback_window = callback_window
        self.clock = clock
        # Gateway calls never go through an environment proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @classmethod
    def from_settings(cls) -> HttpGatewayProvider:
        """A client configured from `twotier.payments.conf`."""
        return cls(
            base_url=conf.gateway_url(),
            merchant_id=conf.merchant_id(),
            secret=conf.secret(),
            name=conf.gateway_name(),
            timeout=conf.timeout(),
            callback_window=conf.callback_window(),
        )

    def _call(self, path: str, params: Mapping[str, str]) -> tuple[int, dict[str, str]]:
        message = signed(stamp({"merchant_id": self.merchant_id, **params}, now=self.clock()), self.secret)
        request = urllib.request.Request(  # noqa: S310 (http(s) checked in __init__)
            self.base_url + path,
            data=encode(message),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ProviderError(f"gateway unreachable: {exc}") from exc
        try:
            answer = parse_message(raw)
        except MessageError as exc:
            raise ProviderError(f"gateway answered HTTP {status} with an unreadable body", http_status=status) from exc
        code = answer.get("code", "")
        if status >= 400 and code != GatewayCode.NOT_FOUND:
            # Refusals change nothing on either side, so they are reported even when unsigned.
            raise ProviderError(
                f"gateway refused: {answer.get('message', '')} (code {code}, HTTP {status})",
                code=code,
                http_status=status,
            )
        if not verify(answer, self.secret):
            raise ProviderError("gateway answer is unsigned or has an invalid signature", http_status=status)
        return status, answer

    def create_checkout(
        self,
        reference: str,
        amount_vnd: int,
        description: str,
        return_url: str,
        callback_url: str,
        *,
        expires_at: dt.datetime | None = None,
    ) -> CheckoutSession:
        """Create the checkout; the gateway returns the existing one for a reference it already knows."""
        if not REFERENCE_RE.match(reference):
            raise ValueError("reference must be 1-64 characters [A-Za-z0-9_-]")
        params = {
            "reference": reference,
            "amount": to_wire_amount(amount_vnd),
            "currency": CURRENCY,
            "description": description,
            "return_url": return_url,
            "callback_url": callback_url,
            "expires_at": format_time(expires_at) if expires_at else "",
        }
        _status, answer = self._call(CREATE_PATH, params)
        url, provider_ref = answer.get("checkout_url", ""), answer.get("provider_ref", "")
        if (
            answer.get("code") != GatewayCode.OK
            or answer.get("reference") != reference
            or answer.get("amount") != params["amount"]
        ):
            raise ProviderError("gateway answer does not match the checkout requested", code=answer.get("code", ""))
        if urlsplit(url).scheme not in ("http", "https") or not provider_ref:
            raise ProviderError("gateway answer has no usable checkout URL")
        return CheckoutSession(url=url, provider_ref=provider_ref)

    def query(self, reference: str) -> QueryResult:
        """Ask the gateway for the state of `reference` (status `not_found` when it never saw it)."""
        status, answer = self._call(QUERY_PATH, {"reference": reference})
        if answer.get("code") == GatewayCode.NOT_FOUND:
            return QueryResult(status=NOT_FOUND)
        state = answer.get("status", "")
        if answer.get("reference") != reference or state not in STATES:
            raise ProviderError("gateway query answer does not match the reference", http_status=status)
        try:
            amount = from_wire_amount(answer.get("amount", ""))
            paid_at = parse_time(answer["paid_at"]) if answer.get("paid_at") else None
        except ValueError as exc:
            raise ProviderError(f"gateway query answer is malformed: {exc}") from exc
        return QueryResult(
            status=state,
            amount_vnd=amount,
            provider_transaction=answer.get("transaction_no", ""),
            result_code=answer.get("result_code", ""),
            paid_at=paid_at,
        )

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackResult:
        """Check content type, signature, merchant and timestamp window; return the result (nonce is checked later)."""
        if _header(headers, "Content-Type").split(";")[0].strip().lower() != "application/json":
            raise CallbackRejected("Content-Type must be application/json", http_status=400, ack_code=AckCode.MALFORMED)
        try:
            params = parse_message(body)
        except MessageError as exc:
            raise CallbackRejected(str(exc), http_status=400, ack_code=AckCode.MALFORMED) from exc
        if not verify(params, self.secret):
            raise CallbackRejected("Invalid signature", http_status=403, ack_code=AckCode.BAD_SIGNATURE)
        if params.get("merchant_id") != self.merchant_id:
            raise CallbackRejected("Unknown merchant", http_status=403, ack_code=AckCode.BAD_SIGNATURE)
        try:
            check_fresh(params, now=self.clock(), window=self.callback_window)
        except MessageError as exc:
            raise CallbackRejected(str(exc), http_status=403, ack_code=AckCode.BAD_SIGNATURE) from exc
        try:
            reference = params["reference"]
            if not REFERENCE_RE.match(reference):
                raise ValueError("reference is malformed")
            result_code = params["result_code"]
            if not result_code.isdigit() or len(result_code) != 2:
                raise ValueError("result_code must be two digits")
            amount_vnd = from_wire_amount(params["amount"])
            paid_at = parse_time(params["paid_at"]) if params.get("paid_at") else None
        except (KeyError, ValueError) as exc:
            raise CallbackRejected(f"Malformed callback: {exc}", http_status=400, ack_code=AckCode.MALFORMED) from exc
        return CallbackResult(
            merchant_id=params["merchant_id"],
            reference=reference,
            status=status_of_result(result_code),
            result_code=result_code,
            amount_vnd=amount_vnd,
            provider_transaction=params.get("transaction_no", "")[:100],
            paid_at=paid_at,
            nonce=params["nonce"],
            sent_at=dt.datetime.fromtimestamp(int(params["timestamp"]), tz=dt.UTC),
        )


def get_provider() -> PaymentProvider:
    """The configured provider (`TWOTIER_PAYMENT_PROVIDER`, default the HTTP gateway client)."""
    cls = import_string(conf.provider_class())
    factory = getattr(cls, "from_settings", None)
    provider: PaymentProvider = factory() if factory is not None else cls()
    return provider
