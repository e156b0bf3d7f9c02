"""Message signing for the gateway contract: canonical string, HMAC-SHA512, freshness (no Django imports).

The canonical string is VNPay's: every non-empty field except `signature`, sorted by name,
written `name=quote_plus(value)` and joined with `&`. The signature is the lowercase hex
HMAC-SHA512 of that string, keyed with the merchant's shared secret (UTF-8).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from urllib.parse import quote_plus

from twotier.payments.contract import KEY_RE, MAX_FIELDS, MAX_MESSAGE_BYTES, NONCE_RE, SIGNATURE_FIELD


class MessageError(ValueError):
    """A message is malformed (not a flat JSON object of strings, too big, bad timestamp or nonce)."""


def canonical(params: Mapping[str, str]) -> str:
    """The string that is signed: non-empty fields but the signature, sorted, `k=quote_plus(v)` joined by `&`."""
    items = sorted((k, v) for k, v in params.items() if k != SIGNATURE_FIELD and v != "")
    return "&".join(f"{k}={quote_plus(v, encoding='utf-8')}" for k, v in items)


def hmac_sha512_hex(secret: str, message: str) -> str:
    """Lowercase hex HMAC-SHA512 of `message` keyed with `secret` (both UTF-8)."""
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha512).hexdigest()


def sign(params: Mapping[str, str], secret: str) -> str:
    """The signature of `params`."""
    return hmac_sha512_hex(secret, canonical(params))


def signed(params: Mapping[str, str], secret: str) -> dict[str, str]:
    """A copy of `params` with its `signature` field set."""
    out = {k: v for k, v in params.items() if k != SIGNATURE_FIELD}
    out[SIGNATURE_FIELD] = sign(out, secret)
    return out


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether `params` carries a valid signature for `secret` (constant-time comparison)."""
    given = params.get(SIGNATURE_FIELD, "")
    if not isinstance(given, str) or len(given) != 128:
        return False
    return hmac.compare_digest(given.lower(), sign(params, secret))


def new_nonce() -> str:
    """A fresh random nonce (32 hex characters)."""
    return secrets.token_hex(16)


def stamp(params: Mapping[str, str], *, now: float) -> dict[str, str]:
    """A copy of `params` with a fresh `timestamp` (Unix seconds) and `nonce`."""
    return {**params, "timestamp": str(int(now)), "nonce": new_nonce()}


def parse_message(body: bytes) -> dict[str, str]:
    """Parse a message body: a flat JSON object of string values with lowercase snake_case names."""
    if len(body) > MAX_MESSAGE_BYTES:
        raise MessageError(f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MessageError("message is not UTF-8 JSON") from exc
    if not isinstance(data, dict):
        raise MessageError("message must be a JSON object")
    if len(data) > MAX_FIELDS:
        raise MessageError(f"message has more than {MAX_FIELDS} fields")
    for key, value in data.items():
        if not KEY_RE.match(key):
            raise MessageError(f"field name {key[:40]!r} is not lowercase snake_case")
        if not isinstance(value, str):
            raise MessageError(f"field {key!r} must be a string")
    return data


def check_fresh(params: Mapping[str, str], *, now: float, window: int) -> None:
    """Raise MessageError unless `timestamp` is within `window` seconds of `now` and `nonce` is well-formed."""
    timestamp = params.get("timestamp", "")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise MessageError("timestamp must be Unix seconds")
    if abs(now - int(timestamp)) > window:
        raise MessageError(f"timestamp is outside the accepted window of {window} seconds")
    if not NONCE_RE.match(params.get("nonce", "")):
        raise MessageError("nonce must be 16-64 characters [A-Za-z0-9_-]")


def encode(params: Mapping[str, str]) -> bytes:
    """The JSON body of a message (UTF-8, compact)."""
    return json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
