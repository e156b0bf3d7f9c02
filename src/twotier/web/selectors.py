"""Reads the pages need that the apps' selectors do not offer yet; every query applies the access policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from twotier.core.audit import target_ref
from twotier.core.models import AuditEvent
from twotier.org.access import grants_for, scope
from twotier.org.models import Post, PostAssignment, Unit, UnitLineage
from twotier.org.permissions import P

TIMELINE_LIMIT = 50


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(
    *,
    user: Any,
    action: str = "",
    actor: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events over units where `user` holds AUDIT_VIEW, newest first.

    `action` is one action code, or a group when it ends with a dot ("work." gives every work
    action); `actor` matches part of the account label; the dates are local days, both included.
    """
    qs = scope(AuditEvent.objects.all(), user, P.AUDIT_VIEW, unit_field="unit_id")
    action = action.strip()
    if action.endswith("."):
        qs = qs.filter(action__startswith=action)
    elif action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_label__icontains=actor.strip())
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return qs.order_by("-seq")


def object_timeline(*, user: Any, obj: models.Model, limit: int = TIMELINE_LIMIT) -> list[AuditEvent] | None:
    """The newest events about `obj` that `user` may see, or None when it may see no audit at all."""
    if not grants_for(user).has(P.AUDIT_VIEW):
        return None
    ttype, tid = target_ref(obj)
    qs = scope(AuditEvent.objects.filter(target_type=ttype, target_id=tid), user, P.AUDIT_VIEW, unit_field="unit_id")
    return list(qs.order_by("-seq")[:limit])


@dataclass(frozen=True)
class LineageLink:
    """A predecessor or successor of a unit, and whether the viewer may open it."""

    unit: Unit
    kind: str
    kind_label: str
    effective_date: dt.date
    visible: bool


def unit_lineage(*, user: Any, unit: Unit) -> tuple[list[LineageLink], list[LineageLink]]:
    """The predecessors and successors of `unit`; names are public, links only where visible."""
    visible = grants_for(user).unit_ids(P.UNIT_VIEW)
    before = UnitLineage.objects.filter(successor=unit).select_related("predecessor")
    after = UnitLineage.objects.filter(predecessor=unit).select_related("successor")
    predecessors = [
        LineageLink(
            link.predecessor,
            link.kind,
            link.get_kind_display(),
            link.effective_date,
            link.predecessor_id in visible,
        )
        for link in before.order_by("predecessor__name")
    ]
    successors = [
        LineageLink(
            link.successor,
            link.kind,
            link.get_kind_display(),
            link.effective_date,
            link.successor_id in visible,
        )
        for link in after.order_by("successor__name")
    ]
    return predecessors, successors


def unit_posts(*, unit: Unit) -> list[Post]:
    """The active posts of a visible `unit`, each with `current` set to its current assignments."""
    current = PostAssignment.objects.filter(end_at__isnull=True).select_related("user")
    posts = (
        Post.objects.filter(unit=unit, is_active=True)
        .prefetch_related("roles", Prefetch("assignments", queryset=current, to_attr="current"))
        .order_by("title")
    )
    return list(posts)
