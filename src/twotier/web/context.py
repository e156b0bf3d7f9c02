"""Template context: the navigation an account's roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return the navigation entries for the current account."""
    return {"nav_items": []}
