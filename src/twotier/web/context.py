"""Template context: the navigation an account's roles allow, and who is signed in where."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from twotier.org.access import grants_for
from twotier.org.selectors import posts_held
from twotier.web.nav import nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return the navigation entries and the posts held by the current account."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_posts": []}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    return {
        "nav_items": SimpleLazyObject(lambda: nav_for(grants_for(user), view_name)),
        "current_posts": SimpleLazyObject(lambda: list(posts_held(user).order_by("unit__path", "title"))),
    }
