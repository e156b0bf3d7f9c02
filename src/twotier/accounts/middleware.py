"""Security profile enforcement on every request of a logged-in browser session.

Order of checks: an account that was disabled or locked loses its session (Django itself stops
authenticating a disabled account; the session is then ended and audited here); an idle session ends
(TWOTIER_IDLE_TIMEOUT_SECONDS since its last request, on top of the session cookie's own expiry);
then the session must pass the second factor when the account requires one, and then change a
temporary password. Until it has, pages redirect to the step it still owes, and API calls made
with the session are treated as anonymous (a bearer token still works: ninja authenticates it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from twotier.accounts import services
from twotier.accounts.models import User
from twotier.accounts.policies import SESSION_LAST_SEEN, SESSION_MFA_OK, mfa_required_for

API_PREFIX = "/api/"
ALWAYS_OPEN_PREFIXES = ("/i18n/",)  # switching the language is allowed at every step
LAST_SEEN_WRITE_INTERVAL_SECONDS = 60


def _ended_reason(request: HttpRequest, user: User, now: float) -> str | None:
    """Why this session must end now, or None."""
    if user.locked_at is not None:
        return "locked"
    if not user.is_active:
        return "disabled"
    last_seen = request.session.get(SESSION_LAST_SEEN)
    if isinstance(last_seen, int | float) and now - last_seen > settings.TWOTIER_IDLE_TIMEOUT_SECONDS:
        return "idle_timeout"
    return None


def _disabled_session_account(request: HttpRequest) -> User | None:
    """The account of a session Django no longer authenticates because it was disabled, or None."""
    session = getattr(request, "session", None)
    account_id = session.get(SESSION_KEY) if session is not None else None
    if account_id is None:
        return None
    return User.objects.filter(pk=account_id, is_active=False).first()


def _touch(user: User) -> None:
    """Record that the account was seen, writing at most once a minute."""
    now = timezone.now()
    last = user.last_seen_at
    if last is None or (now - last).total_seconds() >= LAST_SEEN_WRITE_INTERVAL_SECONDS:
        User.objects.filter(pk=user.pk).update(last_seen_at=now)
        user.last_seen_at = now


def pending_step(request: HttpRequest, user: Any) -> str | None:
    """The step this session still owes before normal use: 'mfa', 'password' or None."""
    if not request.session.get(SESSION_MFA_OK) and mfa_required_for(user):
        return "mfa"
    if user.must_change_password:
        return "password"
    return None


def _open_paths(step: str) -> set[str]:
    paths = {reverse("accounts:logout"), reverse("accounts:login")}  # switching accounts stays possible
    if step == "mfa":
        paths |= {reverse("accounts:mfa"), reverse("accounts:mfa_enrol")}
    else:
        paths.add(reverse("accounts:password_change"))
    return paths


def _redirect_to_step(request: HttpRequest, step: str) -> HttpResponse:
    target = reverse("accounts:mfa" if step == "mfa" else "accounts:password_change")
    next_url = request.get_full_path() if request.method == "GET" else ""
    if next_url and next_url != "/":
        target = f"{target}?{urlencode({'next': next_url})}"
    return HttpResponseRedirect(target)


class SecurityProfileMiddleware:
    """Apply lock/disable, idle timeout, MFA and forced password change to session users."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        is_api = request.path.startswith(API_PREFIX)
        if not user.is_authenticated:
            stale = _disabled_session_account(request)
            if stale is not None:
                services.auth_logout(request=request, reason="disabled", account=stale)
                if not is_api:
                    return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
            return self.get_response(request)
        now = time.time()
        reason = _ended_reason(request, user, now)
        if reason is not None:
            services.auth_logout(request=request, reason=reason)
            if is_api:
                return self.get_response(request)
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        request.session[SESSION_LAST_SEEN] = int(now)
        _touch(user)
        step = pending_step(request, user)
        if step is None:
            return self.get_response(request)
        if is_api:
            request.user = AnonymousUser()
            return self.get_response(request)
        if request.path in _open_paths(step) or request.path.startswith(ALWAYS_OPEN_PREFIXES):
            return self.get_response(request)
        return _redirect_to_step(request, step)
