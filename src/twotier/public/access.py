"""Who is acting on the citizen pages, and which dossiers this browser session has opened.

A visitor opens a dossier with its code and access secret. After a successful look-up the secret is
kept in the (server-side) session under the dossier code, never in a URL, and is checked again
against the stored digest on every page, download and feedback. The owner citizen's account opens
its own dossiers without the secret.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from twotier.accounts.models import AccountKind
from twotier.core.actors import SystemActor
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.feedback import is_owner, secret_matches

# Anonymous visitors act through the portal; the audit trail records it with their address.
PORTAL_ACTOR = SystemActor("public-portal")
SESSION_SECRETS = "twotier_public_secrets"
MAX_REMEMBERED = 20


def citizen_of(request: HttpRequest) -> Any:
    """The signed-in citizen account, or None (staff accounts act on these pages as visitors)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "kind", None) == AccountKind.CITIZEN:
        return user
    return None


def actor_of(request: HttpRequest) -> Any:
    """The actor for services: the citizen account, or the portal for everybody else."""
    return citizen_of(request) or PORTAL_ACTOR


def remembered_secret(request: HttpRequest, code: str) -> str | None:
    """The secret this session proved for dossier `code`, if any."""
    secrets = request.session.get(SESSION_SECRETS) or {}
    value = secrets.get(code) if isinstance(secrets, dict) else None
    return value if isinstance(value, str) else None


def remember_secret(request: HttpRequest, code: str, secret: str) -> None:
    """Keep `secret` for `code` in the session (the newest MAX_REMEMBERED dossiers)."""
    secrets = dict(request.session.get(SESSION_SECRETS) or {})
    secrets.pop(code, None)
    secrets[code] = secret
    while len(secrets) > MAX_REMEMBERED:
        secrets.pop(next(iter(secrets)))
    request.session[SESSION_SECRETS] = secrets


def forget_secret(request: HttpRequest, code: str) -> None:
    """Drop dossier `code` from the session."""
    secrets = dict(request.session.get(SESSION_SECRETS) or {})
    if secrets.pop(code, None) is not None:
        request.session[SESSION_SECRETS] = secrets


def opened_dossier(request: HttpRequest, code: str) -> Dossier | None:
    """The dossier `code` when this request may see it (owner account, or the session's secret); else None."""
    dossier = (
        Dossier.objects.select_related("procedure_version__procedure", "receiving_unit")
        .filter(code=(code or "").strip())
        .first()
    )
    if dossier is None:
        return None
    if is_owner(citizen_of(request), dossier):
        return dossier
    secret = remembered_secret(request, dossier.code)
    if secret and secret_matches(dossier, secret):
        return dossier
    return None
