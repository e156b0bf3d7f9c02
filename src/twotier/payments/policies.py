"""Who may start and see a dossier's payments: the desk, the owning citizen, or a holder of the dossier's secret."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from twotier.core.actors import is_system
from twotier.core.errors import DomainError, Forbidden, NotFound
from twotier.dossiers.models import Dossier
from twotier.dossiers.policies import can_receive, can_see


class Unauthenticated(DomainError):
    """Neither logged in nor holding the dossier's access secret."""

    def __init__(self, message: str = "Log in, or send the dossier's access secret"):
        super().__init__(message=message, code="unauthenticated", status=401)


@dataclass(frozen=True)
class SecretHolder:
    """An applicant without an account, proven by the dossier's access secret; audited as `applicant:<code>`."""

    dossier_code: str
    pk: None = None
    is_authenticated: bool = False
    is_system: bool = False

    @property
    def username(self) -> str:
        return f"applicant:{self.dossier_code}"


def secret_matches(dossier: Dossier, secret: str) -> bool:
    """Whether `secret` is the dossier's access secret (sha256 digest, constant-time comparison)."""
    if not dossier.access_secret_digest or not secret:
        return False
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return hmac.compare_digest(digest, dossier.access_secret_digest)


def _is_citizen(actor: Any) -> bool:
    return getattr(actor, "kind", "") == "citizen"


def _authenticated(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and bool(getattr(actor, "is_active", False))


def payer(actor: Any, dossier: Dossier | None, secret: str | None) -> Any:
    """The actor to audit when `actor` starts an online payment for `dossier`; raise when not allowed.

    A given secret decides alone (wrong → 404). Otherwise: anonymous → 401; the owning citizen may;
    staff must see the dossier (else 404) and receive at its desk (else 403).
    """
    if secret:
        if dossier is None or not secret_matches(dossier, secret):
            raise NotFound()
        return actor if _authenticated(actor) else SecretHolder(dossier.code)
    if is_system(actor):
        if dossier is None:
            raise NotFound()
        return actor
    if not _authenticated(actor):
        raise Unauthenticated()
    if dossier is None:
        raise NotFound()
    if _is_citizen(actor):
        if dossier.citizen_id != actor.pk:
            raise NotFound()
        return actor
    if not can_see(actor, dossier):
        raise NotFound()
    if not can_receive(actor, dossier.receiving_unit_id):
        raise Forbidden("Only the desk of the receiving unit, or the applicant, starts an online payment")
    return actor


def viewer_may_see(actor: Any, dossier: Dossier | None, secret: str | None) -> bool:
    """Whether `actor` (or the holder of `secret`) may see the dossier's fees and payments; 401 when anonymous."""
    if secret:
        return dossier is not None and secret_matches(dossier, secret)
    if not is_system(actor) and not _authenticated(actor):
        raise Unauthenticated()
    return dossier is not None and can_see(actor, dossier)
