"""The stand-in gateway's HTTP server (stdlib ThreadingHTTPServer): API, checkout page, test controls."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from twotier.payments.contract import (
    CANCELLED,
    CREATE_PATH,
    CURRENCY,
    DEFAULT_WINDOW_SECONDS,
    DEMO_MERCHANT_ID,
    DEMO_SECRET,
    EXPIRED,
    FAILED,
    PAID,
    PENDING,
    QUERY_PATH,
    REFERENCE_RE,
    GatewayCode,
    ResultCode,
    format_time,
    from_wire_amount,
    parse_time,
)
from twotier.payments.signing import MessageError, check_fresh, encode, parse_message, signed, stamp, verify
from twotier.payments.standin.delivery import Deliverer
from twotier.payments.standin.page import checkout_page, message_page
from twotier.payments.standin.state import Checkout, Store

MAX_BODY = 64 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def _is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and (host == "localhost" or host.startswith("127."))


class Refused(Exception):
    """A request the stand-in refuses: HTTP status, gateway code, message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class StandinGateway:
    """A stand-in payment gateway speaking the contract of `twotier.payments.contract`; not a real gateway.

    One merchant (id + shared secret). Checkouts live in memory. Bound to loopback only.
    """

    def __init__(
        self,
        *,
        secret: str = DEMO_SECRET,
        merchant_id: str = DEMO_MERCHANT_ID,
        merchant_name: str = "TwoTier (demo)",
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        window: int = DEFAULT_WINDOW_SECONDS,
        retries: int = 3,
        quiet: bool = True,
        clock: Callable[[], float] = time.time,
    ):
        if host not in LOOPBACK_HOSTS and not host.startswith("127."):
            raise ValueError("the stand-in gateway listens on loopback only (127.0.0.1 or localhost)")
        self.secret, self.merchant_id, self.merchant_name = secret, merchant_id, merchant_name
        self.window, self.quiet, self.clock = window, quiet, clock
        self.store = Store()
        self.deliverer = Deliverer(store=self.store, secret=secret, retries=retries, clock=clock)
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self.httpd.daemon_threads = True
        self.url = (public_url or f"http://{host}:{self.httpd.server_address[1]}").rstrip("/")
        self._thread: threading.Thread | None = None

    def start(self) -> StandinGateway:
        """Serve in a background thread (for tests); returns self."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="standin-gateway", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- the merchant API ---------------------------------------------------------------------------------------

    def api(self, path: str, body: bytes) -> tuple[int, dict[str, str]]:
        """Handle a signed API call; success and not-found answers are signed, refusals are not."""
        try:
            params = parse_message(body)
        except MessageError as exc:
            return 400, {"code": GatewayCode.INVALID, "message": str(exc)}
        try:
            if not verify(params, self.secret) or params.get("merchant_id") != self.merchant_id:
                raise Refused(403, GatewayCode.BAD_SIGNATURE, "invalid signature or unknown merchant")
            try:
                check_fresh(params, now=self.clock(), window=self.window)
            except MessageError as exc:
                raise Refused(403, GatewayCode.BAD_SIGNATURE, str(exc)) from exc
            if not self.store.use_nonce(params["nonce"]):
                raise Refused(409, GatewayCode.REPLAY, "nonce already used")
            status, data = self.create(params) if path == CREATE_PATH else self.query(params)
        except Refused as exc:
            return exc.status, {"code": exc.code, "message": exc.message}
        return status, signed(stamp(data, now=self.clock()), self.secret)

    def create(self, params: dict[str, str]) -> tuple[int, dict[str, str]]:
        """Create a checkout, or return the one already created for this reference (idempotent)."""
        reference = params.get("reference", "")
        amount = params.get("amount", "")
        callback_url, return_url = params.get("callback_url", ""), params.get("return_url", "")
        try:
            if not REFERENCE_RE.match(reference):
                raise ValueError("reference must be 1-64 characters [A-Za-z0-9_-]")
            from_wire_amount(amount)
            if params.get("currency") != CURRENCY:
                raise ValueError("currency must be VND")
            if len(params.get("description", "")) > 255:
                raise ValueError("description longer than 255 characters")
            if urlsplit(return_url).scheme not in ("http", "https"):
                raise ValueError("return_url must be an http(s) URL")
            if not _is_loopback_url(callback_url):
                raise ValueError(
                    "callback_url must be an http(s) URL on this machine (the stand-in calls loopback only)"
                )
            expires = parse_time(params["expires_at"]).timestamp() if params.get("expires_at") else None
        except ValueError as exc:
            raise Refused(422, GatewayCode.INVALID, str(exc)) from exc
        with self.store.lock:
            checkout = self.store.by_reference.get((self.merchant_id, reference))
            if checkout is None:
                checkout = Checkout(
                    provider_ref="CK" + secrets.token_hex(8).upper(),
                    merchant_id=self.merchant_id,
                    reference=reference,
                    amount=amount,
                    currency=CURRENCY,
                    description=params.get("description", ""),
                    return_url=return_url,
                    callback_url=callback_url,
                    created_at=self.clock(),
                    expires_at=expires,
                )
                self.store.add(checkout)
            elif checkout.amount != amount or checkout.callback_url != callback_url:
                raise Refused(409, GatewayCode.CONFLICT, "reference already used with another amount or callback URL")
        return 200, {
            "code": GatewayCode.OK,
            "message": "Success",
            "reference": reference,
            "provider_ref": checkout.provider_ref,
            "checkout_url": f"{self.url}/checkout/{checkout.provider_ref}",
            "amount": checkout.amount,
            "status": checkout.status,
        }

    def query(self, params: dict[str, str]) -> tuple[int, dict[str, str]]:
        """The state of one checkout by the merchant's reference."""
        reference = params.get("reference", "")
        checkout = self.store.by_reference.get((self.merchant_id, reference))
        if checkout is None:
            return 404, {"code": GatewayCode.NOT_FOUND, "message": "Not found", "reference": reference}
        with self.store.lock:
            self._expire(checkout)
            return 200, {
                "code": GatewayCode.OK,
                "message": "Success",
                "reference": reference,
                "status": checkout.status,
                "amount": checkout.amount,
                "result_code": checkout.result_code,
                "transaction_no": checkout.transaction_no,
                "paid_at": checkout.paid_at,
            }

    # -- the payer's side -----------------------------------------------------------------------------------------

    def _expire(self, checkout: Checkout) -> None:
        if checkout.status == PENDING and checkout.expires_at is not None and self.clock() > checkout.expires_at:
            checkout.status, checkout.result_code = EXPIRED, ResultCode.TIMEOUT

    def complete(self, checkout: Checkout, action: str) -> bool:
        """Apply the payer's choice and deliver the signed result; False when the checkout was already over."""
        with self.store.lock:
            self._expire(checkout)
            if checkout.status != PENDING:
                return False
            if action == "cancel":
                checkout.status, checkout.result_code = CANCELLED, ResultCode.CANCELLED
            elif self.store.take_fault("fail_payments"):
                checkout.status, checkout.result_code = FAILED, ResultCode.INSUFFICIENT_FUNDS
                checkout.transaction_no = self.store.next_transaction_no()
            else:
                checkout.status, checkout.result_code = PAID, ResultCode.SUCCESS
                checkout.transaction_no = self.store.next_transaction_no()
                checkout.paid_at = format_time(dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC))
        self.deliverer.deliver(checkout)
        return True

    def return_location(self, checkout: Checkout) -> str:
        """The merchant's return URL with the signed result appended (VNPay-style return parameters)."""
        result = signed(
            stamp(
                {
                    "merchant_id": checkout.merchant_id,
                    "reference": checkout.reference,
                    "result_code": checkout.result_code,
                    "status": checkout.status,
                    "amount": checkout.amount,
                    "transaction_no": checkout.transaction_no,
                },
                now=self.clock(),
            ),
            self.secret,
        )
        parts = urlsplit(checkout.return_url)
        query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *result.items()])
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _handler_class(gateway: StandinGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.gateway = gateway
    return Handler


class _Handler(BaseHTTPRequestHandler):
    gateway: StandinGateway
    server_version = "TwoTierStandinGateway/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if not self.gateway.quiet:
            super().log_message(format, *args)

    def _read(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(413, "application/json", b'{"code":"03","message":"body too large"}')
            return None
        return self.rfile.read(length)

    def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, "application/json", json.dumps(data, ensure_ascii=False).encode())

    def _html(self, status: int, html: str) -> None:
        self._send(
            status,
            "text/html; charset=utf-8",
            html.encode(),
            {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"},
        )

    def _checkout(self, path: str) -> Checkout | None:
        provider_ref = path.removeprefix("/checkout/").strip("/")
        checkout = self.gateway.store.by_provider_ref.get(provider_ref)
        if checkout is None:
            self._html(404, message_page("Không tìm thấy giao dịch", "Mã giao dịch không tồn tại (unknown checkout)."))
        return checkout

    def do_GET(self) -> None:
        """Home, health, delivery log, checkout page."""
        path = urlsplit(self.path).path
        gateway = self.gateway
        if path == "/":
            self._html(
                200, message_page("Cổng thanh toán giả lập (stand-in)", "Không phải cổng thật; không có tiền thật.")
            )
        elif path == "/_standin/health":
            self._json(200, {"status": "ok", "merchant_id": gateway.merchant_id})
        elif path == "/_standin/deliveries":
            self._json(200, gateway.store.deliveries_json())
        elif path.startswith("/checkout/"):
            checkout = self._checkout(path)
            if checkout is not None:
                with gateway.store.lock:
                    gateway._expire(checkout)
                self._html(200, checkout_page(checkout, gateway.merchant_name))
        else:
            self._json(404, {"code": GatewayCode.NOT_FOUND, "message": "no such path"})

    def do_POST(self) -> None:
        """The merchant API, the checkout form, and the fault controls."""
        path = urlsplit(self.path).path
        body = self._read()
        if body is None:
            return
        gateway = self.gateway
        if path in (CREATE_PATH, QUERY_PATH):
            status, data = gateway.api(path, body)
            self._send(status, "application/json", encode(data))
        elif path.startswith("/checkout/"):
            self._form(path, body)
        elif path == "/_standin/faults":
            try:
                data = json.loads(body or b"{}")
                if not isinstance(data, dict):
                    raise ValueError("send a JSON object")
                with gateway.store.lock:
                    gateway.store.faults.update(data)
                    faults = dict(gateway.store.faults.__dict__)
            except ValueError as exc:
                self._json(400, {"message": str(exc)})
                return
            self._json(200, faults)
        else:
            self._json(404, {"code": GatewayCode.NOT_FOUND, "message": "no such path"})

    def _form(self, path: str, body: bytes) -> None:
        checkout = self._checkout(path)
        if checkout is None:
            return
        form = parse_qs(body.decode("utf-8", "replace"))
        token = form.get("token", [""])[0]
        action = form.get("action", [""])[0]
        if not hmac.compare_digest(token, checkout.form_token) or action not in ("pay", "cancel"):
            self._html(400, message_page("Yêu cầu không hợp lệ", "Biểu mẫu không hợp lệ (invalid form)."))
            return
        self.gateway.complete(checkout, action)
        self._send(303, "text/plain; charset=utf-8", b"", {"Location": self.gateway.return_location(checkout)})
