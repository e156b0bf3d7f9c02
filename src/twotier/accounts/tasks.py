"""Background work of the security profile (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from twotier.accounts.services import accounts_disable_dormant


@db_periodic_task(crontab(hour="1", minute="30"))
def disable_dormant_accounts() -> int:
    """Every night: disable accounts unused for TWOTIER_DORMANT_DAYS (idempotent)."""
    return accounts_disable_dormant()
