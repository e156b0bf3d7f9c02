"""Signature code against fixed vectors (cross-checked with `openssl dgst -sha512 -hmac`)."""

import pytest

from twotier.payments.contract import (
    DEMO_SECRET,
    from_wire_amount,
    parse_time,
    status_of_result,
    to_wire_amount,
)
from twotier.payments.signing import (
    MessageError,
    canonical,
    check_fresh,
    encode,
    hmac_sha512_hex,
    parse_message,
    sign,
    signed,
    verify,
)

VECTOR = {
    "merchant_id": "TWOTIER-DEMO",
    "reference": "TT0123456789ABCDEF",
    "amount": "3000000",
    "currency": "VND",
    "description": "Thanh toán lệ phí hồ sơ 000.08.30.H12-260302-0001",
    "return_url": "http://127.0.0.1:8000/?a=1&b=2",
    "expires_at": "",
    "timestamp": "1772416800",
    "nonce": "00112233445566778899aabbccddeeff",
    "signature": "ignored",
}
CANONICAL = (
    "amount=3000000&currency=VND"
    "&description=Thanh+to%C3%A1n+l%E1%BB%87+ph%C3%AD+h%E1%BB%93+s%C6%A1+000.08.30.H12-260302-0001"
    "&merchant_id=TWOTIER-DEMO&nonce=00112233445566778899aabbccddeeff&reference=TT0123456789ABCDEF"
    "&return_url=http%3A%2F%2F127.0.0.1%3A8000%2F%3Fa%3D1%26b%3D2&timestamp=1772416800"
)
SIGNATURE = (
    "fcc96076099944b28b679350fab93808770e4bc1a2f2a1d48aba67454797f90a"
    "272d4e97ee4ad70389c3251eb18205feaac61c1aa8dad44501e2471ba52fd74f"
)


def test_hmac_sha512_matches_rfc_4231_test_case_2():
    assert hmac_sha512_hex("Jefe", "what do ya want for nothing?") == (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    )


def test_canonical_string_sorts_skips_empty_and_signature_and_quotes_utf8():
    assert canonical(VECTOR) == CANONICAL


def test_signature_of_the_fixed_vector():
    assert sign(VECTOR, DEMO_SECRET) == SIGNATURE
    message = signed(VECTOR, DEMO_SECRET)
    assert message["signature"] == SIGNATURE and verify(message, DEMO_SECRET)
    assert verify({**message, "signature": SIGNATURE.upper()}, DEMO_SECRET)


@pytest.mark.parametrize(
    "tamper",
    [
        {"amount": "3000100"},
        {"description": "Thanh toán lệ phí hồ sơ 000.08.30.H12-260302-0002"},
        {"nonce": "00112233445566778899aabbccddeefe"},
        {"extra": "x"},
        {"signature": SIGNATURE[:-1] + "0"},
        {"signature": ""},
    ],
    ids=["amount", "description", "nonce", "added_field", "signature_bit", "no_signature"],
)
def test_any_change_breaks_the_signature(tamper):
    message = signed(VECTOR, DEMO_SECRET)
    assert not verify({**message, **tamper}, DEMO_SECRET)


def test_wrong_secret_fails():
    assert not verify(signed(VECTOR, DEMO_SECRET), DEMO_SECRET + "x")


def test_an_empty_field_is_the_same_as_an_absent_one():
    without = {k: v for k, v in VECTOR.items() if k != "expires_at"}
    assert sign(without, DEMO_SECRET) == SIGNATURE


def test_parse_message_round_trip_and_refusals():
    message = signed(VECTOR, DEMO_SECRET)
    assert parse_message(encode(message)) == message
    for body, reason in (
        (b"not json", "UTF-8 JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"amount": 3000000}', "must be a string"),
        (b'{"Amount": "1"}', "snake_case"),
        (b'{"a": "' + b"x" * 17000 + b'"}', "larger than"),
        (b"\xff\xfe", "UTF-8 JSON"),
    ):
        with pytest.raises(MessageError, match=reason):
            parse_message(body)


def test_freshness_window_and_nonce_shape():
    params = {"timestamp": "1772416800", "nonce": "00112233445566778899aabbccddeeff"}
    check_fresh(params, now=1772416800 + 300, window=300)
    check_fresh(params, now=1772416800 - 300, window=300)
    with pytest.raises(MessageError, match="outside the accepted window"):
        check_fresh(params, now=1772416800 + 301, window=300)
    with pytest.raises(MessageError, match="Unix seconds"):
        check_fresh({**params, "timestamp": "2026-03-02"}, now=1772416800, window=300)
    with pytest.raises(MessageError, match="nonce"):
        check_fresh({**params, "nonce": "short"}, now=1772416800, window=300)


def test_amounts_travel_as_vnd_times_100_and_result_codes_map_to_states():
    assert to_wire_amount(30000) == "3000000"
    assert from_wire_amount("3000000") == 30000
    for bad in ("3000050", "0", "-100", "30.000", ""):
        with pytest.raises(ValueError):
            from_wire_amount(bad)
    with pytest.raises(ValueError):
        to_wire_amount(0)
    assert [status_of_result(c) for c in ("00", "24", "51", "11", "99")] == [
        "paid",
        "cancelled",
        "failed",
        "failed",
        "failed",
    ]
    assert parse_time("20260302091500").isoformat() == "2026-03-02T09:15:00+07:00"
