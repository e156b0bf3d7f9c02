"""The dossier actions: one small POST form each, calling one service with the version the page showed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from twotier.core.errors import Conflict, Forbidden, InvalidInput
from twotier.dossiers.models import Dossier
from twotier.dossiers.policies import can_see
from twotier.dossiers.selectors import dossier_get
from twotier.dossiers.services import closing, pauses, receipt, steps
from twotier.dossiers.views.common import staff_page
from twotier.dossiers.views.detail import render_page
from twotier.dossiers.views.errors import (
    CONFLICT_FALLBACK,
    CONFLICT_MESSAGES,
    FORBIDDEN_MESSAGE,
    attach_issues,
    conflict_text,
)
from twotier.dossiers.views.forms import ACTION_FORMS
from twotier.dossiers.views.labels import ACTION_EVENTS
from twotier.dossiers.views.reads import done_by_request, offered_actions

Runner = Callable[..., Dossier]

# Each action's service; the form's cleaned data are its keyword arguments.
SERVICES: dict[str, Runner] = {
    "receive": receipt.dossier_receive_registered,
    "refuse": receipt.dossier_refuse,
    "forward": steps.dossier_forward,
    "return": steps.dossier_return_step,
    "request_supplement": pauses.dossier_request_supplement,
    "supplement_received": pauses.dossier_supplement_received,
    "request_payment": pauses.dossier_request_payment,
    "record_payment": pauses.dossier_record_cash_payment,
    "apologise": closing.dossier_apologise,
    "stop": closing.dossier_stop,
    "withdraw": closing.dossier_withdraw,
    "approve": closing.dossier_approve,
    "return_result": closing.dossier_return_result,
}
BY_SLUG = {code.replace("_", "-"): code for code in SERVICES}


def _done(request: HttpRequest, dossier: Dossier, action: str) -> HttpResponse:
    messages.success(request, _("Done: %(action)s.") % {"action": ACTION_EVENTS[action]})
    if can_see(request.user, dossier):
        return redirect("dossiers:detail", code=dossier.code)
    return redirect("dossiers:list")  # handed on to a unit the account does not see


@require_POST
@staff_page()
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Take `action` on the dossier; errors re-show the page (field errors 422, conflicts 409, refusals 403)."""
    name = BY_SLUG.get(action)
    if name is None:
        raise Http404("Unknown action")
    user = request.user
    dossier = dossier_get(user=user, code=code)
    form = ACTION_FORMS[name](request.POST, dossier=dossier, action=name)
    if not form.is_valid():
        if name not in offered_actions(user=user, dossier=dossier):
            # The page that sent it is out of date (or the action was never offered): say so, not the fields.
            stale = request.POST.get("expected_version") != str(dossier.version)
            message = CONFLICT_MESSAGES["stale_version"] if stale else CONFLICT_FALLBACK
            return render_page(request, dossier, error=str(message), status=409)
        return render_page(request, dossier, bound=form, status=422)
    kwargs: dict[str, Any] = form.service_kwargs()
    try:
        SERVICES[name](actor=user, dossier_id=dossier.pk, **kwargs)
    except InvalidInput as exc:
        attach_issues(form, exc)
        return render_page(request, dossier_get(user=user, code=code), bound=form, status=422)
    except Conflict as exc:
        if exc.code == "stale_version" and done_by_request(
            user=user, dossier=dossier, request_key=kwargs.get("request_key", "")
        ):
            return _done(request, dossier, name)  # the same form sent twice: the first one did it
        return render_page(request, dossier_get(user=user, code=code), error=conflict_text(exc), status=409)
    except Forbidden:
        return render_page(request, dossier_get(user=user, code=code), error=str(FORBIDDEN_MESSAGE), status=403)
    return _done(request, dossier, name)
