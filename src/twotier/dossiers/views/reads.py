"""Reads the dossier pages need beyond `twotier.dossiers.selectors`; each applies the access policy.

They belong in `selectors.py` once the pages settle; they live here so the UI adds no new writes
and touches no shared module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from twotier.core.audit import target_ref
from twotier.core.errors import Conflict, InvalidInput
from twotier.core.models import AuditEvent
from twotier.dossiers.models import Dossier, DossierComponent, StatusChange
from twotier.dossiers.policies import can_act_on_step, can_receive, scoped
from twotier.dossiers.process import approve_step_index, step_index, step_permission, steps_of
from twotier.dossiers.selectors import BOXES, WorklistFilter, worklist
from twotier.dossiers.status import Status
from twotier.dossiers.workflow import allowed_actions
from twotier.org.access import grants_for, scope
from twotier.org.models import Post, PostAssignment, Role, Unit
from twotier.org.permissions import P
from twotier.org.selectors import posts_held
from twotier.procedures.models import Procedure
from twotier.procedures.routing import resolve_step_unit

DOSSIER_PERMISSIONS = (P.DOSSIER_VIEW, P.DOSSIER_RECEIVE, P.DOSSIER_PROCESS, P.DOSSIER_APPROVE)
TIMELINE_LIMIT = 50
DESK_ACTIONS = frozenset({"receive", "refuse", "record_payment", "withdraw", "return_result"})

# The printable forms and when each applies (DOMAIN.md §2); printed by the forms API.
FORM_TITLES: dict[str, Promise] = {
    "01": _("Receipt and appointment slip"),
    "02": _("Supplement request"),
    "03": _("Refusal notice"),
    "04": _("Apology and new return date"),
    "05": _("Stop-processing notice"),
    "06": _("Control slip"),
}


def has_dossier_permission(user: Any) -> bool:
    """Whether `user` holds any dossier permission anywhere."""
    grants = grants_for(user)
    return any(grants.has(perm) for perm in DOSSIER_PERMISSIONS)


def box_counts(*, user: Any, at: dt.datetime) -> dict[str, int]:
    """How many dossiers each worklist box holds for `user` (no filters)."""
    return {box: worklist(user=user, f=WorklistFilter(box=box), at=at).count() for box in BOXES}


def procedures_in_scope(*, user: Any) -> list[tuple[str, str]]:
    """(code, "code — name") of the procedures of the dossiers `user` may see, for a filter."""
    visible = scoped(Dossier.objects.all(), user).values("procedure_version__procedure_id")
    return [
        (code, f"{code} — {name}")
        for code, name in Procedure.objects.filter(pk__in=visible).order_by("code").values_list("code", "name")
    ]


def receiving_units(*, user: Any) -> list[Unit]:
    """The desks `user` receives at: scope units of its held posts whose roles receive dossiers."""
    units: dict[int, Unit] = {}
    posts = posts_held(user).filter(is_active=True).select_related("scope_unit").prefetch_related("roles")
    for post in posts:
        if any(P.DOSSIER_RECEIVE in role.permissions for role in post.roles.all()) and post.scope_unit.agency_id:
            units.setdefault(post.scope_unit_id, post.scope_unit)
    return sorted(units.values(), key=lambda u: u.name)


def form_url(code: str, number: str) -> str:
    """Where the forms API prints form `number` of dossier `code` as PDF."""
    return f"/api/v1/dossiers/{quote(code, safe='')}/forms/{number}.pdf"


def applicable_forms(dossier: Dossier, *, supplements: int, apologies: int) -> list[tuple[str, Promise, str]]:
    """(number, title, url) of the forms 01–06 that apply to the dossier now."""
    received = dossier.received_at is not None
    applies = {
        "01": received,
        "02": supplements > 0,
        "03": dossier.status == Status.REFUSED,
        "04": apologies > 0,
        "05": dossier.status == Status.STOPPED,
        "06": received,
    }
    return [(no, title, form_url(dossier.code, no)) for no, title in FORM_TITLES.items() if applies[no]]


def dossier_timeline(*, user: Any, dossier: Dossier, limit: int = TIMELINE_LIMIT) -> list[AuditEvent] | None:
    """Newest audit events about the dossier and its components, or None when `user` may see no audit."""
    if not grants_for(user).has(P.AUDIT_VIEW):
        return None
    ttype, tid = target_ref(dossier)
    condition = Q(target_type=ttype, target_id=tid)
    component_ids = [str(pk) for pk in dossier.components.values_list("pk", flat=True)]
    if component_ids:
        condition |= Q(target_type=DossierComponent._meta.label_lower, target_id__in=component_ids)
    events = scope(AuditEvent.objects.filter(condition), user, P.AUDIT_VIEW, unit_field="unit_id")
    return list(events.order_by("-seq")[:limit])


@dataclass(frozen=True)
class StepView:
    """One step of the dossier's process as the progress list shows it."""

    number: int
    key: str
    name: str
    unit: str
    role: str
    hours: Any
    state: str  # done | current | upcoming | ended_here | skipped


