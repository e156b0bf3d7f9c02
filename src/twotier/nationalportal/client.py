"""Client of the National Public Service Portal's dossier-sync service (contract: docs/national-portal.md).

Session login with the agency's credentials, the token in `Authorization: Bearer`, one re-login when
the portal says the session expired, JSON bodies `{"service", "madonvi", "data": [records]}` and
answers `{"error_code", "message", "results": [...]}` with one result per record, in order.
Standard-library `http.client` with a kept-alive connection (measured faster than httpx here, and
no extra dependency); every socket operation has a timeout.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from twotier.nationalportal.conf import PortalConf

LOGIN_PATH = "/api/auth/login"
SERVICE_PATHS = {
    "DongBoHoSoMC": "/api/hoso/DongBoHoSoMC",
    "CapNhatTienDoHoSoMC": "/api/hoso/CapNhatTienDoHoSoMC",
}
OK_CODES = frozenset({"0", 0})
SESSION_CODES = frozenset({"SESSION_EXPIRED", "SESSION_INVALID", "TOKEN_EXPIRED"})
# Record-level codes that a later attempt may clear (everything else refused is permanent).
RETRYABLE_RECORD_CODES = frozenset({"HOSO_NOT_FOUND", "BUSY", "TEMPORARILY_UNAVAILABLE"})
RETRYABLE_HTTP = frozenset({401, 408, 429})


class PortalError(Exception):
    """A call failed as a whole: `permanent` says whether sending the same again can ever succeed."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        code: str = "",
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.permanent = permanent
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class RecordResult:
    """What the portal said about one record of a call."""

    ok: bool
    code: str
    message: str

    @property
    def retryable(self) -> bool:
        """Whether a refused record may be accepted on a later attempt."""
        return self.code in RETRYABLE_RECORD_CODES


@dataclass(frozen=True)
class _Answer:
    status: int
    data: Any
    retry_after: float | None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _describe(answer: _Answer) -> tuple[str, str]:
    data = answer.data if isinstance(answer.data, dict) else {}
    code = str(data.get("error_code", ""))
    message = str(data.get("message", "")) or (str(answer.data)[:200] if answer.data else "")
    return code, message


class PortalClient:
    """One kept-alive connection and one session to the portal; not thread-safe (one per worker thread)."""

    def __init__(self, conf: PortalConf):
        self.conf = conf
        parts = urlsplit(conf.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._conn: http.client.HTTPConnection | None = None
        self._token: str | None = None
        self.logins = 0

    # -- transport ------------------------------------------------------------------------------
    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.conf.timeout)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.conf.timeout)

    def close(self) -> None:
        """Close the connection (the session token is kept for the next call)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _post(self, path: str, body: dict[str, Any], *, token: str | None) -> _Answer:
        """POST JSON; a kept-alive connection the server had closed is reopened once (every call is idempotent)."""
        blob = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            reused = self._conn is not None
            if self._conn is None:
                self._conn = self._connect()
            try:
                self._conn.request("POST", self._prefix + path, body=blob, headers=headers)
                response = self._conn.getresponse()
                raw = response.read()
            except TimeoutError as exc:
                self.close()  # the late answer would arrive on this connection: never reuse it
                raise PortalError(f"timeout after {self.conf.timeout:g}s on {path}", permanent=False) from exc
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if reused and attempt == 1:
                    continue
                raise PortalError(f"connection closed by the portal on {path}: {exc!r}", permanent=False) from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise PortalError(f"cannot reach the portal at {self.conf.base_url}: {exc!r}", permanent=False) from exc
            if response.will_close:
                self.close()
            try:
                data = json.loads(raw) if raw else None
            except ValueError:
                data = raw[:200].decode(errors="replace")
            return _Answer(response.status, data, _retry_after(response.getheader("Retry-After")))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- contract -------------------------------------------------------------------------------
    def login(self) -> None:
        """Log in with the agency credentials and keep the session token."""
        self._token = None
        answer = self._post(LOGIN_PATH, {"username": self.conf.username, "password": self.conf.password}, token=None)
        code, message = _describe(answer)
        data = answer.data if isinstance(answer.data, dict) else {}
        if answer.status == 200 and data.get("error_code") in OK_CODES and data.get("session"):
            self._token = str(data["session"])
            self.logins += 1
            return
        # A refused login is retried with backoff: the credentials may be fixed or the portal recover.
        raise PortalError(
            f"login refused: HTTP {answer.status} {code}: {message}".strip(),
            permanent=False,
            status=answer.status,
            code=code,
        )

    def _session_refused(self, answer: _Answer) -> bool:
        code, _message = _describe(answer)
        return answer.status == 401 or code in SESSION_CODES

    def call(self, service: str, records: list[dict[str, Any]]) -> list[RecordResult]:
        """Send `records` to `service`; one result per record, in order. Raises PortalError when the call fails."""
        path = SERVICE_PATHS[service]
        body = {"service": service, "madonvi": self.conf.agency_code, "data": records}
        if self._token is None:
            self.login()
        answer = self._post(path, body, token=self._token)
        if self._session_refused(answer):
            self.login()  # the token expired or the portal restarted: log in again, once
            answer = self._post(path, body, token=self._token)
            if self._session_refused(answer):
                code, message = _describe(answer)
                raise PortalError(f"session refused after re-login: {code} {message}", permanent=False, status=401)
        return self._results(answer, len(records))

    def sync_dossiers(self, records: list[dict[str, Any]]) -> list[RecordResult]:
        """DongBoHoSoMC: upsert whole dossier documents by MaHoSo."""
        return self.call("DongBoHoSoMC", records)

    def update_progress(self, records: list[dict[str, Any]]) -> list[RecordResult]:
        """CapNhatTienDoHoSoMC: progress events, once per MaHoSo+STT."""
        return self.call("CapNhatTienDoHoSoMC", records)

    @staticmethod
    def _results(answer: _Answer, expected: int) -> list[RecordResult]:
        code, message = _describe(answer)
        label = f"HTTP {answer.status} {code}: {message}".strip()
        if answer.status >= 500 or answer.status in RETRYABLE_HTTP:
            raise PortalError(label, permanent=False, status=answer.status, code=code, retry_after=answer.retry_after)
        if 400 <= answer.status < 500:
            raise PortalError(label, permanent=True, status=answer.status, code=code)
        if not 200 <= answer.status < 300:
            raise PortalError(f"unexpected answer: {label}", permanent=False, status=answer.status, code=code)
        data = answer.data if isinstance(answer.data, dict) else None
        if data is None:
            raise PortalError(f"unreadable answer: {label}", permanent=False, status=answer.status)
        if data.get("error_code") not in OK_CODES:
            retry = code in RETRYABLE_RECORD_CODES or code in SESSION_CODES
            raise PortalError(f"call refused: {label}", permanent=not retry, status=answer.status, code=code)
        results = data.get("results")
        if not isinstance(results, list) or len(results) != expected:
            raise PortalError(
                f"answer has {len(results) if isinstance(results, list) else 'no'} results for {expected} records",
                permanent=False,
                status=answer.status,
            )
        out = []
        for item in results:
            item = item if isinstance(item, dict) else {}
            item_code = str(item.get("error_code", ""))
            out.append(
                RecordResult(
                    ok=item.get("error_code") in OK_CODES, code=item_code, message=str(item.get("message", ""))
                )
            )
        return out


__all__ = ["PortalClient", "PortalError", "RecordResult"]
