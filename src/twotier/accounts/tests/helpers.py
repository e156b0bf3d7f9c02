"""Small helpers shared by the accounts tests."""

from __future__ import annotations

import pyotp
from django.utils import timezone

from twotier.core.models import AuditEvent

PASSWORD = "Demo@2026!"  # what UserFactory sets


def login(client, username, password=PASSWORD, **extra):
    """POST the login form."""
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def code_for(user, offset_steps=0, now=None):
    """The TOTP code of `user` now (or `offset_steps` 30-second steps away)."""
    totp = pyotp.TOTP(user.totp_secret)
    return totp.generate_otp(totp.timecode(now or timezone.now()) + offset_steps)


def wrong_code_for(user):
    """A six-digit code that no nearby time step of `user` accepts."""
    nearby = {code_for(user, offset) for offset in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in nearby)


def actions(**filters):
    """The audit actions recorded so far (optionally filtered), oldest first."""
    return list(AuditEvent.objects.filter(**filters).order_by("seq").values_list("action", flat=True))


def last_event(action):
    """The newest audit event of `action`."""
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()
