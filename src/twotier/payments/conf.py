"""Payment settings, read lazily so tests (and settings.py, once they move there) can override them.

Each reader looks for a `TWOTIER_PAYMENT_*` Django setting first, then the matching
`TWOTIER_PAYMENT_*` environment variable, then a default that runs the embedded demo against the
stand-in gateway on 127.0.0.1:8766.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from twotier.env import env_int, env_str
from twotier.payments.contract import DEFAULT_STANDIN_PORT, DEFAULT_WINDOW_SECONDS, DEMO_MERCHANT_ID, DEMO_SECRET

DEFAULT_PROVIDER = "twotier.payments.provider.HttpGatewayProvider"


def _setting(name: str) -> Any:
    return getattr(settings, f"TWOTIER_PAYMENT_{name}", None)


def _str(name: str, default: str) -> str:
    configured = _setting(name)
    return str(configured) if configured not in (None, "") else env_str(f"PAYMENT_{name}", default)


def _int(name: str, default: int, minimum: int) -> int:
    configured = _setting(name)
    if configured is None:
        return env_int(f"PAYMENT_{name}", default, minimum=minimum)
    value = int(configured)
    if value < minimum:
        raise ImproperlyConfigured(f"TWOTIER_PAYMENT_{name} must be >= {minimum}, got {value}")
    return value


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"TWOTIER_PAYMENT_{name} must be an http(s) URL, got {value!r}")
    return value


def is_loopback(url: str) -> bool:
    """Whether `url` points at this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def gateway_url() -> str:
    """Base URL of the gateway's server-to-server API (default: the local stand-in)."""
    return _http_url("GATEWAY_URL", _str("GATEWAY_URL", f"http://127.0.0.1:{DEFAULT_STANDIN_PORT}").rstrip("/"))


def gateway_name() -> str:
    """The provider name recorded on each payment (max 32 characters)."""
    name = _str("GATEWAY_NAME", "standin")
    if len(name) > 32:
        raise ImproperlyConfigured("TWOTIER_PAYMENT_GATEWAY_NAME must be at most 32 characters")
    return name


def merchant_id() -> str:
    """This system's merchant id at the gateway (VNPay: vnp_TmnCode)."""
    return _str("MERCHANT_ID", DEMO_MERCHANT_ID)


def secret() -> str:
    """The merchant's shared HMAC secret; the public demo secret is refused for a non-loopback gateway."""
    value = _str("SECRET", DEMO_SECRET)
    if value == DEMO_SECRET and not is_loopback(gateway_url()):
        raise ImproperlyConfigured(
            "TWOTIER_PAYMENT_SECRET is the public demo secret but the gateway is not on this machine; "
            "set the secret the gateway issued to this merchant"
        )
    return value


def callback_url() -> str:
    """The URL the gateway POSTs signed payment results to (this system's /api/v1/payments/callback)."""
    return _http_url("CALLBACK_URL", _str("CALLBACK_URL", "http://127.0.0.1:8000/api/v1/payments/callback"))


def return_url(*, code: str, reference: str) -> str:
    """Where the gateway sends the browser back; `{code}` and `{reference}` in the template are filled in."""
    template = _str("RETURN_URL", "http://127.0.0.1:8000/")
    return _http_url("RETURN_URL", template.format(code=code, reference=reference))


def timeout() -> int:
    """Seconds to wait for the gateway (connect and read)."""
    return _int("TIMEOUT", 10, 1)


def callback_window() -> int:
    """Seconds a callback's timestamp may differ from this server's clock."""
    return _int("CALLBACK_WINDOW", DEFAULT_WINDOW_SECONDS, 1)


def checkout_ttl() -> int:
    """Seconds a checkout stays payable; an older pending payment is reconciled and replaced."""
    return _int("CHECKOUT_TTL", 15 * 60, 60)


def provider_class() -> str:
    """Dotted path of the PaymentProvider implementation."""
    return _str("PROVIDER", DEFAULT_PROVIDER)
