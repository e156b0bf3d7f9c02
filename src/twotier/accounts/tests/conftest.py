"""Fixtures of the accounts tests: compiled translations, accounts in the usual states."""

from __future__ import annotations

from pathlib import Path

import polib
import pyotp
import pytest
from asgiref.local import Local
from django.utils import timezone
from django.utils.translation import trans_real

from twotier.testing.factories import UserFactory, post_make, province_with_communes

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile the accounts catalogue when its .mo is missing or stale (.mo files are not committed)."""
    changed = False
    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            changed = True
    if changed:
        trans_real._translations = {}
        trans_real._default = None
        trans_real._active = Local()


@pytest.fixture
def clerk(db):
    """A staff account without any administrator role."""
    return UserFactory(username="clerk")


@pytest.fixture
def commune(db):
    """A commune of a test province."""
    _province, (unit,) = province_with_communes("Đầm Dơi")
    return unit


@pytest.fixture
def admin_user(commune):
    """A province administrator (requires the second factor), not yet enrolled."""
    user = UserFactory(username="padmin")
    post_make(commune.parent, "province_admin", holder=user)
    return user


@pytest.fixture
def enrolled_admin(admin_user):
    """A province administrator with a confirmed TOTP app."""
    admin_user.totp_secret = pyotp.random_base32()
    admin_user.totp_confirmed_at = timezone.now()
    admin_user.save()
    return admin_user
