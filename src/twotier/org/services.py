"""Writes for the organisation: units, merges and splits, posts, holders and handovers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, InvalidInput
from twotier.core.text import fold, nfc
from twotier.org.access import bump_org_version, forget_grants, require
from twotier.org.models import LineageKind, Post, PostAssignment, Role, Unit, UnitLineage, UnitType, path_segment
from twotier.org.permissions import P


def _validated(unit: Unit) -> None:
    try:
        unit.full_clean(exclude=["path", "name_folded"])
    except ValidationError as exc:
        issues = [
            FieldIssue(field=name, rule=getattr(err, "code", None) or "invalid", message=str(err.message))
            for name, errs in exc.error_dict.items()
            for err in errs
        ]
        raise InvalidInput("The unit is not valid", issues) from exc


def _set_path(unit: Unit) -> None:
    parent_path = unit.parent.path if unit.parent_id and unit.parent else "/"
    unit.path = f"{parent_path}{path_segment(unit.pk)}"
    unit.depth = parent_path.count("/") - 1
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)


def _check_manage(actor: Any, parent: Unit | None) -> None:
    # A top-level unit (no parent) is a system administrator's decision.
    require(actor, P.UNIT_MANAGE, parent) if parent is not None else require(actor, P.SYSTEM_ADMIN)


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    code: str,
    name: str,
    type: str,
    parent: Unit | None,
    abbreviation: str = "",
    agency_id: str | None = None,
    valid_from: dt.date | None = None,
    official_code: str = "",
    is_demo: bool = False,
) -> Unit:
    """Create a unit under `parent` (actor needs unit management over the parent)."""
    _check_manage(actor, parent)
    unit = Unit(
        code=nfc(code.strip()),
        name=nfc(name.strip()),
        type=type,
        parent=parent,
        abbreviation=nfc(abbreviation.strip()),
        agency_id=agency_id or None,
        official_code=official_code,
        is_demo=is_demo,
        path="/pending/",
    )
    if valid_from is not None:
        unit.valid_from = valid_from
    unit.name_folded = fold(unit.name)
    _validated(unit)
    unit.save()
    _set_path(unit)
    bump_org_version()
    audit_record(
        actor=actor,
        action="org.unit_create",
        target=unit,
        unit_id=unit.pk,
        changes={
            "code": unit.code,
            "name": unit.name,
            "type": unit.type,
            "parent": parent.code if parent else None,
        },
    )
    return unit


def _end_unit(unit: Unit, effective: dt.date) -> None:
    last_day = effective - dt.timedelta(days=1)
    if unit.valid_to is not None and unit.valid_to < effective:
        raise Conflict(f"Unit {unit.code} already ended on {unit.valid_to.isoformat()}", code="unit_ended")
    if last_day < unit.valid_from:
        raise InvalidInput(
            "The effective date is before the unit started",
            [FieldIssue("effective_date", "after_valid_from", f"Must be after {unit.valid_from.isoformat()}")],
        )
    unit.valid_to = last_day
    Unit.objects.filter(pk=unit.pk).update(valid_to=last_day)


@dataclass(frozen=True)
class NewUnit:
    """What a merge or split needs to know about a unit it creates."""

    code: str
    name: str
    type: str = UnitType.COMMUNE
    abbreviation: str = ""
    agency_id: str | None = None


@transaction.atomic
def unit_merge(
    *,
    actor: Any,
    sources: Sequence[Unit],
    effective_date: dt.date,
    into: Unit | None = None,
    new_unit: NewUnit | None = None,
) -> Unit:
    """Merge `sources` into an existing unit or a new one; the sources end and keep their history."""
    if len(sources) < 1 or (into is None) == (new_unit is None):
        raise InvalidInput(
            "Give the units to merge and exactly one of: an existing successor or a new unit",
            [FieldIssue("into", "one_of", "Choose an existing successor unit or describe a new one")],
        )
    parent = sources[0].parent
    for source in sources:
        _check_manage(actor, source.parent)
        if into is not None and source.pk == into.pk:
            raise InvalidInput("A unit cannot merge into itself", [FieldIssue("into", "not_self", "Pick another unit")])
    if into is None:
        assert new_unit is not None
        into = unit_create(
            actor=actor,
            code=new_unit.code,
            name=new_unit.name,
            type=new_unit.type,
            parent=parent,
            abbreviation=new_unit.abbreviation,
            agency_id=new_unit.agency_id,
            valid_from=effective_date,
        )
    bump_org_version()
    for source in sources:
        _end_unit(source, effective_date)
        UnitLineage.objects.create(
            predecessor=source, successor=into, kind=LineageKind.MERGE, effective_date=effective_date
        )
    audit_record(
        actor=actor,
        action="org.unit_merge",
        target=into,
        unit_id=into.pk,
        changes={"sources": [s.code for s in sources], "into": into.code, "effective_date": effective_date},
    )
    return into


@transaction.atomic
def unit_split(
    *,
    actor: Any,
    source: Unit,
    parts: Sequence[NewUnit],
    effective_date: dt.date,
    history_to: int = 0,
) -> list[Unit]:
    """Split `source` into new units; `parts[history_to]` carries its history in roll-ups."""
    if len(parts) < 2:
        raise InvalidInput("A split needs at least two parts", [FieldIssue("parts", "min_2", "Add another part")])
    if not 0 <= history_to < len(parts):
        raise InvalidInput("history_to must name one of the parts", [FieldIssue("history_to", "range", "Out of range")])
    _check_manage(actor, source.parent)
    created = [
        unit_create(
            actor=actor,
            code=p.code,
            name=p.name,
            type=p.type,
            parent=source.parent,
            abbreviation=p.abbreviation,
            agency_id=p.agency_id,
            valid_from=effective_date,
        )
        for p in parts
    ]
    _end_unit(source, effective_date)
    bump_org_version()
    for i, unit in enumerate(created):
        UnitLineage.objects.create(
            predecessor=source,
            successor=unit,
            kind=LineageKind.SPLIT,
            effective_date=effective_date,
            carries_history=(i == history_to),
        )
    audit_record(
        actor=actor,
        action="org.unit_split",
        target=source,
        unit_id=source.pk,
        changes={"into": [u.code for u in created], "history_to": created[history_to].code},
    )
    return created


@transaction.atomic
def post_create(
    *, actor: Any, unit: Unit, code: str, title: str, roles: Sequence[Role], scope_unit: Unit | None = None
) -> Post:
    """Create a post in `unit` with the given roles."""
    require(actor, P.POST_MANAGE, unit)
    post = Post.objects.create(unit=unit, scope_unit=scope_unit or unit, code=code, title=nfc(title))
    post.roles.set(roles)
    bump_org_version()
    audit_record(
        actor=actor,
        action="org.post_create",
        target=post,
        unit_id=unit.pk,
        post_id=post.pk,
        changes={"title": post.title, "roles": sorted(r.code for r in roles), "scope": post.scope_unit.code},
    )
    return post


@transaction.atomic
def post_set_roles(*, actor: Any, post: Post, roles: Sequence[Role]) -> Post:
    """Replace the roles of a post (a permission change, audited)."""
    require(actor, P.POST_MANAGE, post.unit)
    before = sorted(post.roles.values_list("code", flat=True))
    post.roles.set(roles)
    after = sorted(r.code for r in roles)
    if before != after:
        bump_org_version()
        audit_record(
            actor=actor,
            action="org.post_roles_change",
            target=post,
            unit_id=post.unit_id,
            post_id=post.pk,
            changes={"roles": [before, after]},
        )
    return post


def _current(post: Post) -> PostAssignment | None:
    return PostAssignment.objects.select_for_update().filter(post=post, end_at__isnull=True).first()


@transaction.atomic
def post_assign(*, actor: Any, post: Post, user: Any) -> PostAssignment:
    """Give a vacant post to `user` (use `post_handover` when someone holds it)."""
    require(actor, P.POST_MANAGE, post.unit)
    current = _current(post)
    if current is not None:
        if current.user_id == user.pk:
            return current
        raise Conflict(f"Post {post.code} is held by {current.user}; use a handover", code="post_held")
    assignment = PostAssignment.objects.create(post=post, user=user, start_at=timezone.now())
    audit_record(
        actor=actor,
        action="org.post_assign",
        target=post,
        unit_id=post.unit_id,
        post_id=post.pk,
        changes={"holder": user.username},
    )
    forget_grants(user)
    bump_org_version()
    return assignment


@transaction.atomic
def post_vacate(*, actor: Any, post: Post) -> None:
    """End the current holder's tenure of a post (they lose access at once)."""
    require(actor, P.POST_MANAGE, post.unit)
    current = _current(post)
    if current is None:
        return
    current.end_at = timezone.now()
    current.save(update_fields=["end_at"])
    audit_record(
        actor=actor,
        action="org.post_release",
        target=post,
        unit_id=post.unit_id,
        post_id=post.pk,
        changes={"holder": current.user.username},
    )
    forget_grants(current.user)
    bump_org_version()


