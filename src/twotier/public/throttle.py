"""Counting attempts in the cache: failed status look-ups per address and per dossier code, submissions per address.

Windows are fixed (they start at the first counted attempt). With the default local-memory cache the
counts are per process; a deployment with several web processes sets a shared cache (Redis) so that
the limits hold across them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from twotier.env import env_int

PREFIX = "twotier:public:"


@dataclass(frozen=True)
class Limit:
    """At most `attempts` counted events per `window_seconds`."""

    name: str
    attempts: int
    window_seconds: int

    @property
    def minutes(self) -> int:
        """The window in whole minutes (at least one), for messages."""
        return max(1, round(self.window_seconds / 60))


def _setting(name: str, default: int) -> int:
    configured = getattr(settings, f"TWOTIER_{name}", None)
    return int(configured) if configured else env_int(name, default, minimum=1)


def lookup_limit() -> Limit:
    """Failed look-ups allowed per address and per code (TWOTIER_LOOKUP_MAX_FAILURES / _WINDOW_SECONDS)."""
    return Limit("lookup", _setting("LOOKUP_MAX_FAILURES", 10), _setting("LOOKUP_WINDOW_SECONDS", 15 * 60))


def submit_limit() -> Limit:
    """Online submissions allowed per address (TWOTIER_PUBLIC_SUBMIT_MAX / TWOTIER_PUBLIC_SUBMIT_WINDOW_SECONDS)."""
    return Limit("submit", _setting("PUBLIC_SUBMIT_MAX", 30), _setting("PUBLIC_SUBMIT_WINDOW_SECONDS", 60 * 60))


def client_ip(request: HttpRequest) -> str:
    """The client's address as the web server saw it (the same one the audit trail records)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(limit: Limit, scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().upper().encode()).hexdigest()[:32]
    return f"{PREFIX}{limit.name}:{scope}:{digest}"


def count(limit: Limit, scope: str, value: str) -> int:
    """How many attempts are counted now for `value` in `scope`."""
    return int(cache.get(_key(limit, scope, value)) or 0)


def exceeded(limit: Limit, **scopes: str) -> bool:
    """Whether any of the given scopes (e.g. ip=…, code=…) has used up its attempts."""
    return any(count(limit, scope, value) >= limit.attempts for scope, value in scopes.items() if value)


def hit(limit: Limit, **scopes: str) -> None:
    """Count one attempt in each of the given scopes."""
    for scope, value in scopes.items():
        if not value:
            continue
        key = _key(limit, scope, value)
        cache.add(key, 0, timeout=limit.window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=limit.window_seconds)
