"""A small client for the stand-in portal's read-back and control endpoints (tests, demo, benchmark)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import quote


class StandinControl:
    """Talks to a running stand-in portal at `url` (control endpoints exist only on the stand-in)."""

    def __init__(self, url: str, timeout: float = 10.0):
        if not url.startswith("http://127.") and not url.startswith("http://localhost"):
            raise ValueError("the stand-in portal runs on loopback only")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback http only, checked above
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return json.loads(response.read())

    def fail(self, mode: str = "500", **options: Any) -> dict[str, Any]:
        """Inject a fault: `mode` is an HTTP status, "timeout" or "disconnect"; options: fail_rate, for_seconds,
        times, delay_seconds, retry_after, services."""
        return self._call("POST", "/_control", {"mode": mode, **options})

    def clear(self) -> dict[str, Any]:
        """Stop injecting faults."""
        return self._call("POST", "/_control", {"clear": True})

    def expire_sessions(self) -> dict[str, Any]:
        """Make every issued session token expired."""
        return self._call("POST", "/_control", {"expire_sessions": True})

    def set_token_ttl(self, seconds: int) -> dict[str, Any]:
        """Lifetime of tokens issued from now on."""
        return self._call("POST", "/_control", {"token_ttl": seconds})

    def reset(self) -> dict[str, Any]:
        """Forget everything received and clear faults."""
        return self._call("POST", "/_control/reset", {})

    def stats(self) -> dict[str, Any]:
        """Totals of what the stand-in holds and the calls it answered."""
        return self._call("GET", "/_standin/stats")

    def held(self, code: str) -> dict[str, Any]:
        """What the stand-in holds for dossier `code`: its document and its progress events in arrival order."""
        return self._call("GET", "/_standin/hoso/" + quote(code, safe=""))
