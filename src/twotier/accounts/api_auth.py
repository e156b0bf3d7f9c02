"""API authentication: the UI's session (with CSRF) or a personal access token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from twotier.accounts.models import PersonalAccessToken

TOKEN_PREFIX = "tt_"  # noqa: S105 (a prefix, not a secret)


def parse_token(raw: str) -> tuple[str, str] | None:
    """Split `tt_<prefix>_<secret>` into (prefix, secret)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    parts = raw[len(TOKEN_PREFIX) :].split("_", 1)
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def user_for_token(raw: str) -> Any:
    """Return the active user behind a valid, unexpired, unrevoked token, else None."""
    parsed = parse_token(raw)
    if parsed is None:
        return None
    prefix, secret = parsed
    token = PersonalAccessToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or token.digest != PersonalAccessToken.digest_of(secret):
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = token.user
    if not user.is_active or user.locked_at is not None:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer tt_<prefix>_<secret>`."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        """Return the token's account (and make it request.user), or None."""
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session of a logged-in account (CSRF-checked on unsafe methods)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """Return the session's active account, or None."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None
