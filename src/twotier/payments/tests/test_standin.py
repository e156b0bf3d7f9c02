"""The stand-in gateway over real HTTP, driven by the real client; callbacks land on a small loopback receiver."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from twotier.payments.contract import AckCode
from twotier.payments.provider import CallbackRejected, HttpGatewayProvider, ProviderError
from twotier.payments.signing import encode, signed, stamp, verify
from twotier.payments.standin import StandinGateway
from twotier.payments.standin.__main__ import parse_args
from twotier.payments.tests.helpers import MERCHANT, SECRET, checkout_form, http, post_json, submit_checkout


class Receiver:
    """A merchant callback endpoint on loopback that records what it gets and answers with scripted statuses."""

    def __init__(self, statuses: list[int] | None = None):
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # type: ignore[no-untyped-def]
                pass

            def do_POST(self):  # type: ignore[no-untyped-def]
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                data = json.dumps({"RspCode": "00" if status == 200 else "99", "Message": "x"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/callback"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def messages(self) -> list[dict[str, str]]:
        return [json.loads(body) for _headers, body in self.received]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def client(gateway: StandinGateway) -> HttpGatewayProvider:
    return HttpGatewayProvider(base_url=gateway.url, merchant_id=MERCHANT, secret=SECRET, timeout=5)


def _create(client: HttpGatewayProvider, receiver: Receiver, reference: str = "TT0001", amount: int = 30000):
    return client.create_checkout(
        reference,
        amount,
        "Thanh toan le phi ho so 000.08.30.H12-260302-0001",
        "http://127.0.0.1:8000/?x=1",
        receiver.url,
    )


def _faults(gateway: StandinGateway, **faults: object) -> None:
    assert post_json(gateway.url + "/_standin/faults", faults).status == 200


def _pay(url: str, action: str = "pay") -> int:
    return submit_checkout(url, action).status


def test_create_is_idempotent_by_reference_and_refuses_a_changed_amount(client, receiver):
    first = _create(client, receiver)
    again = _create(client, receiver)
    assert first == again and first.url.endswith("/checkout/" + first.provider_ref)
    with pytest.raises(ProviderError) as exc:
        _create(client, receiver, amount=40000)
    assert exc.value.code == "02" and exc.value.http_status == 409


def test_create_refuses_a_wrong_secret_a_non_loopback_callback_and_a_replayed_nonce(gateway, client, receiver):
    forged = HttpGatewayProvider(base_url=gateway.url, merchant_id=MERCHANT, secret="wrong", timeout=5)
    with pytest.raises(ProviderError) as exc:
        _create(forged, receiver)
    assert exc.value.code == "97" and exc.value.http_status == 403
    with pytest.raises(ProviderError) as exc:
        client.create_checkout("TT0002", 1000, "x", "http://127.0.0.1:8000/", "http://192.0.2.1/callback")
    assert exc.value.code == "03" and "loopback" in str(exc.value)
    unsigned = encode(stamp({"merchant_id": MERCHANT, "reference": "TT0001"}, now=time.time()))
    assert gateway.api("/api/v1/query", unsigned) == (
        403,
        {"code": "97", "message": "invalid signature or unknown merchant"},
    )
    message = encode(signed(stamp({"merchant_id": MERCHANT, "reference": "TT0001"}, now=time.time()), SECRET))
    assert gateway.api("/api/v1/query", message)[0] == 404
    assert gateway.api("/api/v1/query", message) == (409, {"code": "98", "message": "nonce already used"})
    assert gateway.store.by_reference.keys() == set()


def test_unreachable_gateway_is_a_provider_error():
    client = HttpGatewayProvider(base_url="http://127.0.0.1:9", merchant_id=MERCHANT, secret=SECRET, timeout=2)
    with pytest.raises(ProviderError, match="unreachable"):
        client.query("TT0001")


def test_checkout_page_is_vietnamese_accessible_and_escaped(gateway, client, receiver):
    session = client.create_checkout(
        "TT0003", 30000, '<script>alert("x")</script>', "http://127.0.0.1:8000/", receiver.url
    )
    html, token = checkout_form(session.url)
    assert '<html lang="vi">' in html
    assert "Thanh toán thử nghiệm — stand-in, không phải cổng thật" in html
    assert "30.000 ₫" in html and "TT0003" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'value="pay"' in html and 'value="cancel"' in html and token


def test_pay_delivers_a_signed_callback_then_redirects_with_a_signed_result(gateway, client, receiver):
    session = _create(client, receiver)
    reply = submit_checkout(session.url, "pay")
    assert reply.status == 303
    location = reply.headers["Location"]
    back = dict(parse_qsl(urlsplit(location).query))
    assert location.startswith("http://127.0.0.1:8000/?x=1&") and back["result_code"] == "00"
    assert back.pop("x") == "1"  # the merchant's own parameter is kept, outside the signature
    assert verify(back, SECRET) and back["status"] == "paid"
    [(headers, body)] = receiver.received
    result = client.verify_callback(headers, body)
    assert (result.reference, result.status, result.amount_vnd, result.result_code) == ("TT0001", "paid", 30000, "00")
    assert result.provider_transaction and result.paid_at is not None
    state = client.query("TT0001")
    assert (state.status, state.amount_vnd, state.provider_transaction) == ("paid", 30000, result.provider_transaction)
    # The checkout is over: the page has no buttons and nothing more is sent.
    html, token = checkout_form(session.url)
    assert "Đã thanh toán" in html and token == ""
    assert len(receiver.received) == 1


def test_cancel_and_failed_payment_results(gateway, client, receiver):
    cancelled = _create(client, receiver, "TT0010")
    assert _pay(cancelled.url, "cancel") == 303
    _faults(gateway, fail_payments=1)
    failed = _create(client, receiver, "TT0011")
    assert _pay(failed.url) == 303
    codes = [(m["reference"], m["result_code"]) for m in receiver.messages()]
    assert codes == [("TT0010", "24"), ("TT0011", "51")]
    assert client.query("TT0010").status == "cancelled" and client.query("TT0011").status == "failed"
    assert client.query("TT9999").status == "not_found"


def test_a_forged_form_is_refused(client, receiver):
    session = _create(client, receiver)
    form = b"token=not-the-token&action=pay"
    reply = http("POST", session.url, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 400
    assert receiver.received == [] and client.query("TT0001").status == "pending"


def test_fault_duplicate_same_and_fresh(gateway, client, receiver):
    _faults(gateway, duplicate="same")
    _pay(_create(client, receiver, "TT0020").url)
    _faults(gateway, duplicate="fresh")
    _pay(_create(client, receiver, "TT0021").url)
    first, replay, second, renotified = receiver.messages()
    assert first == replay
    assert second["nonce"] != renotified["nonce"] and second["transaction_no"] == renotified["transaction_no"]


def test_fault_drop_then_query_tells_the_truth(gateway, client, receiver):
    _faults(gateway, drop_callbacks=1)
    _pay(_create(client, receiver).url)
    assert receiver.received == [] and client.query("TT0001").status == "paid"
    assert http("GET", gateway.url + "/_standin/deliveries").json()[0]["error"] == "dropped (fault injection)"


def test_fault_delay_delivers_after_the_redirect(gateway, client, receiver):
    _faults(gateway, callback_delay=0.5)
    session = _create(client, receiver)
    started = time.monotonic()
    assert _pay(session.url) == 303
    assert receiver.received == []
    deadline = time.monotonic() + 5
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.received and time.monotonic() - started >= 0.5


def test_fault_bad_signature_is_rejected_by_the_client(gateway, client, receiver):
    _faults(gateway, bad_signature=True)
    _pay(_create(client, receiver).url)
    [(headers, body)] = receiver.received
    with pytest.raises(CallbackRejected) as exc:
        client.verify_callback(headers, body)
    assert exc.value.http_status == 403 and exc.value.ack_code == AckCode.BAD_SIGNATURE


def test_unknown_faults_are_refused(gateway):
    assert post_json(gateway.url + "/_standin/faults", {"explode": True}).status == 400
    assert post_json(gateway.url + "/_standin/faults", {"duplicate": "twice"}).status == 400
    assert post_json(gateway.url + "/_standin/faults", {"drop_callbacks": -1}).status == 400


def test_callback_is_retried_on_a_server_error(gateway, client):
    flaky = Receiver(statuses=[503])
    try:
        _pay(_create(client, flaky).url)
        assert len(flaky.received) == 2 and flaky.received[0][1] == flaky.received[1][1]
        attempts = [(d["attempt"], d["http_status"]) for d in gateway.store.deliveries_json()]
        assert attempts == [(1, 503), (2, 200)]
    finally:
        flaky.stop()


def test_expired_checkout_cannot_be_paid(gateway, client, receiver):
    session = client.create_checkout(
        "TT0030",
        30000,
        "x",
        "http://127.0.0.1:8000/",
        receiver.url,
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
    )
    html, token = checkout_form(session.url)
    assert "hết hạn" in html and token == ""
    assert client.query("TT0030").status == "expired" and receiver.received == []


def test_the_stand_in_listens_on_loopback_only_and_the_cli_parses():
    with pytest.raises(ValueError, match="loopback"):
        StandinGateway(host="0.0.0.0")  # noqa: S104 (the refusal is what is tested)
    args = parse_args(["--port", "0", "--secret", "s", "--duplicate", "same", "--callback-delay", "1.5"])
    assert (args.port, args.secret, args.duplicate, args.callback_delay, args.host) == (
        0,
        "s",
        "same",
        1.5,
        "127.0.0.1",
    )
