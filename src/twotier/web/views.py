"""UI views: thin, they call selectors and services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from twotier.work.selectors import my_work as my_work_selector


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """The account's work: items of the posts it holds."""
    items = my_work_selector(user=request.user)[:50]
    return render(request, "web/my_work.html", {"items": items})
