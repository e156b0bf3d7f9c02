"""Who may manage the procedure catalogue (deny by default).

The catalogue is province-wide reference data, not owned by a unit: it is managed by system
administrators, or by holders of unit management over a province (the province administrators).
Django superusers (who hold every admin permission anyway) may manage it through the admin.
Reading versions and exports needs unit viewing anywhere (staff); the published catalogue is public.
"""

from __future__ import annotations

from typing import Any

from twotier.core.actors import is_system
from twotier.core.errors import Forbidden
from twotier.org.access import grants_for
from twotier.org.models import Unit, UnitType
from twotier.org.permissions import P


def can_manage_catalogue(actor: Any) -> bool:
    """Whether `actor` may change the catalogue: system admin, unit management over a province, superuser."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return True
    grants = grants_for(actor)
    if grants.has(P.SYSTEM_ADMIN):
        return True
    managed = grants.unit_ids(P.UNIT_MANAGE)
    return bool(managed) and Unit.objects.filter(pk__in=managed, type=UnitType.PROVINCE).exists()


def require_catalogue_manage(actor: Any) -> None:
    """Raise Forbidden unless `actor` may change the catalogue."""
    if not can_manage_catalogue(actor):
        raise Forbidden("Only system administrators and province administrators may change the catalogue")


def require_catalogue_view(actor: Any) -> None:
    """Raise Forbidden unless `actor` is staff who may see drafts and exports (unit viewing anywhere)."""
    if is_system(actor):
        return
    if not grants_for(actor).has(P.UNIT_VIEW):
        raise Forbidden("Only staff may see procedure versions and exports")
