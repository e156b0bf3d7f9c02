"""Per-request context (request id, client address) that audit events pick up."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("twotier_request", default=None)


def current() -> RequestContext | None:
    """Return the context of the request being served, if any."""
    return _current.get()


def bind(ctx: RequestContext | None) -> contextvars.Token:
    """Bind a request context; returns a token for `reset`."""
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    """Restore the previous request context."""
    _current.reset(token)


def new_request_id() -> str:
    """Return a fresh request id."""
    return uuid.uuid4().hex
