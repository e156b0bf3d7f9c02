"""Non-human actors (seeding, scheduled jobs, imports) named in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """An internal process acting with full rights; audited under `system:<name>`."""

    name: str
    pk: None = None
    is_system: bool = True
    is_authenticated: bool = False

    @property
    def username(self) -> str:
        return f"system:{self.name}"

    def __str__(self) -> str:
        return self.username


def is_system(actor: object) -> bool:
    """Return whether `actor` is an internal process (None counts as one: Python-level callers)."""
    return actor is None or bool(getattr(actor, "is_system", False))
