"""Access policy: what an account may do where, compiled to queryset filters (deny by default).

An account's grants come from the posts it currently holds: each post's roles give permissions
over the subtree of the post's scope unit, extended along unit lineage so that a successor unit
sees its predecessors' history. Items assigned to a held post are visible through the post itself.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q
from django.utils import timezone

from twotier.core.actors import is_system
from twotier.core.errors import Forbidden, NotFound
from twotier.org.models import OrgVersion, PostAssignment, Unit, UnitLineage

M = TypeVar("M", bound=models.Model)

_CACHE_ATTR = "_twotier_grants"


@dataclass
class Grants:
    """The compiled grants of one account at one moment."""

    user_id: int | None
    post_ids: frozenset[int] = frozenset()
    units_by_perm: dict[str, frozenset[int]] = field(default_factory=dict)
    requires_mfa: bool = False
    # post id → (its permissions, the units its scope covers), in post-code order
    posts: tuple[tuple[int, frozenset[str], frozenset[int]], ...] = ()

    def has(self, perm: str, unit_id: int | None = None) -> bool:
        """Return whether the permission is granted (somewhere, or over `unit_id`)."""
        units = self.units_by_perm.get(perm, frozenset())
        return bool(units) if unit_id is None else unit_id in units

    def unit_ids(self, perm: str) -> frozenset[int]:
        """Return the unit ids over which `perm` is granted."""
        return self.units_by_perm.get(perm, frozenset())


def subtree_ids(root_ids: Iterable[int]) -> set[int]:
    """Return the given units, their descendants and, via lineage, their predecessors' subtrees."""
    pending = set(root_ids)
    seen: set[int] = set()
    while pending:
        paths = list(Unit.objects.filter(pk__in=pending).values_list("path", flat=True))
        seen |= pending
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        found = set(Unit.objects.filter(q).values_list("pk", flat=True)) if paths else set()
        preds = set(UnitLineage.objects.filter(successor_id__in=found).values_list("predecessor_id", flat=True))
        seen |= found
        pending = preds - seen
    return seen


def compute_grants(user: Any) -> Grants:
    """Compile the grants of `user` from the posts it holds now."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Grants(user_id=None)
    now = timezone.now()
    assignments = (
        PostAssignment.objects.filter(user=user, start_at__lte=now, post__is_active=True)
        .filter(Q(end_at__isnull=True) | Q(end_at__gt=now))
        .select_related("post")
        .prefetch_related("post__roles")
    )
    post_ids: set[int] = set()
    scopes_by_perm: dict[str, set[int]] = defaultdict(set)
    requires_mfa = False
    post_perms: list[tuple[int, str, frozenset[str], int]] = []
    for a in assignments:
        post_ids.add(a.post_id)
        perms: set[str] = set()
        for role in a.post.roles.all():
            requires_mfa = requires_mfa or role.requires_mfa
            perms.update(role.permissions)
            for perm in role.permissions:
                scopes_by_perm[perm].add(a.post.scope_unit_id)
        post_perms.append((a.post_id, a.post.code, frozenset(perms), a.post.scope_unit_id))
    expanded: dict[frozenset[int], frozenset[int]] = {}

    def covered(scopes: frozenset[int]) -> frozenset[int]:
        if scopes not in expanded:
            expanded[scopes] = frozenset(subtree_ids(scopes))
        return expanded[scopes]

    units_by_perm = {perm: covered(frozenset(scopes)) for perm, scopes in scopes_by_perm.items()}
    posts = tuple(
        (post_id, perms, covered(frozenset({scope_id})))
        for post_id, _code, perms, scope_id in sorted(post_perms, key=lambda p: p[1])
    )
    return Grants(
        user_id=user.pk,
        post_ids=frozenset(post_ids),
        units_by_perm=units_by_perm,
        requires_mfa=requires_mfa or user.is_superuser,
        posts=posts,
    )


# Compiled grants, shared by the requests of this process: (user id) → (org version, compiled at, grants).
# A change to units, posts, roles or holders bumps OrgVersion in its transaction, so every process sees
# the change on its next request; the short time-to-live covers posts that start or end by the clock.
_SHARED: OrderedDict[int, tuple[int, float, Grants]] = OrderedDict()
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 20_000
SHARED_TTL_SECONDS = 60.0


def org_version() -> int:
    """The current organisation version (one indexed read)."""
    row = OrgVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    return int(row or 0)


def bump_org_version() -> None:
    """Invalidate every process's compiled grants (call inside the transaction that changes the organisation)."""
    updated = OrgVersion.objects.filter(pk=1).update(value=models.F("value") + 1)
    if not updated:
        OrgVersion.objects.get_or_create(pk=1, defaults={"value": 1})
    with _SHARED_LOCK:
        _SHARED.clear()


def _shared_grants(user: Any) -> Grants:
    version = org_version()
    now = time.monotonic()
    with _SHARED_LOCK:
        entry = _SHARED.get(user.pk)
        if entry is not None and entry[0] == version and now - entry[1] < SHARED_TTL_SECONDS:
            _SHARED.move_to_end(user.pk)
            return entry[2]
    grants = compute_grants(user)
    with _SHARED_LOCK:
        _SHARED[user.pk] = (version, now, grants)
        while len(_SHARED) > _SHARED_MAX:
            _SHARED.popitem(last=False)
    return grants


def grants_for(user: Any) -> Grants:
    """Return the grants of `user`, compiled once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Grants(user_id=None)
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _shared_grants(user) if user.is_active else Grants(user_id=None)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user: Any) -> None:
    """Drop cached grants (after the account's posts change)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope(
    qs: models.QuerySet[M],
    user: Any,
    perm: str,
    *,
    unit_field: str | None = "unit",
    post_field: str | None = None,
) -> models.QuerySet[M]:
    """Filter `qs` to rows `user` may see under `perm`: in a granted unit, or assigned to a held post."""
    grants = grants_for(user)
    condition = Q(pk__in=[])
    if unit_field is not None:
        units = grants.unit_ids(perm)
        if units:
            condition |= Q(**{f"{unit_field}__in": units})
    if post_field is not None and grants.post_ids:
        condition |= Q(**{f"{post_field}__in": grants.post_ids})
    return qs.filter(condition)


def get_scoped(qs: models.QuerySet[M], user: Any, perm: str, **lookup: Any) -> M:
    """Fetch one object through `scope`; a missing and a forbidden object both raise NotFound."""
    unit_field = lookup.pop("unit_field", "unit")
    post_field = lookup.pop("post_field", None)
    obj = scope(qs, user, perm, unit_field=unit_field, post_field=post_field).filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def require(user: Any, perm: str, unit: Unit | int | None = None) -> None:
    """Raise Forbidden unless `user` holds `perm` (over `unit` when given); system actors pass."""
    if is_system(user):
        return
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    if not grants_for(user).has(perm, unit_id):
        raise Forbidden()


def held_post_for(user: Any, perm: str, unit_id: int) -> int | None:
    """The id of a post `user` holds now whose roles grant `perm` over `unit_id` (None if none)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    for post_id, perms, units in grants_for(user).posts:
        if perm in perms and unit_id in units:
            return post_id
    return None
