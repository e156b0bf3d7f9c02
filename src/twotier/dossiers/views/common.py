"""What every dossier page shares: the staff-only decorator, the clock, pagination."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from twotier.accounts.models import AccountKind
from twotier.core.errors import NotFound
from twotier.dossiers.services import common as services_common
from twotier.org.access import grants_for

PAGE_SIZE = 25
View = Callable[..., HttpResponse]


def staff_page(*permissions: str) -> Callable[[View], View]:
    """Require a signed-in staff account holding one of `permissions` somewhere (none: any staff); NotFound → 404."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if getattr(user, "kind", None) != AccountKind.STAFF or not user.is_active:
                raise PermissionDenied
            if permissions and not any(grants_for(user).has(p) for p in permissions):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc)) from exc

        return login_required(wrapped)

    return decorator


def now() -> dt.datetime:
    """The dossier clock (the one the dossier services use), so deadlines read the same everywhere."""
    return services_common.now()


def paginate(request: HttpRequest, qs: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    """The requested page of `qs` (the first or last page when the number is out of range)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def valid_filters(form: Any) -> dict[str, Any]:
    """Cleaned values of the valid fields of a bound filter form (invalid ones are ignored)."""
    form.is_valid()
    return {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
