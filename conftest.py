"""Suite-wide test set-up."""

import os

os.environ.setdefault("TWOTIER_AUDIT_DB_GUARD", "0")
os.environ.setdefault("TWOTIER_HUEY_IMMEDIATE", "1")
os.environ.setdefault("TWOTIER_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Argon2 stays first in production settings; tests hash with MD5 for speed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_grants_cache():
    """Grants and the calendar are cached per process; tests roll back, so each test starts with empty caches."""
    from twotier.core import calendar
    from twotier.org import access

    access._SHARED.clear()
    calendar.invalidate()
    yield
    access._SHARED.clear()
    calendar.invalidate()
