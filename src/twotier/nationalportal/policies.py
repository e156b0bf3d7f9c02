"""Who may see and work the national-portal backlog (deny by default)."""

from __future__ import annotations

from typing import Any

from twotier.core.actors import is_system
from twotier.core.errors import Forbidden
from twotier.org.access import grants_for
from twotier.org.models import Unit, UnitType
from twotier.org.permissions import P

# Either permission, granted over a province (the backlog spans every unit of the province).
BACKLOG_PERMISSIONS = (P.SYSTEM_ADMIN, P.UNIT_MANAGE)


def can_manage_backlog(user: Any) -> bool:
    """Whether `user` holds SYSTEM_ADMIN or UNIT_MANAGE over a province unit (system actors may)."""
    if is_system(user):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active or getattr(user, "kind", "") == "citizen":
        return False
    grants = grants_for(user)
    if not any(grants.unit_ids(perm) for perm in BACKLOG_PERMISSIONS):
        return False
    provinces = set(Unit.objects.filter(type=UnitType.PROVINCE).values_list("pk", flat=True))
    return any(grants.unit_ids(perm) & provinces for perm in BACKLOG_PERMISSIONS)


def require_backlog_access(user: Any) -> None:
    """Raise Forbidden unless `user` may see and retry the backlog."""
    if not can_manage_backlog(user):
        raise Forbidden("Only a system or province administrator may see the national-portal backlog")
