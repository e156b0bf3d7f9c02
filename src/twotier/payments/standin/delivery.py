"""Delivering signed payment results to the merchant's callback URL, with retries and injected faults."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from twotier.payments.signing import encode, signed, stamp
from twotier.payments.standin.state import Checkout, Delivery, Store

RETRY_BASE_SECONDS = 0.2


class Deliverer:
    """Sends callbacks: retries on network errors and 5xx answers; any other answer is final."""

    def __init__(
        self,
        *,
        store: Store,
        secret: str,
        retries: int = 3,
        timeout: float = 10,
        clock: Callable[[], float] = time.time,
    ):
        self.store = store
        self.secret = secret
        self.retries = retries
        self.timeout = timeout
        self.clock = clock
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def message(self, checkout: Checkout) -> dict[str, str]:
        """The signed callback for the checkout's current result (a fresh timestamp and nonce each time)."""
        params = {
            "merchant_id": checkout.merchant_id,
            "reference": checkout.reference,
            "provider_ref": checkout.provider_ref,
            "transaction_no": checkout.transaction_no,
            "amount": checkout.amount,
            "currency": checkout.currency,
            "result_code": checkout.result_code,
            "paid_at": checkout.paid_at,
        }
        key = self.secret + "-forged" if self.store.faults.bad_signature else self.secret
        return signed(stamp(params, now=self.clock()), key)

    def send(self, url: str, message: dict[str, str]) -> int | None:
        """POST one message, retrying on failure; return the final HTTP status (None when never answered)."""
        status: int | None = None
        for attempt in range(1, self.retries + 2):
            body, error = "", ""
            request = urllib.request.Request(  # noqa: S310 (callback URLs are checked to be http on loopback)
                url, data=encode(message), headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    status, body = response.status, response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read().decode("utf-8", "replace")
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                status, error = None, str(exc)
            self.store.log(
                Delivery(
                    reference=message["reference"],
                    nonce=message["nonce"],
                    attempt=attempt,
                    http_status=status,
                    response=body[:500],
                    error=error[:500],
                    at=self.clock(),
                )
            )
            if status is not None and status < 500:
                return status
            if attempt <= self.retries:
                time.sleep(RETRY_BASE_SECONDS * 2 ** (attempt - 1))
        return status

    def deliver(self, checkout: Checkout) -> None:
        """Deliver the checkout's result, applying the injected faults (drop, delay, duplicate)."""
        if self.store.take_fault("drop_callbacks"):
            self.store.log(Delivery(checkout.reference, "", 0, None, "", "dropped (fault injection)", self.clock()))
            return
        delay = self.store.faults.callback_delay
        duplicate = self.store.faults.duplicate
        message = self.message(checkout)

        def run() -> None:
            if delay:
                time.sleep(delay)
            self.send(checkout.callback_url, message)
            if duplicate == "same":
                self.send(checkout.callback_url, message)
            elif duplicate == "fresh":
                self.send(checkout.callback_url, self.message(checkout))

        if delay:
            threading.Thread(target=run, name=f"callback-{checkout.reference}", daemon=True).start()
        else:
            run()
