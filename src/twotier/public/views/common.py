"""What the citizen views share: rendering with the public menu, refusals, pagination."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PAGE_SIZE = 20
# Pages that show a dossier or its secret are never cached by the browser or a proxy.
PRIVATE_HEADERS = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    section: str,
    status: int = 200,
    private: bool = False,
    retry_after: int | None = None,
) -> HttpResponse:
    """Render a citizen page; `section` marks the public menu entry it belongs to."""
    response = render(request, template, {**context, "section": section}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    if private:
        for header, value in PRIVATE_HEADERS.items():
            response[header] = value
    return response


def paginate(request: HttpRequest, qs: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    """The requested page of `qs` (the first or last one when out of range)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def valid_filters(form: Any) -> dict[str, Any]:
    """Cleaned values of the valid fields of a bound filter form (invalid ones are ignored)."""
    form.is_valid()
    return {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
