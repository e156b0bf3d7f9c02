"""The gateway contract shared by the HTTP client and the stand-in server (no Django imports).

Every message in either direction is a flat JSON object of string values, signed VNPay-style:
HMAC-SHA512 over the canonical parameter string (see `twotier.payments.signing`). Amounts travel
as VND × 100 (VNPay's `vnp_Amount` convention); times as `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh;
`timestamp` (Unix seconds) and `nonce` are signed fields of every message. docs/payments.md is
the readable version of this module.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

# Demo values: public on purpose, they protect nothing but the embedded demo and the stand-in.
DEMO_MERCHANT_ID = "TWOTIER-DEMO"
DEMO_SECRET = "twotier-demo-payment-secret-NOT-SECRET"  # noqa: S105 (public demo value, documented)
DEFAULT_STANDIN_PORT = 8766

SIGNATURE_FIELD = "signature"
ALGORITHM = "HMAC-SHA512"
AMOUNT_FACTOR = 100  # amounts on the wire are VND × 100
CURRENCY = "VND"
TIME_FORMAT = "%Y%m%d%H%M%S"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_WINDOW_SECONDS = 300
MAX_MESSAGE_BYTES = 16 * 1024
MAX_FIELDS = 40

REFERENCE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Paths of the gateway's server-to-server API.
CREATE_PATH = "/api/v1/checkouts"
QUERY_PATH = "/api/v1/query"


class ResultCode:
    """Payment result codes carried by callbacks and queries (VNPay `vnp_ResponseCode` values)."""

    SUCCESS = "00"
    TIMEOUT = "11"
    CANCELLED = "24"
    INSUFFICIENT_FUNDS = "51"
    OTHER = "99"


class GatewayCode:
    """`code` of the gateway's answers to create and query."""

    OK = "00"
    NOT_FOUND = "01"
    CONFLICT = "02"
    INVALID = "03"
    BAD_SIGNATURE = "97"
    REPLAY = "98"
    ERROR = "99"


class AckCode:
    """`RspCode` of the merchant's answer to a callback (VNPay IPN codes, plus 98 for a replayed nonce)."""

    CONFIRMED = "00"
    NOT_FOUND = "01"
    ALREADY = "02"
    BAD_AMOUNT = "04"
    BAD_SIGNATURE = "97"
    REPLAY = "98"
    MALFORMED = "99"


# Payment states reported by the gateway's query endpoint.
PENDING, PAID, FAILED, CANCELLED, EXPIRED, NOT_FOUND = "pending", "paid", "failed", "cancelled", "expired", "not_found"
STATES = (PENDING, PAID, FAILED, CANCELLED, EXPIRED)


def status_of_result(result_code: str) -> str:
    """Map a payment result code to paid / cancelled / failed."""
    if result_code == ResultCode.SUCCESS:
        return PAID
    if result_code == ResultCode.CANCELLED:
        return CANCELLED
    return FAILED


def to_wire_amount(amount_vnd: int) -> str:
    """VND → the wire amount (VND × 100) as a string."""
    if amount_vnd <= 0:
        raise ValueError("amount must be positive")
    return str(amount_vnd * AMOUNT_FACTOR)


def from_wire_amount(value: str) -> int:
    """The wire amount (VND × 100) → VND; raise ValueError unless a positive whole number of VND."""
    if not value.isdigit() or len(value) > 18:
        raise ValueError("amount must be digits")
    number = int(value)
    if number <= 0 or number % AMOUNT_FACTOR:
        raise ValueError("amount must be a positive multiple of 100 (VND × 100)")
    return number // AMOUNT_FACTOR


def format_time(at: dt.datetime) -> str:
    """A datetime → `yyyyMMddHHmmss` in Vietnam time."""
    return at.astimezone(VN_TZ).strftime(TIME_FORMAT)


def parse_time(value: str) -> dt.datetime:
    """`yyyyMMddHHmmss` in Vietnam time → an aware datetime (ValueError when malformed)."""
    if len(value) != 14 or not value.isdigit():
        raise ValueError("time must be yyyyMMddHHmmss")
    return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=VN_TZ)
