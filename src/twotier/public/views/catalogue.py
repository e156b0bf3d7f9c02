"""The procedure picker and the citizen's own dossiers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from twotier.public.access import citizen_of
from twotier.public.forms import CatalogueFilterForm
from twotier.public.selectors import my_dossiers, online_fields, online_procedures
from twotier.public.views.common import page, paginate, valid_filters


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """Published procedures open for online submission, searchable without accents, by level and field."""
    form = CatalogueFilterForm(request.GET, fields=online_fields())
    filters = valid_filters(form)
    versions = online_procedures(q=filters.get("q", ""), level=filters.get("level", ""), field=filters.get("field", ""))
    context = {"form": form, "page_obj": paginate(request, versions), "searching": any(filters.values())}
    return page(request, "public/catalogue.html", context, section="submit")


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in citizen's dossiers (staff accounts have their own pages)."""
    citizen = citizen_of(request)
    if citizen is None:
        raise PermissionDenied
    context = {"page_obj": paginate(request, my_dossiers(citizen))}
    return page(request, "public/mine.html", context, section="mine", private=True)
