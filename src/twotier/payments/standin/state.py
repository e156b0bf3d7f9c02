"""The stand-in gateway's memory: checkouts, seen nonces, injected faults and the callback delivery log."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from twotier.payments.contract import PENDING


@dataclass
class Checkout:
    """One checkout, keyed by the merchant's reference."""

    provider_ref: str
    merchant_id: str
    reference: str
    amount: str  # VND × 100, as sent
    currency: str
    description: str
    return_url: str
    callback_url: str
    created_at: float
    expires_at: float | None
    form_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    status: str = PENDING
    result_code: str = ""
    transaction_no: str = ""
    paid_at: str = ""


@dataclass
class Faults:
    """Faults to inject into callback delivery (for tests and demos of failure handling)."""

    callback_delay: float = 0.0  # seconds; > 0 delivers in the background after the browser is redirected
    drop_callbacks: int = 0  # the next N results are never delivered (the merchant must query)
    duplicate: str = ""  # "same": deliver the identical message twice; "fresh": again with a new nonce
    fail_payments: int = 0  # the next N "pay" clicks fail with result code 51 (insufficient funds)
    bad_signature: bool = False  # sign callbacks with a wrong key (a forged callback)

    def update(self, data: dict[str, Any]) -> None:
        """Set the faults named in `data`; raise ValueError on an unknown name or a bad value."""
        for key, value in data.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault {key!r}")
            current = getattr(self, key)
            if key == "duplicate" and value not in ("", "same", "fresh"):
                raise ValueError("duplicate must be '', 'same' or 'fresh'")
            if isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, int | float):
                if not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"{key} must be a non-negative number")
                value = type(current)(value)
            setattr(self, key, value)


@dataclass
class Delivery:
    """One attempt to deliver a callback."""

    reference: str
    nonce: str
    attempt: int
    http_status: int | None
    response: str
    error: str
    at: float


class Store:
    """Thread-safe state of one stand-in gateway."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.by_reference: dict[tuple[str, str], Checkout] = {}
        self.by_provider_ref: dict[str, Checkout] = {}
        self.nonces: set[str] = set()
        self.faults = Faults()
        self.deliveries: list[Delivery] = []
        self._txn = 0

    def use_nonce(self, nonce: str) -> bool:
        """Remember `nonce`; False when it was already used."""
        with self.lock:
            if nonce in self.nonces:
                return False
            self.nonces.add(nonce)
            return True

    def add(self, checkout: Checkout) -> None:
        """Store a new checkout."""
        with self.lock:
            self.by_reference[(checkout.merchant_id, checkout.reference)] = checkout
            self.by_provider_ref[checkout.provider_ref] = checkout

    def next_transaction_no(self) -> str:
        """A new gateway transaction number."""
        with self.lock:
            self._txn += 1
            return f"{int(time.time()) % 100000:05d}{self._txn:06d}"

    def take_fault(self, name: str) -> bool:
        """Consume one unit of a counted fault; return whether it applies now."""
        with self.lock:
            remaining = getattr(self.faults, name)
            if remaining > 0:
                setattr(self.faults, name, remaining - 1)
                return True
            return False

    def log(self, delivery: Delivery) -> None:
        """Record one delivery attempt."""
        with self.lock:
            self.deliveries.append(delivery)

    def deliveries_json(self) -> list[dict[str, Any]]:
        """The delivery log as plain data."""
        with self.lock:
            return [asdict(d) for d in self.deliveries]
