"""Submitting a dossier online: choose the receiving commune, fill the form, attach the files, get the code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from twotier.core.errors import Conflict, InvalidInput, NotFound
from twotier.dossiers.models import Dossier
from twotier.dossiers.notifications import mask_email, recipient, send_registered
from twotier.dossiers.uploads import oversized_fields
from twotier.org.models import Unit
from twotier.procedures.models import ProcedureVersion
from twotier.procedures.selectors import public_detail
from twotier.public import throttle
from twotier.public.access import actor_of, citizen_of, opened_dossier, remember_secret, remembered_secret
from twotier.public.forms import SubmissionForm, UnitSearchForm, new_idempotency_key
from twotier.public.labels import conflict_message
from twotier.public.selectors import online_procedure, receiving_unit, receiving_units
from twotier.public.services import submit_online
from twotier.public.views.common import page, valid_filters

SESSION_SUBMITTED = "twotier_public_submitted"
MAX_REMEMBERED = 20


def _version(code: str) -> ProcedureVersion:
    try:
        return online_procedure(code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _summary(version: ProcedureVersion) -> dict[str, Any]:
    return {"version": version, "detail": public_detail(version)}


def _choose_unit(request: HttpRequest, version: ProcedureVersion) -> HttpResponse:
    form = UnitSearchForm(request.GET)
    q = valid_filters(form).get("q", "")
    context = {**_summary(version), "form": form, "units": list(receiving_units(q)), "q": q}
    return page(request, "public/submit_unit.html", context, section="submit")


def _initial(request: HttpRequest, unit: Unit) -> dict[str, Any]:
    initial: dict[str, Any] = {"unit": unit.code, "idempotency_key": new_idempotency_key()}
    citizen = citizen_of(request)
    if citizen is not None:  # a signed-in citizen starts from what the account knows
        initial |= {
            "applicant_name": citizen.full_name,
            "applicant_id_number": citizen.personal_id or "",
            "applicant_phone": citizen.phone,
            "applicant_email": citizen.email,
        }
    return initial


def _form_page(
    request: HttpRequest,
    version: ProcedureVersion,
    unit: Unit,
    form: SubmissionForm,
    *,
    status: int = 200,
    throttled: throttle.Limit | None = None,
) -> HttpResponse:
    change_unit = reverse("public:submit", args=[version.procedure.code])
    context = {**_summary(version), "unit": unit, "form": form, "change_unit": change_unit, "throttled": throttled}
    retry_after = throttled.window_seconds if throttled else None
    return page(request, "public/submit_form.html", context, section="submit", status=status, retry_after=retry_after)


def _remember_submission(request: HttpRequest, dossier: Dossier, emailed: bool) -> None:
    submitted = dict(request.session.get(SESSION_SUBMITTED) or {})
    submitted[dossier.code] = {"emailed": emailed, "to": mask_email(recipient(dossier)) if emailed else ""}
    while len(submitted) > MAX_REMEMBERED:
        submitted.pop(next(iter(submitted)))
    request.session[SESSION_SUBMITTED] = submitted


def _register(request: HttpRequest, form: SubmissionForm, unit: Unit) -> Dossier | None:
    try:
        dossier = submit_online(
            actor=actor_of(request),
            citizen=citizen_of(request),
            unit=unit,
            submission=form.submission(),
            files=form.inspected,
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except InvalidInput as exc:
        form.add_service_errors(exc)
        return None
    except Conflict as exc:
        form.add_error(None, conflict_message(exc.code, exc.message))
        return None
    secret = getattr(dossier, "access_secret", None)
    if secret is not None:  # a fresh registration, not a repeated submit of the same form
        throttle.hit(throttle.submit_limit(), ip=throttle.client_ip(request))
        remember_secret(request, dossier.code, secret)
        _remember_submission(request, dossier, send_registered(dossier, secret))
    return dossier


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1 (no unit chosen): pick the commune or ward. Step 2: the form, which registers the dossier (status 1)."""
    version = _version(code)
    unit_code = (request.POST if request.method == "POST" else request.GET).get("unit", "")
    unit = receiving_unit(unit_code) if unit_code else None
    if unit is None:
        if request.method == "POST":
            messages.error(request, _("Choose the commune or ward that should receive your dossier."))
            return redirect("public:submit", code=version.procedure.code)
        return _choose_unit(request, version)
    if request.method == "GET":
        return _form_page(request, version, unit, SubmissionForm(version=version, initial=_initial(request, unit)))
    limit = throttle.submit_limit()
    form = SubmissionForm(request.POST, request.FILES, version=version, oversized=oversized_fields(request))
    if throttle.exceeded(limit, ip=throttle.client_ip(request)):
        return _form_page(request, version, unit, form, status=429, throttled=limit)
    try:
        if form.is_valid():
            dossier = _register(request, form, unit)
            if dossier is not None:
                return redirect("public:submitted", code=dossier.code)
    finally:
        form.close_files()
    return _form_page(request, version, unit, form)


@require_GET
def submitted(request: HttpRequest, code: str) -> HttpResponse:
    """The confirmation: the dossier code and the secret, for the session that submitted it."""
    info = (request.session.get(SESSION_SUBMITTED) or {}).get(code)
    dossier = opened_dossier(request, code)
    if info is None or dossier is None:
        return redirect(f"{reverse('public:lookup')}?{urlencode({'ma': code})}")
    context = {
        "dossier": dossier,
        "secret": remembered_secret(request, code),
        "emailed": bool(info.get("emailed")),
        "emailed_to": info.get("to", ""),
    }
    return page(request, "public/submitted.html", context, section="submit", private=True)
