"""Template filters of the UI shell."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.functional import Promise

from twotier.core.text import nfc as _nfc
from twotier.web.labels import action_label as _action_label
from twotier.web.labels import change_text, field_label

register = template.Library()


@register.filter
def action_label(code: str) -> str | Promise:
    """Readable name of an audit action code."""
    return _action_label(code)


@register.filter
def nfc(value: Any) -> str:
    """NFC form of a text (Django's own language names are stored decomposed)."""
    return _nfc(str(value))


@register.filter
def change_items(changes: Any) -> list[tuple[str, str]]:
    """Turn an audit event's `changes` into readable (field, text) pairs."""
    if not isinstance(changes, dict):
        return []
    return [(str(field_label(str(key))), change_text(str(key), value)) for key, value in changes.items()]
