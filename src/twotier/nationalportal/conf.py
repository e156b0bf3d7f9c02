"""Settings of the national-portal client, read from TWOTIER_NATIONAL_PORTAL_* variables.

The defaults point at the stand-in portal on this machine (`python -m twotier.nationalportal.standin`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from twotier.env import PREFIX, env_int, env_str


@dataclass(frozen=True)
class PortalConf:
    """Where the portal is, how to log in, and how long to wait."""

    base_url: str = "http://127.0.0.1:8765"
    username: str = "standin"
    password: str = field(default="standin", repr=False)  # the stand-in's demo credentials
    agency_code: str = ""
    timeout: float = 10.0
    max_records: int = 250
    public_base_url: str = "http://127.0.0.1:8000"


def _url(name: str, default: str) -> str:
    value = env_str(name, default).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be an http(s) URL, got {value!r}")
    return value


def _seconds(name: str, default: float) -> float:
    raw = env_str(name, str(default))
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be a number of seconds, got {raw!r}") from exc
    if not 0 < value <= 300:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be between 0 and 300 seconds, got {value}")
    return value


def portal_conf() -> PortalConf:
    """Read the portal settings from the environment (at each call, so a changed setting applies at once)."""
    return PortalConf(
        base_url=_url("NATIONAL_PORTAL_URL", PortalConf.base_url),
        username=env_str("NATIONAL_PORTAL_USERNAME", PortalConf.username),
        password=env_str("NATIONAL_PORTAL_PASSWORD", "standin"),
        agency_code=env_str("NATIONAL_PORTAL_AGENCY", PortalConf.agency_code),
        timeout=_seconds("NATIONAL_PORTAL_TIMEOUT", PortalConf.timeout),
        max_records=env_int("NATIONAL_PORTAL_MAX_RECORDS", PortalConf.max_records, minimum=1),
        public_base_url=_url("PUBLIC_BASE_URL", PortalConf.public_base_url),
    )
