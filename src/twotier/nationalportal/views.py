"""National-portal sync pages: the backlog (administrators) and one dossier's sync state. Thin: selectors and services.

Anonymous visitors go to the login page; accounts that may not see the backlog get 403; a dossier
that is missing or not visible gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from twotier.accounts.models import AccountKind
from twotier.core.errors import InvalidInput, NotFound
from twotier.core.models import OutboxStatus
from twotier.dossiers.selectors import dossier_get
from twotier.nationalportal import selectors, services
from twotier.nationalportal.delivery import SERVICES
from twotier.nationalportal.forms import BacklogFilterForm
from twotier.nationalportal.policies import can_manage_backlog

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def _staff(view: View, *, admin: bool) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if getattr(user, "kind", None) != AccountKind.STAFF or not user.is_active:
            raise PermissionDenied
        if admin and not can_manage_backlog(user):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc

    return login_required(wrapped)


def admin_page(view: View) -> View:
    """A page for system or province administrators (403 for other staff)."""
    return _staff(view, admin=True)


def staff_page(view: View) -> View:
    """A page for signed-in staff (what it shows is access-checked by its selector)."""
    return _staff(view, admin=False)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if target and ok else reverse("nationalportal:backlog")


def _label(message: Any) -> str:
    return SERVICES.get(message.topic, message.topic)


@require_GET
@admin_page
def backlog(request: HttpRequest) -> HttpResponse:
    """Counts per status, then the messages not yet delivered (or as filtered), oldest first."""
    data = request.GET.copy()
    data.setdefault("status", "undelivered")
    form = BacklogFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {"status": "undelivered", "topic": "", "dossier": ""}
    rows = selectors.outbox_backlog(
        user=request.user, status=filters["status"] or None, topic=filters["topic"] or None, dossier=filters["dossier"]
    )
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page_obj.object_list:
        setattr(m, "service", _label(m))  # noqa: B010 - a display attribute for the template
    summary = selectors.outbox_summary(user=request.user)
    counts = summary["counts"]
    context = {
        "form": form,
        "page_obj": page_obj,
        "summary": summary,
        "status_rows": [
            (
                value,
                label,
                summary["by_service"]["DongBoHoSoMC"].get(value, 0),
                summary["by_service"]["CapNhatTienDoHoSoMC"].get(value, 0),
                counts.get(value, 0),
            )
            for value, label in OutboxStatus.choices
        ],
        "retryable": counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.DEAD, 0),
        "query": request.GET.urlencode(),
    }
    return render(request, "nationalportal/backlog.html", context)


@require_POST
@admin_page
def retry(request: HttpRequest) -> HttpResponse:
    """Send the chosen failed/dead messages again, then go back."""
    try:
        ids = [int(i) for i in request.POST.getlist("ids")]
        moved = services.portal_outbox_retry(actor=request.user, message_ids=ids)
    except ValueError:
        messages.error(request, _("The message id is not valid."))
    except InvalidInput as exc:
        messages.error(request, "; ".join(f.message for f in exc.fields) or exc.message)
    else:
        _report(request, moved)
    return redirect(_back(request))


@require_POST
@admin_page
def retry_all(request: HttpRequest) -> HttpResponse:
    """Send every failed or dead message again, then go back."""
    _report(request, services.portal_outbox_retry_all(actor=request.user))
    return redirect(_back(request))


def _report(request: HttpRequest, moved: list[int]) -> None:
    if moved:
        text = ngettext(
            "%(count)d message is queued to be sent again.",
            "%(count)d messages are queued to be sent again.",
            len(moved),
        )
        messages.success(request, text % {"count": len(moved)})
    else:
        messages.info(request, _("Nothing to send again: those messages are already queued or delivered."))


@require_GET
@staff_page
def dossier_sync(request: HttpRequest, code: str) -> HttpResponse:
    """One dossier's sync state and its messages (for any account that may see the dossier)."""
    dossier = dossier_get(user=request.user, code=code)
    rows = list(selectors.dossier_messages(dossier))
    for m in rows:
        setattr(m, "service", _label(m))  # noqa: B010 - a display attribute for the template
    context = {
        "dossier": dossier,
        "sync": selectors.dossier_sync_state(dossier),
        "rows": rows,
        "can_retry": can_manage_backlog(request.user),
    }
    return render(request, "nationalportal/dossier_sync.html", context)
