"""Signing settings, read lazily so tests (and settings.py, once they move there) can override them.

Each reader looks for a `TWOTIER_PKI_*` Django setting first and falls back to the matching
`TWOTIER_PKI_*` environment variable, then to a default that runs the embedded demo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from twotier.env import env_bool, env_list, env_str

# The demo passphrase is public on purpose: it protects demo keys only. Production sets its own.
DEMO_PASSPHRASE = "twotier-demo-pki-NOT-SECRET"  # noqa: S105 (public demo value, documented)
KEY_TYPES = ("ecdsa-p256", "rsa-2048")
DEFAULT_KEY_TYPE = "ecdsa-p256"


def _setting(name: str) -> Any:
    return getattr(settings, f"TWOTIER_PKI_{name}", None)


def pki_dir() -> Path:
    """Return the folder holding demo/imported private keys and the demo root (default VAR_DIR/pki)."""
    configured = _setting("DIR")
    if configured:
        return Path(configured)
    return Path(env_str("PKI_DIR", str(Path(settings.VAR_DIR) / "pki")))


def pki_passphrase() -> bytes:
    """Return the passphrase that encrypts every private key file in the PKI folder."""
    configured = _setting("PASSPHRASE")
    value = configured if configured else env_str("PKI_PASSPHRASE", DEMO_PASSPHRASE)
    return str(value).encode()


def key_type() -> str:
    """Return the key type for demo-issued keys: `ecdsa-p256` (default) or `rsa-2048`."""
    configured = _setting("KEY_TYPE")
    value = str(configured) if configured else env_str("PKI_KEY_TYPE", DEFAULT_KEY_TYPE)
    if value not in KEY_TYPES:
        raise ImproperlyConfigured(f"TWOTIER_PKI_KEY_TYPE must be one of {', '.join(KEY_TYPES)}, got {value!r}")
    return value


def trust_anchor_files() -> list[Path]:
    """Return PEM files whose certificates the validator trusts besides the demo root."""
    configured = _setting("TRUST_ANCHORS")
    if configured is not None:
        items = [configured] if isinstance(configured, str | Path) else list(configured)
        return [Path(p) for p in items if str(p)]
    return [Path(p) for p in env_list("PKI_TRUST_ANCHORS", [])]


def trust_demo_root() -> bool:
    """Return whether the demo root CA counts as a trust anchor (turn off in production)."""
    configured = _setting("TRUST_DEMO_ROOT")
    if configured is not None:
        return bool(configured)
    return env_bool("PKI_TRUST_DEMO_ROOT", True)
