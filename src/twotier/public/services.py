"""The one write of the citizen side that spans services: register a dossier online with its files, all or nothing.

Files are checked before anything is written (`twotier.dossiers.uploads.inspect_upload`, done by the
form). Then, in one transaction, the dossier is registered (status 1) and each file is attached
through the components service. If anything fails, the transaction rolls back and the files already
stored for it are deleted, so a refused upload leaves no dossier, no component and no file behind.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction

from twotier.dossiers.models import Dossier
from twotier.dossiers.services.components import component_upload, delete_if_unreferenced
from twotier.dossiers.services.receipt import Submission, dossier_register_online
from twotier.dossiers.uploads import InspectedFile
from twotier.org.models import Unit

log = logging.getLogger(__name__)


def _register_and_attach(
    *,
    actor: Any,
    citizen: Any,
    unit: Unit,
    submission: Submission,
    files: Mapping[str, InspectedFile],
    idempotency_key: str | None,
    stored: list[str],
) -> Dossier:
    with transaction.atomic():
        _serialise_on(idempotency_key)
        dossier = dossier_register_online(
            actor=actor, unit=unit, submission=submission, citizen=citizen, idempotency_key=idempotency_key
        )
        for code, inspected in files.items():
            component = component_upload(actor=actor, dossier_id=dossier.pk, code=code, file=inspected)
            if component.file.name:
                stored.append(component.file.name)
        return dossier


def _serialise_on(key: str | None) -> None:
    """Make transactions with the same idempotency key wait for each other (until commit or rollback).

    The idempotency record's unique constraint cannot do it for anonymous visitors: their actor id is
    NULL, and NULLs never collide in a PostgreSQL unique index. PostgreSQL takes a transaction-level
    advisory lock on the key; SQLite needs nothing (TwoTier opens its transactions IMMEDIATE, one
    writer at a time).
    """
    if not key or connection.vendor != "postgresql":
        return
    lock_id = int.from_bytes(hashlib.sha256(f"public-submit:{key}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def submit_online(
    *,
    actor: Any,
    citizen: Any = None,
    unit: Unit,
    submission: Submission,
    files: Mapping[str, InspectedFile],
    idempotency_key: str | None = None,
) -> Dossier:
    """Register an online dossier and attach its checked files in one transaction; a retry with the same key returns it.

    A fresh dossier carries `access_secret` (shown once); a repeated call returns the first dossier
    without it. Identical submissions racing wait for each other on the key (`_serialise_on`); should
    two still meet at the idempotency record's unique constraint, the loser retries once and gets the
    winner's dossier.
    """
    for attempt in (1, 2):
        stored: list[str] = []
        try:
            return _register_and_attach(
                actor=actor,
                citizen=citizen,
                unit=unit,
                submission=submission,
                files=files,
                idempotency_key=idempotency_key,
                stored=stored,
            )
        except IntegrityError:
            _forget(stored)
            if attempt == 2 or not idempotency_key:
                raise
            log.info("online submission %s raced with an identical one; returning the first", idempotency_key)
        except BaseException:
            _forget(stored)
            raise
    raise AssertionError("unreachable")


def _forget(names: list[str]) -> None:
    """Delete files stored by a rolled-back attempt (only those no committed component points at)."""
    for name in names:
        delete_if_unreferenced(name)
