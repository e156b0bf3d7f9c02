"""The applicant's feedback on a finished dossier: one like/dislike rating and one complaint.

Who may give it: the owner citizen's account (the dossier's `citizen`), or whoever holds the dossier's
access secret (shown once at online registration and printed on the receipt slip). Anybody else gets
the same 404 as for a missing dossier. Feedback is taken only once processing has ended with a result
(status 9 or 10). Each is final: repeating the same rating or the same text changes nothing; a
different one is refused with a Conflict. Both are audited in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.db import transaction

from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, InvalidInput, NotFound
from twotier.core.text import nfc
from twotier.dossiers.models import Dossier
from twotier.dossiers.status import Status

LIKE, DISLIKE = "like", "dislike"
RATINGS = (LIKE, DISLIKE)
FEEDBACK_STATUSES = frozenset({Status.PROCESSED, Status.RETURNED})
COMPLAINT_MAX_LENGTH = 2000
SECRET_MAX_LENGTH = 64
# Compared against when a dossier has no digest, so that a miss costs the same as a hit.
_NO_DIGEST = "0" * 64


def secret_digest(secret: str) -> str:
    """The stored form of an access secret (SHA-256, hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(dossier: Dossier | None, secret: str | None) -> bool:
    """Whether `secret` opens `dossier`; constant-time, and as slow for a missing dossier as for a real one."""
    candidate = secret_digest((secret or "")[:SECRET_MAX_LENGTH])
    stored = (dossier.access_secret_digest if dossier is not None else "") or _NO_DIGEST
    same = hmac.compare_digest(candidate, stored)
    return same and dossier is not None and bool(secret) and stored != _NO_DIGEST


def is_owner(actor: Any, dossier: Dossier) -> bool:
    """Whether `actor` is the citizen account the dossier was registered by."""
    return (
        getattr(actor, "kind", None) == "citizen"
        and dossier.citizen_id is not None
        and dossier.citizen_id == getattr(actor, "pk", None)
    )


def _open_for_feedback(actor: Any, dossier_id: int, secret: str | None) -> tuple[Dossier, str]:
    """Lock the dossier; 404 unless the actor owns it or holds its secret; 409 unless it is finished."""
    dossier = Dossier.objects.select_for_update().filter(pk=dossier_id).first()
    owner = dossier is not None and is_owner(actor, dossier)
    if dossier is None or not (owner or secret_matches(dossier, secret)):
        raise NotFound()
    if dossier.status not in FEEDBACK_STATUSES:
        raise Conflict(
            f"Dossier {dossier.code} is not finished yet (status {dossier.status}); feedback opens once the "
            "result is ready (status 9 or 10)",
            code="feedback_not_open",
        )
    return dossier, "account" if owner else "secret"


@transaction.atomic
def dossier_rate(*, actor: Any, dossier_id: int, rating: str, secret: str | None = None) -> Dossier:
    """Record the applicant's rating ("like" or "dislike") once; the same again is a no-op, a change is refused."""
    value = (rating or "").strip().lower()
    if value not in RATINGS:
        raise InvalidInput("Unknown rating", [FieldIssue("rating", "choice", "Choose 'like' or 'dislike'")])
    dossier, via = _open_for_feedback(actor, dossier_id, secret)
    if dossier.rating == value:
        return dossier
    if dossier.rating:
        raise Conflict(
            f"Dossier {dossier.code} was already rated '{dossier.rating}'; a rating cannot be changed",
            code="rating_final",
        )
    dossier.rating = value
    dossier.save(update_fields=["rating", "updated_at"])
    audit_record(
        actor=actor,
        action="dossier.rate",
        target=dossier,
        unit_id=dossier.receiving_unit_id,
        changes={"rating": ["", value], "via": via},
    )
    return dossier


@transaction.atomic
def dossier_complain(*, actor: Any, dossier_id: int, text: str, secret: str | None = None) -> Dossier:
    """Record the applicant's complaint once; the same text again is a no-op, a different one is refused."""
    body = nfc(text or "").strip()
    if not body:
        raise InvalidInput("The complaint is empty", [FieldIssue("text", "required", "Write what went wrong")])
    if len(body) > COMPLAINT_MAX_LENGTH:
        raise InvalidInput(
            "The complaint is too long",
            [FieldIssue("text", "max_length", f"At most {COMPLAINT_MAX_LENGTH} characters (got {len(body)})")],
        )
    dossier, via = _open_for_feedback(actor, dossier_id, secret)
    if dossier.complaint == body:
        return dossier
    if dossier.complaint:
        raise Conflict(
            f"A complaint about dossier {dossier.code} is already recorded; contact the one-stop desk to add to it",
            code="complaint_exists",
        )
    dossier.complaint = body
    dossier.save(update_fields=["complaint", "updated_at"])
    audit_record(
        actor=actor,
        action="dossier.complain",
        target=dossier,
        unit_id=dossier.receiving_unit_id,
        changes={"complaint": body, "via": via},
    )
    return dossier


__all__ = [
    "COMPLAINT_MAX_LENGTH",
    "FEEDBACK_STATUSES",
    "RATINGS",
    "dossier_complain",
    "dossier_rate",
    "is_owner",
    "secret_digest",
    "secret_matches",
]
