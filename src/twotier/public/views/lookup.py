"""Following a dossier: look-up by code and secret, the status page, the result download, rating and complaint.

A wrong secret and an unknown code get the same answer. Failed look-ups are counted per client
address and per code; past the limit every look-up of that address or code is refused for the rest of
the window, the right secret included, so that guessing cannot go on.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from twotier.core.audit import record_personal_data_view
from twotier.core.errors import Conflict, InvalidInput, NotFound
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.feedback import dossier_complain, dossier_rate, secret_matches
from twotier.public import throttle
from twotier.public.access import actor_of, forget_secret, opened_dossier, remember_secret, remembered_secret
from twotier.public.forms import ComplaintForm, LookupForm
from twotier.public.labels import RATING_LABELS, STATUS_HELP, conflict_message
from twotier.public.selectors import downloadable_result, status_context
from twotier.public.views.common import PRIVATE_HEADERS, page

log = logging.getLogger(__name__)


def _ask_secret(request: HttpRequest, code: str) -> HttpResponse:
    """Send the visitor to the look-up form for `code` (the same whether the dossier exists or not)."""
    messages.info(request, _("Enter the dossier code and its secret code to see the dossier."))
    return redirect(f"{reverse('public:lookup')}?{urlencode({'ma': code})}")


def _lookup_page(request: HttpRequest, form: LookupForm, *, status: int = 200, throttled: bool = False) -> HttpResponse:
    limit = throttle.lookup_limit()
    context = {"form": form, "throttled_minutes": limit.minutes if throttled else None}
    retry_after = limit.window_seconds if throttled else None
    return page(
        request, "public/lookup.html", context, section="lookup", status=status, private=True, retry_after=retry_after
    )


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """The look-up form; a right code and secret open the dossier's status page for this browser session."""
    if request.method == "GET":
        return _lookup_page(request, LookupForm(initial={"code": request.GET.get("ma", "")[:40]}))
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _lookup_page(request, form)
    code, secret = form.cleaned_data["code"], form.cleaned_data["secret"]
    limit, ip = throttle.lookup_limit(), throttle.client_ip(request)
    if throttle.exceeded(limit, ip=ip, code=code):
        return _lookup_page(request, form, status=429, throttled=True)
    dossier = Dossier.objects.filter(code=code).first()
    if not secret_matches(dossier, secret):
        throttle.hit(limit, ip=ip, code=code)
        form.add_error(None, _("The dossier code or the secret code is not right. Check both and try again."))
        return _lookup_page(request, form)
    assert dossier is not None
    remember_secret(request, dossier.code, secret)
    record_personal_data_view(
        actor=actor_of(request), subject=dossier, fields=["status", "applicant_name"], purpose="citizen status look-up"
    )
    return redirect("public:status", code=dossier.code)


def _status_page(request: HttpRequest, dossier: Dossier, complaint_form: ComplaintForm | None = None) -> HttpResponse:
    context = {
        **status_context(dossier),
        "status_help": STATUS_HELP.get(dossier.status, ""),
        "rating_label": RATING_LABELS.get(dossier.rating, ""),
        "complaint_form": complaint_form or ComplaintForm(),
    }
    return page(request, "public/status.html", context, section="lookup", private=True)


@require_GET
def status(request: HttpRequest, code: str) -> HttpResponse:
    """Status, promised date and history of a dossier this session opened (or the owner's account)."""
    dossier = opened_dossier(request, code)
    if dossier is None:
        return _ask_secret(request, code)
    return _status_page(request, dossier)


def _back_to_status(dossier: Dossier) -> HttpResponse:
    return redirect(f"{reverse('public:status', args=[dossier.code])}#feedback")


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """Like or dislike a finished dossier, once."""
    dossier = opened_dossier(request, code)
    if dossier is None:
        return _ask_secret(request, code)
    try:
        dossier_rate(
            actor=actor_of(request),
            dossier_id=dossier.pk,
            rating=request.POST.get("rating", ""),
            secret=remembered_secret(request, dossier.code),
        )
    except NotFound:
        return _ask_secret(request, code)
    except InvalidInput:
        messages.error(request, _("Choose “Satisfied” or “Not satisfied”."))
    except Conflict as exc:
        messages.error(request, conflict_message(exc.code, exc.message))
    else:
        messages.success(request, _("Thank you for rating how your dossier was handled."))
    return _back_to_status(dossier)


@require_POST
def complain(request: HttpRequest, code: str) -> HttpResponse:
    """Send a complaint about a finished dossier, once."""
    dossier = opened_dossier(request, code)
    if dossier is None:
        return _ask_secret(request, code)
    form = ComplaintForm(request.POST)
    if not form.is_valid():
        return _status_page(request, dossier, form)
    try:
        dossier_complain(
            actor=actor_of(request),
            dossier_id=dossier.pk,
            text=form.cleaned_data["text"],
            secret=remembered_secret(request, dossier.code),
        )
    except NotFound:
        return _ask_secret(request, code)
    except InvalidInput as exc:
        form.add_error("text", exc.fields[0].message if exc.fields else exc.message)
        return _status_page(request, dossier, form)
    except Conflict as exc:
        messages.error(request, conflict_message(exc.code, exc.message))
    else:
        messages.success(request, _("Your complaint has been recorded and passed to the agency."))
    return _back_to_status(dossier)


@require_GET
def result_download(request: HttpRequest, code: str, result_id: int) -> HttpResponseBase:
    """Download an electronic result of a finished dossier this session opened; the download is audited."""
    dossier = opened_dossier(request, code)
    if dossier is None:
        return _ask_secret(request, code)
    result = downloadable_result(dossier, result_id)
    if result is None:
        raise Http404("No such result")
    try:
        handle = default_storage.open(result.file.name or "", "rb")
    except FileNotFoundError as exc:
        log.error("result %s of %s: file %s is missing from storage", result.pk, dossier.code, result.file.name)
        raise Http404("The file is missing") from exc
    try:
        record_personal_data_view(
            actor=actor_of(request), subject=result, fields=["file"], purpose="citizen result download"
        )
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle, as_attachment=True, filename=f"{dossier.code}-ket-qua-{result.pk}.pdf", content_type="application/pdf"
    )
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


@require_POST
def forget(request: HttpRequest, code: str) -> HttpResponse:
    """Close the dossier on this browser (for shared computers): the secret leaves the session."""
    forget_secret(request, code)
    messages.info(request, _("The dossier is closed on this computer."))
    return redirect("public:lookup")
