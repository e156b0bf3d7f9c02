"""UI views: thin, they call selectors and services.

Refusals follow one rule. Anonymous visitors are sent to the login page. Accounts that are not
staff, and staff opening a list page whose permission they hold nowhere, get 403. An object that
is missing or outside the account's scope, and any action on it, gets 404 (the two look the same).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from twotier.accounts.models import AccountKind
from twotier.core.errors import NotFound
from twotier.org.access import grants_for
from twotier.org.permissions import P
from twotier.org.selectors import unit_get
from twotier.org.selectors import unit_list as unit_list_selector
from twotier.web.forms import AuditFilterForm, UnitFilterForm, WorkFilterForm
from twotier.web.selectors import audit_events, object_timeline, unit_lineage, unit_posts
from twotier.work.models import WorkStatus
from twotier.work.selectors import my_work as my_work_selector
from twotier.work.services import work_item_complete

PAGE_SIZE = 25

View = Callable[..., HttpResponse]


def staff_page(permission: str | None = None) -> Callable[[View], View]:
    """Require a signed-in staff account (and `permission` somewhere); turn NotFound into a 404."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if getattr(user, "kind", None) != AccountKind.STAFF or not user.is_active:
                raise PermissionDenied
            if permission is not None and not grants_for(user).has(permission):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc)) from exc

        return login_required(wrapped)

    return decorator


def paginate(request: HttpRequest, qs: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    """Return the requested page of `qs` (the first or last page when the number is out of range)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _filters(form: Any) -> dict[str, Any]:
    """Cleaned values of the valid fields of a bound filter form (invalid ones are ignored)."""
    form.is_valid()
    return {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}


def _safe_next(request: HttpRequest, default: str) -> str:
    """The `next` field when it points into this site, else `default`."""
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if target and ok else default


@require_GET
@staff_page()
def my_work(request: HttpRequest) -> HttpResponse:
    """The account's work: items of the posts it holds, open ones first by due date."""
    data = request.GET.copy()
    data.setdefault("status", "open")
    form = WorkFilterForm(data)
    filters = _filters(form)
    status = filters.get("status") or "open"
    now = timezone.now()
    items = my_work_selector(
        user=request.user, status=None if status == "all" else status, q=filters.get("q", "")
    ).order_by("-status", F("due_at").asc(nulls_last=True), "pk")
    open_items = my_work_selector(user=request.user, status=WorkStatus.OPEN)
    context = {
        "form": form,
        "status": status,
        "page_obj": paginate(request, items),
        "now": now,
        "searching": bool(filters.get("q")),
        "holds_post": bool(grants_for(request.user).post_ids),
        "many_posts": len(grants_for(request.user).post_ids) > 1,
        "open_count": open_items.count(),
        "overdue_count": open_items.filter(due_at__lt=now).count(),
    }
    return render(request, "web/my_work.html", context)


@require_POST
@staff_page()
def work_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the account's work items done, then go back to the page it came from."""
    item = work_item_complete(actor=request.user, item_id=pk)
    messages.success(request, _("“%(title)s” is marked as done.") % {"title": item.title})
    return redirect(_safe_next(request, reverse("web:my_work")))


@require_GET
@staff_page(P.UNIT_VIEW)
def unit_list(request: HttpRequest) -> HttpResponse:
    """Units the account may see, searchable by name or code and filterable by type."""
    form = UnitFilterForm(request.GET)
    filters = _filters(form)
    units = unit_list_selector(user=request.user, q=filters.get("q", ""), type=filters.get("type") or None)
    return render(
        request,
        "web/unit_list.html",
        {"form": form, "page_obj": paginate(request, units), "today": timezone.localdate()},
    )


@require_GET
@staff_page()
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One unit: its fields, place in the tree, lineage, posts and holders, and its audit timeline."""
    unit = unit_get(user=request.user, code=code)
    predecessors, successors = unit_lineage(user=request.user, unit=unit)
    parent_visible = unit.parent_id is not None and grants_for(request.user).has(P.UNIT_VIEW, unit.parent_id)
    context = {
        "unit": unit,
        "parent_visible": parent_visible,
        "today": timezone.localdate(),
        "children": unit_list_selector(user=request.user, parent_code=unit.code),
        "predecessors": predecessors,
        "successors": successors,
        "posts": unit_posts(unit=unit),
        "timeline": object_timeline(user=request.user, obj=unit),
    }
    return render(request, "web/unit_detail.html", context)


@require_GET
@staff_page(P.AUDIT_VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    """Audit events over the account's units, filtered by action, account and local date range."""
    form = AuditFilterForm(request.GET)
    filters = _filters(form)
    events = audit_events(user=request.user, **filters)
    return render(request, "web/audit_log.html", {"form": form, "page_obj": paginate(request, events)})
