"""Domain errors that every layer raises and the API/UI turn into one documented shape."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldIssue:
    """One invalid field: which field, which rule, and a readable message."""

    field: str
    rule: str
    message: str


@dataclass
class DomainError(Exception):
    """Base class for errors a client can act on."""

    message: str
    code: str = "error"
    status: int = 400
    fields: list[FieldIssue] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """Input failed validation: the fields name what and why."""

    def __init__(self, message: str, fields: list[FieldIssue] | None = None):
        super().__init__(message=message, code="invalid", status=422, fields=fields or [])


class NotFound(DomainError):
    """Missing, or not visible to the caller (the two are indistinguishable on purpose)."""

    def __init__(self, message: str = "Not found"):
        super().__init__(message=message, code="not_found", status=404)


class Forbidden(DomainError):
    """The caller can see the object but may not perform this action on it."""

    def __init__(self, message: str = "You do not have permission to do this"):
        super().__init__(message=message, code="forbidden", status=403)


class Conflict(DomainError):
    """The action is not allowed in the object's current state."""

    def __init__(self, message: str, code: str = "conflict"):
        super().__init__(message=message, code=code, status=409)