@transaction.atomic
def post_handover(*, actor: Any, post: Post, successor: Any, note: str = "") -> PostAssignment:
    """Move a post to `successor`: they inherit all its work; the predecessor loses access at once."""
    require(actor, P.POST_MANAGE, post.unit)
    if getattr(successor, "kind", "staff") != "staff" or not successor.is_active:
        raise InvalidInput(
            "The successor must be an active staff account",
            [FieldIssue("successor", "active_staff", "Choose an active staff account")],
        )
    current = _current(post)
    if current is not None and current.user_id == successor.pk:
        return current
    now = timezone.now()
    if current is not None:
        current.end_at = now
        current.save(update_fields=["end_at"])
        audit_record(
            actor=actor,
            action="org.post_release",
            target=post,
            unit_id=post.unit_id,
            post_id=post.pk,
            changes={"holder": current.user.username, "reason": "handover", "to": successor.username},
        )
        forget_grants(current.user)
    bump_org_version()
    assignment = PostAssignment.objects.create(post=post, user=successor, start_at=now)
    audit_record(
        actor=actor,
        action="org.post_handover",
        target=post,
        unit_id=post.unit_id,
        post_id=post.pk,
        changes={
            "from": current.user.username if current else None,
            "to": successor.username,
            "note": nfc(note),
        },
    )
    forget_grants(successor)
    bump_org_version()
    return assignment


def roles_sync_standard() -> list[Role]:
    """Create or update the standard roles from `permissions.STANDARD_ROLES` (idempotent)."""
    from twotier.org.permissions import STANDARD_ROLES

    out = []
    for spec in STANDARD_ROLES:
        role, _created = Role.objects.update_or_create(
            code=spec.code,
            defaults={
                "name_vi": spec.name_vi,
                "name_en": spec.name_en,
                "permissions": list(spec.permissions),
                "requires_mfa": spec.requires_mfa,
            },
        )
        out.append(role)
    bump_org_version()
    return out
