"""Fault injection of the stand-in portal: make it fail for a while, the way a real remote service does."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

MODES = ("timeout", "disconnect")  # besides an HTTP status code such as "500", "503", "400" or "429"


@dataclass
class Fault:
    """One active fault: what to do, to which share of data calls, until when."""

    mode: str
    fail_rate: float = 1.0
    until: float | None = None
    remaining: int | None = None
    delay_seconds: float = 3.0
    retry_after: int | None = None
    services: frozenset[str] = field(default_factory=frozenset)

    @property
    def status(self) -> int | None:
        """The HTTP status to answer with, for a status mode."""
        return int(self.mode) if self.mode.isdigit() else None


def parse_fault(body: dict[str, Any]) -> Fault:
    """Build a fault from a control request; raises ValueError naming the bad field."""
    mode = str(body.get("mode", "500"))
    if mode not in MODES and not (mode.isdigit() and 400 <= int(mode) <= 599):
        raise ValueError("mode: one of timeout, disconnect or an HTTP status 400-599")
    rate = float(body.get("fail_rate", 1.0))
    if not 0.0 <= rate <= 1.0:
        raise ValueError("fail_rate: between 0 and 1")
    for_seconds = body.get("for_seconds")
    times = body.get("times")
    if for_seconds is not None and float(for_seconds) <= 0:
        raise ValueError("for_seconds: must be positive")
    if times is not None and int(times) <= 0:
        raise ValueError("times: must be positive")
    services = body.get("services") or []
    if not isinstance(services, list):
        raise ValueError("services: a list of service names")
    return Fault(
        mode=mode,
        fail_rate=rate,
        until=time.monotonic() + float(for_seconds) if for_seconds is not None else None,
        remaining=int(times) if times is not None else None,
        delay_seconds=float(body.get("delay_seconds", 3.0)),
        retry_after=int(body["retry_after"]) if body.get("retry_after") is not None else None,
        services=frozenset(str(s) for s in services),
    )


class FaultSwitch:
    """The current fault (or none), consulted by every data call."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._rng = random.Random(seed)

    def set(self, fault: Fault | None) -> None:
        """Install `fault` (None clears)."""
        with self._lock:
            self._fault = fault

    def describe(self) -> dict[str, Any] | None:
        """The active fault as JSON, or None."""
        with self._lock:
            fault = self._active()
            if fault is None:
                return None
            left = None if fault.until is None else max(0.0, fault.until - time.monotonic())
            return {"mode": fault.mode, "fail_rate": fault.fail_rate, "seconds_left": left, "times": fault.remaining}

    def _active(self) -> Fault | None:
        fault = self._fault
        if fault is None:
            return None
        if (fault.until is not None and time.monotonic() >= fault.until) or fault.remaining == 0:
            self._fault = None
            return None
        return fault

    def draw(self, service: str) -> Fault | None:
        """The fault to apply to this call of `service`, or None to answer normally."""
        with self._lock:
            fault = self._active()
            if fault is None or (fault.services and service not in fault.services):
                return None
            if self._rng.random() >= fault.fail_rate:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
            return fault
