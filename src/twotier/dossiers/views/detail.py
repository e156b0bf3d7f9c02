"""The dossier page: facts, current step, process, hand-overs, records, history, forms and the allowed actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from twotier.core.audit import record_personal_data_view
from twotier.dossiers.models import Dossier
from twotier.dossiers.selectors import dossier_get
from twotier.dossiers.status import Status
from twotier.dossiers.views.common import now, staff_page
from twotier.dossiers.views.display import deadline_of, elapsed_text, money, step_name
from twotier.dossiers.views.forms import ACTION_FORMS, ActionForm
from twotier.dossiers.views.labels import ACTION_EVENTS, ACTION_VERBS, TIMELINESS
from twotier.dossiers.views.reads import (
    applicable_forms,
    dossier_timeline,
    form_url,
    full_names,
    offered_actions,
    step_progress,
)
from twotier.dossiers.views.receive import secret_session_key
from twotier.procedures.models import ComponentForm

PERSONAL_FIELDS = [
    "applicant_name",
    "applicant_id_number",
    "applicant_address",
    "applicant_phone",
    "applicant_email",
]
FORM_LABELS = dict(ComponentForm.choices)
PRIMARY_ACTIONS = frozenset({"receive", "forward", "approve", "return_result"})


@dataclass(frozen=True)
class ActionPanel:
    """One action offered on the page: its button text, its form, and whether it opens expanded."""

    action: str
    slug: str
    verb: str
    form: ActionForm
    open: bool
    primary: bool


def action_slug(action: str) -> str:
    """The URL segment of an action ("request_supplement" → "request-supplement")."""
    return action.replace("_", "-")


def _panels(user: Any, dossier: Dossier, bound: ActionForm | None) -> list[ActionPanel]:
    panels = []
    for action in offered_actions(user=user, dossier=dossier):
        if bound is not None and bound.action == action:
            form, is_open = bound, True
        else:
            form, is_open = ACTION_FORMS[action](dossier=dossier, action=action), False
        panels.append(
            ActionPanel(
                action, action_slug(action), str(ACTION_VERBS[action]), form, is_open, action in PRIMARY_ACTIONS
            )
        )
    # The way forward first, the actions that end the dossier last.
    return sorted(panels, key=lambda p: 0 if p.primary else 2 if p.form.destructive else 1)


def page_context(request: HttpRequest, dossier: Dossier, *, bound: ActionForm | None = None) -> dict[str, Any]:
    """Everything the dossier page shows, for the account of `request`."""
    user = request.user
    at = now()
    supplements = list(dossier.supplements.order_by("requested_at"))
    apologies = list(dossier.apologies.order_by("at"))
    handovers = list(dossier.handovers.select_related("from_unit", "from_post", "to_unit", "to_post").order_by("seq"))
    names = full_names({h.from_user_label for h in handovers})
    history = list(dossier.status_changes.select_related("unit", "actor").order_by("seq"))
    return {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "procedure": dossier.procedure_version.procedure,
        "deadline": deadline_of(dossier, at),
        "step_name": step_name(dossier),
        "steps": step_progress(dossier),
        "handovers": [(h, TIMELINESS.get(h.timeliness, ""), names.get(h.from_user_label, "")) for h in handovers],
        "history": [(c, ACTION_EVENTS.get(c.action, c.action)) for c in history],
        "supplements": supplements,
        "apologies": apologies,
        "components": [(c, FORM_LABELS.get(c.form, c.form)) for c in dossier.components.all()],
        "fees": [(f, money(f.amount_vnd), money(f.total)) for f in dossier.fees.all()],
        "fee_total": money(dossier.fee_total),
        "payments": [(p, money(p.amount_vnd)) for p in dossier.payments.all()],
        "results": list(dossier.results.all()),
        "forms": applicable_forms(dossier, supplements=len(supplements), apologies=len(apologies)),
        "receipt_url": form_url(dossier.code, "01") if dossier.received_at else "",
        "panels": _panels(user, dossier, bound),
        "timeline": dossier_timeline(user=user, dossier=dossier),
        "access_secret": request.session.pop(secret_session_key(dossier.code), None),
        "paused": elapsed_text(dossier.paused_seconds),
        "is_open": dossier.status not in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED),
        "now": at,
    }


def render_page(
    request: HttpRequest, dossier: Dossier, *, bound: ActionForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    """Render the dossier page (recording the view of the applicant's personal data)."""
    record_personal_data_view(actor=request.user, subject=dossier, fields=PERSONAL_FIELDS, purpose="dossier page")
    context = page_context(request, dossier, bound=bound)
    context["error"] = error
    return render(request, "dossiers/detail.html", context, status=status)


@require_GET
@staff_page()
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One dossier the account may see (404 otherwise)."""
    return render_page(request, dossier_get(user=request.user, code=code))
