"""Typed readers for TWOTIER_* environment variables; they fail fast on bad values."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

PREFIX = "TWOTIER_"


def _raw(name: str) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else None


def env_str(name: str, default: str) -> str:
    """Return a string setting."""
    return _raw(name) or default


def env_optional(name: str) -> str | None:
    """Return a string setting or None when unset."""
    return _raw(name)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean setting (1/0, true/false, yes/no, on/off)."""
    raw = _raw(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} must be a boolean, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return an integer setting, checked against an optional minimum."""
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be an integer, got {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list setting."""
    raw = _raw(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]
