"""Dossier codes: `<receiving agency id>-<YYMMDD>-<NNNN>`, a daily sequence per receiving agency."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.utils import timezone

CODE_PATTERN = re.compile(r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<day>\d{6})-(?P<n>\d{4,})$")


def next_sequence(agency_id: str, day: dt.date) -> int:
    """Atomically take the next number of `agency_id`'s series for `day` (gap-free: it rolls back with the caller)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dossiers_dossiercodecounter (agency_id, day, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (agency_id, day) DO UPDATE SET last = dossiers_dossiercodecounter.last + 1 "
            "RETURNING last",
            [agency_id, day],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def next_dossier_code(agency_id: str, at: dt.datetime) -> str:
    """Return the next dossier code of `agency_id` for the Vietnam-time day of `at`."""
    day = timezone.localtime(at).date()
    return f"{agency_id}-{day:%y%m%d}-{next_sequence(agency_id, day):04d}"
