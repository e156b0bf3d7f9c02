"""Reads for the organisation, always through the access policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from twotier.core.text import fold
from twotier.org.access import get_scoped, scope
from twotier.org.models import Post, PostAssignment, Unit, UnitLineage
from twotier.org.permissions import P


def unit_list(
    *,
    user: Any,
    q: str = "",
    type: str | None = None,
    parent_code: str | None = None,
    active_on: dt.date | None = None,
) -> QuerySet[Unit]:
    """Units visible to `user`, filtered by folded name/code, type, parent and validity."""
    qs = scope(Unit.objects.select_related("parent"), user, P.UNIT_VIEW, unit_field="pk")
    if q:
        folded = fold(q)
        qs = qs.filter(Q(name_folded__contains=folded) | Q(code__icontains=q) | Q(agency_id__icontains=q))
    if type:
        qs = qs.filter(type=type)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if active_on:
        qs = qs.filter(valid_from__lte=active_on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=active_on))
    return qs.order_by("path")


def unit_get(*, user: Any, code: str) -> Unit:
    """One visible unit by code (404 when missing or not visible)."""
    return get_scoped(Unit.objects.select_related("parent"), user, P.UNIT_VIEW, code=code, unit_field="pk")


def rollup_unit_ids(unit: Unit) -> set[int]:
    """Ids whose records roll up into `unit`: its subtree plus predecessors that carry history into it."""
    result: set[int] = set()
    pending = [unit]
    while pending:
        current = pending.pop()
        subtree = set(Unit.objects.filter(path__startswith=current.path).values_list("pk", flat=True))
        new = subtree - result
        result |= new
        links = UnitLineage.objects.filter(successor_id__in=new, carries_history=True).select_related("predecessor")
        pending.extend(link.predecessor for link in links if link.predecessor_id not in result)
    return result


def current_holder(post: Post) -> Any:
    """The account holding `post` now, or None."""
    assignment = PostAssignment.objects.filter(post=post, end_at__isnull=True).select_related("user").first()
    return assignment.user if assignment else None


def posts_held(user: Any) -> QuerySet[Post]:
    """Posts `user` holds now."""
    return Post.objects.filter(assignments__user=user, assignments__end_at__isnull=True).select_related("unit")


def post_get(*, user: Any, code: str) -> Post:
    """One post visible to `user` (in a unit it may view), by code; 404 otherwise."""
    return get_scoped(
        Post.objects.select_related("unit", "scope_unit").prefetch_related("roles"),
        user,
        P.UNIT_VIEW,
        code=code,
    )


def post_list(*, user: Any, unit_code: str) -> QuerySet[Post]:
    """Posts of one visible unit, with their roles."""
    unit = unit_get(user=user, code=unit_code)
    return Post.objects.filter(unit=unit).select_related("unit").prefetch_related("roles").order_by("code")