def _role_names(codes: set[str]) -> dict[str, str]:
    vietnamese = (translation.get_language() or "vi").startswith("vi")
    return {r.code: (r.name_vi if vietnamese else r.name_en) for r in Role.objects.filter(code__in=codes)}


def step_progress(dossier: Dossier) -> list[StepView]:
    """The process steps with who handles each and whether it is done, current or still to come."""
    steps = steps_of(dossier.procedure_version)
    roles = _role_names({str(s.get("role", "")) for s in steps})
    reached = {h.to_step: h.to_unit.name for h in dossier.handovers.select_related("to_unit").order_by("seq")}
    try:
        current = step_index(dossier.procedure_version, dossier.current_step) if dossier.current_step else -1
    except Conflict:
        current = -1
    terminal = dossier.status in (Status.REFUSED, Status.STOPPED, Status.WITHDRAWN)
    views = []
    for i, step in enumerate(steps):
        if dossier.status == Status.RETURNED or (current >= 0 and i < current):
            state = "done"
        elif i == current:
            state = "ended_here" if terminal else "current"
        else:
            state = "skipped" if terminal else "upcoming"
        unit = reached.get(step["key"])
        if unit is None:
            try:
                unit = resolve_step_unit(step, dossier.receiving_unit).name
            except InvalidInput:
                unit = ""
        views.append(
            StepView(
                i + 1,
                step["key"],
                str(step.get("name") or step["key"]),
                unit,
                roles.get(str(step.get("role", "")), ""),
                step.get("hours") or 0,
                state,
            )
        )
    return views


def earlier_steps(dossier: Dossier) -> list[tuple[str, str]]:
    """(key, name) of the steps the dossier may be returned to: after reception, before the current one."""
    if not dossier.current_step:
        return []
    steps = steps_of(dossier.procedure_version)
    try:
        current = step_index(dossier.procedure_version, dossier.current_step)
    except Conflict:
        return []
    return [(s["key"], str(s.get("name") or s["key"])) for s in steps[1:current]]


def forward_posts(dossier: Dossier) -> list[tuple[str, str]]:
    """(code, label) of the posts that may act at the next step: its unit's posts with the step's permission."""
    if not dossier.current_step:
        return []
    version = dossier.procedure_version
    steps = steps_of(version)
    try:
        target = step_index(version, dossier.current_step) + 1
    except Conflict:
        return []
    if target > approve_step_index(version) or target >= len(steps):
        return []
    step = steps[target]
    try:
        unit = resolve_step_unit(step, dossier.receiving_unit)
    except InvalidInput:
        return []
    permission = step_permission(step)
    current = PostAssignment.objects.filter(end_at__isnull=True).select_related("user")
    posts = (
        Post.objects.filter(is_active=True)
        .filter(Q(unit=unit) | Q(scope_unit=unit))
        .select_related("unit")
        .prefetch_related("roles", Prefetch("assignments", queryset=current, to_attr="current"))
        .order_by("unit__path", "title")
    )
    choices = []
    for post in posts:
        if not any(permission in role.permissions for role in post.roles.all()):
            continue
        holders = ", ".join(str(a.user) for a in post.current)
        label = f"{post.title} — {post.unit.name}"
        choices.append((post.code, f"{label} ({holders})" if holders else label))
    return choices


def offered_actions(*, user: Any, dossier: Dossier) -> list[str]:
    """The actions the state table allows now that `user` may take at this step (in state-table order)."""
    desk = can_receive(user, dossier.receiving_unit_id)
    offered = []
    for action in dict.fromkeys(allowed_actions(dossier.status)):
        if action == "register_online":
            continue
        if action in DESK_ACTIONS:
            allowed = desk
        elif action == "supplement_received":
            allowed = desk or can_act_on_step(user, dossier, "request_supplement")
        elif action == "request_payment":
            allowed = dossier.fee_total > 0 and (desk or can_act_on_step(user, dossier, action))
        else:
            allowed = can_act_on_step(user, dossier, action)
        if action == "request_supplement" and dossier.supplement_count >= 1:
            allowed = False
        if action == "apologise" and dossier.apology_count >= 1:
            allowed = False
        if action == "forward" and allowed:
            allowed = _can_forward(dossier)
        if action == "return" and allowed:
            allowed = bool(earlier_steps(dossier))
        if allowed:
            offered.append(action)
    return offered


def _can_forward(dossier: Dossier) -> bool:
    try:
        index = step_index(dossier.procedure_version, dossier.current_step)
    except Conflict:
        return False
    return index + 1 <= approve_step_index(dossier.procedure_version)


def done_by_request(*, user: Any, dossier: Dossier, request_key: str) -> bool:
    """Whether `user` already completed a transition of the dossier with this form's request key."""
    if not request_key or not getattr(user, "pk", None):
        return False
    return StatusChange.objects.filter(dossier=dossier, actor=user, request_key=request_key).exists()


def full_names(usernames: set[str]) -> dict[str, str]:
    """Display names of staff accounts by username (hand-overs record the username)."""
    wanted = [u for u in usernames if u]
    if not wanted:
        return {}
    return {u.get_username(): str(u) for u in get_user_model().objects.filter(username__in=wanted)}
