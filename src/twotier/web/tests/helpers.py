"""Shared set-up for the web UI tests."""

from __future__ import annotations

import re

from twotier.org.models import Post
from twotier.org.selectors import posts_held


def post_of(actor) -> Post:
    """The (single) post the actor's account holds."""
    return posts_held(actor.user).get()


def text(response) -> str:
    """The response body as text with tags removed and whitespace squeezed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())
