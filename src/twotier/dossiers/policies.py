"""Who may see and act on a dossier, compiled to queryset filters (deny by default)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from twotier.core.actors import is_system
from twotier.core.errors import Conflict, Forbidden
from twotier.dossiers.models import Dossier, Handover
from twotier.dossiers.process import step_by_key, step_permission
from twotier.org.access import grants_for
from twotier.org.permissions import P

# Actions bound to the current step of the process (the step must list them).
STEP_ACTIONS = frozenset(
    {
        "forward",
        "return",
        "request_supplement",
        "request_payment",
        "apologise",
        "stop",
        "approve",
        "return_result",
    }
)


def visible_filter(user: Any) -> Q:
    """The rows `user` may see: its units' dossiers, those at its units' steps, those its posts handled."""
    if is_system(user):
        return Q()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if getattr(user, "kind", "staff") == "citizen":
        return Q(citizen=user)
    grants = grants_for(user)
    units = grants.unit_ids(P.DOSSIER_VIEW) | grants.unit_ids(P.DOSSIER_RECEIVE)
    units |= grants.unit_ids(P.DOSSIER_PROCESS) | grants.unit_ids(P.DOSSIER_APPROVE)
    condition = Q(pk__in=[])
    if units:
        condition |= Q(receiving_unit__in=units) | Q(current_unit__in=units)
    if grants.post_ids:
        handled = Handover.objects.filter(to_post__in=grants.post_ids).values("dossier_id")
        condition |= Q(current_post__in=grants.post_ids) | Q(pk__in=handled)
    return condition


def scoped(qs: QuerySet[Dossier], user: Any) -> QuerySet[Dossier]:
    """Filter `qs` to the dossiers `user` may see."""
    return qs.filter(visible_filter(user))


def can_see(user: Any, dossier: Dossier) -> bool:
    """Whether `user` may see `dossier`."""
    return is_system(user) or Dossier.objects.filter(visible_filter(user), pk=dossier.pk).exists()


def can_receive(user: Any, unit_id: int) -> bool:
    """Whether `user` may receive dossiers at `unit_id`'s desk."""
    return is_system(user) or grants_for(user).has(P.DOSSIER_RECEIVE, unit_id)


def can_act_on_step(user: Any, dossier: Dossier, action: str, *, raise_error: bool = False) -> bool:
    """Whether `user` may take `action` at the dossier's current step (step lists it, user acts there)."""
    step = step_by_key(dossier.procedure_version, dossier.current_step) if dossier.current_step else None
    if action in STEP_ACTIONS and step is not None and action not in step.get("actions", []):
        if raise_error:
            raise Conflict(
                f"Action '{action}' is not allowed at step '{step['key']}' ({step.get('name', '')})",
                code="action_not_at_step",
            )
        return False
    if is_system(user):
        return True
    grants = grants_for(user)
    allowed = False
    if dossier.current_post_id is not None:
        allowed = dossier.current_post_id in grants.post_ids
    elif step is not None and dossier.current_unit_id is not None:
        allowed = grants.has(step_permission(step), dossier.current_unit_id)
    if not allowed and raise_error:
        raise Forbidden("You are not the official at this step of the dossier")
    return allowed
