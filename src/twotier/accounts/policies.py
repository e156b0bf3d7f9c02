"""The rules of the security profile that several layers share: session keys, MFA and dormancy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from twotier.accounts.models import PersonalAccessToken
from twotier.org.access import grants_for

# Session keys. `mfa_ok` is also set by twotier.testing.authz.Actor.client().
SESSION_MFA_OK = "mfa_ok"  # True once the second factor was passed in this session
SESSION_LAST_SEEN = "last_seen"  # epoch seconds of the session's last request
SESSION_LOGOUT_REASON = "logout_reason"  # why the previous session was ended, shown once on the login page

# TOTP (RFC 6238) as every authenticator app implements it.
TOTP_DIGITS = 6
TOTP_INTERVAL_SECONDS = 30
TOTP_DRIFT_STEPS = 1  # accept the previous and the next 30-second step (clock drift)

TOKEN_MAX_DAYS = 365
TOKEN_MAX_ACTIVE = 20


def mfa_required_for(user: Any) -> bool:
    """Whether `user` must pass the second factor: an administrator role, superuser, or an enrolled TOTP."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.totp_confirmed_at is not None or grants_for(user).requires_mfa


def dormancy_cutoff(now: dt.datetime) -> dt.datetime:
    """The moment before which an account's last use makes it dormant."""
    return now - dt.timedelta(days=settings.TWOTIER_DORMANT_DAYS)


def dormant_q(cutoff: dt.datetime) -> Q:
    """Accounts not used since `cutoff`: no login, request, token use or re-enabling after it."""
    recent_token_use = PersonalAccessToken.objects.filter(user=OuterRef("pk"), last_used_at__gte=cutoff)
    return (
        Q(date_joined__lt=cutoff)
        & (Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        & (Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=cutoff))
        & (Q(reactivated_at__isnull=True) | Q(reactivated_at__lt=cutoff))
        & Q(~Exists(recent_token_use))
    )
