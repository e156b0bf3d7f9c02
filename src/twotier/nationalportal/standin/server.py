"""A STAND-IN for the National Public Service Portal's dossier-sync service, for tests, demos and benchmarks.

It is not the national portal and knows nothing of it beyond the contract in docs/national-portal.md:
session login, DongBoHoSoMC (upsert by MaHoSo), CapNhatTienDoHoSoMC (once per MaHoSo+STT), plus
read-back and fault-injection endpoints under /_standin and /_control that the real one does not have.
It listens on loopback only and stores what it receives in its own SQLite file.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from twotier.nationalportal.standin.faults import FaultSwitch, parse_fault
from twotier.nationalportal.standin.store import Store
from twotier.nationalportal.standin.validation import check_progress, check_upsert

logger = logging.getLogger("twotier.nationalportal.standin")

LOGIN_PATH = "/api/auth/login"
SERVICE_PATHS = {"/api/hoso/DongBoHoSoMC": "DongBoHoSoMC", "/api/hoso/CapNhatTienDoHoSoMC": "CapNhatTienDoHoSoMC"}
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_RECORDS = 1000


class StandinHTTPServer(ThreadingHTTPServer):
    """The HTTP server with the stand-in's state: store, accounts, sessions and the fault switch."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], *, store: Store, username: str, password: str, token_ttl: int):
        super().__init__(address, StandinHandler)
        self.store = store
        self.username = username
        self.password = password
        self.token_ttl = token_ttl
        self.faults = FaultSwitch()
        self.sessions: dict[str, float] = {}
        self.logins = 0
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request (e.g. a client that gave up during an injected delay) without a traceback dump."""
        logger.debug("request from %s failed", client_address, exc_info=True)

    def issue_session(self) -> str:
        """A new session token valid for `token_ttl` seconds."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[token] = time.monotonic() + self.token_ttl
            self.logins += 1
        return token

    def session_state(self, token: str) -> str:
        """ "ok", "expired" or "invalid" for a presented token."""
        with self.lock:
            expires = self.sessions.get(token)
        if expires is None:
            return "invalid"
        return "ok" if time.monotonic() < expires else "expired"

    def expire_sessions(self) -> None:
        """Make every issued token expired (the client must log in again)."""
        with self.lock:
            self.sessions = dict.fromkeys(self.sessions, 0.0)


