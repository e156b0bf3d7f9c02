"""Receipt at the desk: choose the procedure, then fill in the receipt form; a double submit creates one dossier."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from twotier.core.errors import Conflict, Forbidden, InvalidInput
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.receipt import dossier_receive
from twotier.dossiers.views.common import paginate, staff_page, valid_filters
from twotier.dossiers.views.errors import FORBIDDEN_MESSAGE, attach_issues, conflict_text
from twotier.dossiers.views.forms import ProcedureSearchForm, ReceiveForm
from twotier.dossiers.views.reads import receiving_units
from twotier.org.permissions import P
from twotier.procedures.selectors import procedure_public_get, procedure_search

# Service field names → form field names.
FIELD_MAP = {
    "applicant.name": "applicant_name",
    "applicant.id_number": "applicant_id_number",
    "applicant.address": "applicant_address",
    "applicant.phone": "applicant_phone",
    "applicant.email": "applicant_email",
}
SESSION_PREFIX = "dossier-secret:"


def secret_session_key(code: str) -> str:
    """Where the access secret of a just-received dossier waits (once) in the session."""
    return f"{SESSION_PREFIX}{code}"


@require_GET
@staff_page(P.DOSSIER_RECEIVE)
def receive_choose(request: HttpRequest) -> HttpResponse:
    """Step 1: find the published procedure the applicant asks for (name without accents, or code)."""
    form = ProcedureSearchForm(request.GET)
    q = valid_filters(form).get("q", "")
    context = {
        "form": form,
        "q": q,
        "page_obj": paginate(request, procedure_search(q=q)),
        "has_desk": bool(receiving_units(user=request.user)),
    }
    return render(request, "dossiers/receive_choose.html", context)


def _receive(user: Any, form: ReceiveForm) -> Dossier:
    kwargs: dict[str, Any] = {
        "actor": user,
        "unit": form.receiving_unit(),
        "submission": form.submission(),
        "channel": form.cleaned_data["channel"],
        "on_behalf": form.cleaned_data["on_behalf"],
        "idempotency_key": form.cleaned_data["idempotency_key"],
    }
    try:
        return dossier_receive(**kwargs)
    except IntegrityError:
        # A concurrent submit of the same form took the idempotency key first: its dossier is the answer.
        return dossier_receive(**kwargs)


@require_http_methods(["GET", "POST"])
@staff_page(P.DOSSIER_RECEIVE)
def receive_form(request: HttpRequest, procedure_code: str) -> HttpResponse:
    """Step 2: the receipt form for one procedure; on success, the new dossier's page."""
    version = procedure_public_get(code=procedure_code)
    units = receiving_units(user=request.user)
    if not units:
        return redirect("dossiers:receive")
    status = 200
    if request.method == "POST":
        form = ReceiveForm(request.POST, version=version, units=units)
        status = 422
        if form.is_valid():
            try:
                dossier = _receive(request.user, form)
            except InvalidInput as exc:
                attach_issues(form, exc, FIELD_MAP)
            except Conflict as exc:
                form.add_error(None, conflict_text(exc))
                status = 409
            except Forbidden:
                form.add_error(None, str(FORBIDDEN_MESSAGE))
                status = 403
            else:
                secret = getattr(dossier, "access_secret", None)
                if secret:
                    request.session[secret_session_key(dossier.code)] = secret
                messages.success(request, _("Dossier %(code)s is received.") % {"code": dossier.code})
                return redirect("dossiers:detail", code=dossier.code)
    else:
        form = ReceiveForm(initial={"idempotency_key": secrets.token_urlsafe(24)}, version=version, units=units)
    context = {"form": form, "version": version, "procedure": version.procedure}
    return render(request, "dossiers/receive_form.html", context, status=status)