class StandinHandler(BaseHTTPRequestHandler):
    """Routes of the stand-in: the portal contract, read-back, and control."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # answers are small: without this, delayed ACKs cost ~40 ms per call
    server_version = "TwoTierPortalStandin/1"
    server: StandinHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Log requests at debug level only (the benchmark sends thousands)."""
        logger.debug("%s " + format, self.address_string(), *args)

    # -- plumbing -----------------------------------------------------------------------------
    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error_code": code, "message": message}, headers)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("body too large")
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    # -- routes -------------------------------------------------------------------------------
    def do_GET(self) -> None:
        """Read-back endpoints (stand-in only)."""
        path = self.path.split("?", 1)[0]
        if path == "/_standin/health":
            self._send(200, {"status": "ok", "standin": True})
        elif path == "/_standin/stats":
            self._send(
                200, {**self.server.store.stats(), "logins": self.server.logins, "fault": self.server.faults.describe()}
            )
        elif path.startswith("/_standin/hoso/"):
            self._send(200, self.server.store.dossier(unquote(path.removeprefix("/_standin/hoso/"))))
        else:
            self._error(404, "NOT_FOUND", f"no such endpoint: GET {path}")

    def do_POST(self) -> None:
        """The portal contract and the control endpoints."""
        path = self.path.split("?", 1)[0]
        try:
            body = self._body()
        except (ValueError, UnicodeDecodeError) as exc:
            self._error(400, "BAD_REQUEST", f"body is not valid JSON: {exc}")
            return
        if path == LOGIN_PATH:
            self._login(body)
        elif path in SERVICE_PATHS:
            self._service(SERVICE_PATHS[path], body)
        elif path == "/_control":
            self._control(body)
        elif path == "/_control/reset":
            self.server.store.reset()
            self.server.faults.set(None)
            self._send(200, {"error_code": "0", "message": "reset"})
        else:
            self._error(404, "NOT_FOUND", f"no such endpoint: POST {path}")

    def _login(self, body: Any) -> None:
        if not isinstance(body, dict):
            self._error(400, "BAD_REQUEST", "body must be a JSON object")
            return
        user_ok = secrets.compare_digest(str(body.get("username", "")), self.server.username)
        pass_ok = secrets.compare_digest(str(body.get("password", "")), self.server.password)
        if not (user_ok and pass_ok):
            self._error(401, "LOGIN_FAILED", "wrong agency username or password")
            return
        token = self.server.issue_session()
        self._send(200, {"error_code": "0", "message": "OK", "session": token, "expires_in": self.server.token_ttl})

    def _service(self, service: str, body: Any) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        state = self.server.session_state(token)
        if state != "ok":
            code = "SESSION_EXPIRED" if state == "expired" else "SESSION_INVALID"
            self._error(401, code, f"session {state}: log in again")
            return
        records = body.get("data") if isinstance(body, dict) else None
        if not isinstance(records, list) or not records:
            self._error(400, "BAD_REQUEST", "data: a non-empty list of records is required")
            return
        if len(records) > MAX_RECORDS:
            self._error(413, "TOO_MANY_RECORDS", f"data: at most {MAX_RECORDS} records per call")
            return
        fault = self.server.faults.draw(service)
        if fault is not None and fault.mode != "timeout":
            self.server.store.log_call(service, len(records), fault.status or 0, fault.mode)
            if fault.mode == "disconnect":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            self._error(fault.status or 500, "INJECTED_FAILURE", f"stand-in: injected HTTP {fault.mode}", headers)
            return
        results = self._apply(service, records)
        self.server.store.log_call(service, len(records), 200, "timeout" if fault else "")
        if fault is not None:  # processed, but the answer comes too late: the client must retry safely
            time.sleep(fault.delay_seconds)
        refused = sum(1 for r in results if r["error_code"] != "0")
        self._send(
            200,
            {"error_code": "0", "message": f"processed {len(records)} records, {refused} refused", "results": results},
        )

    def _apply(self, service: str, records: list[Any]) -> list[dict[str, Any]]:
        """Check each record, store the acceptable ones in order, and say what happened to each."""
        check = check_upsert if service == "DongBoHoSoMC" else check_progress
        problems = [check(r) for r in records]
        accepted = [r for r, p in zip(records, problems, strict=True) if p is None]
        unknown: set[str] = set()
        if service == "CapNhatTienDoHoSoMC":
            codes = {r["MaHoSo"] for r in accepted}
            unknown = codes - self.server.store.known(codes)
            accepted = [r for r in accepted if r["MaHoSo"] not in unknown]
        stored = (
            self.server.store.upsert(accepted) if service == "DongBoHoSoMC" else self.server.store.progress(accepted)
        )
        outcomes = iter(stored)
        results = []
        for record, problem in zip(records, problems, strict=True):
            ref = {"MaHoSo": record.get("MaHoSo")} if isinstance(record, dict) else {}
            if service == "CapNhatTienDoHoSoMC" and isinstance(record, dict):
                ref["STT"] = record.get("STT")
            if problem is not None:
                results.append({**ref, "error_code": "INVALID_FIELD", "message": problem})
            elif service == "CapNhatTienDoHoSoMC" and record["MaHoSo"] in unknown:
                results.append({**ref, "error_code": "HOSO_NOT_FOUND", "message": "send DongBoHoSoMC first"})
            else:
                results.append({**ref, "error_code": "0", "message": next(outcomes)})
        return results

    def _control(self, body: Any) -> None:
        if not isinstance(body, dict):
            self._error(400, "BAD_REQUEST", "body must be a JSON object")
            return
        try:
            if body.get("clear"):
                self.server.faults.set(None)
            elif "mode" in body or "fail_rate" in body:
                self.server.faults.set(parse_fault(body))
            if body.get("token_ttl") is not None:
                ttl = int(body["token_ttl"])
                if ttl < 1:
                    raise ValueError("token_ttl: at least 1 second")
                self.server.token_ttl = ttl
        except (TypeError, ValueError) as exc:
            self._error(400, "BAD_REQUEST", str(exc))
            return
        if body.get("expire_sessions"):
            self.server.expire_sessions()
        self._send(
            200,
            {
                "error_code": "0",
                "message": "OK",
                "fault": self.server.faults.describe(),
                "token_ttl": self.server.token_ttl,
            },
        )


def require_loopback(host: str) -> None:
    """Refuse to listen anywhere but on this machine: the stand-in has unauthenticated control endpoints."""
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot resolve {host!r}: {exc}") from exc
    if not address.is_loopback:
        raise ValueError(f"the stand-in portal listens on loopback only, not {host!r}")


class StandinPortal:
    """The stand-in portal server, runnable in a thread (tests) or in the foreground (its own process)."""

    def __init__(
        self,
        *,
        db_path: str,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "standin",
        password: str = "standin",  # noqa: S107 - the stand-in's demo credentials
        token_ttl: int = 3600,
    ):
        require_loopback(host)
        self.store = Store(db_path)
        self.httpd = StandinHTTPServer(
            (host, port), store=self.store, username=username, password=password, token_ttl=token_ttl
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL clients use."""
        host, port = self.httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def serve_forever(self) -> None:
        """Serve until `stop()` or a keyboard interrupt."""
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> StandinPortal:
        """Serve in a background thread and return self."""
        self._thread = threading.Thread(target=self.serve_forever, name="portal-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket and the file."""
        if self._thread is not None:  # shutdown() waits for a serve_forever loop: only when one runs
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()
        self.store.close()

    def __enter__(self) -> StandinPortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
