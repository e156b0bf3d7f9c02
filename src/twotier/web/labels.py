"""Readable names for audit actions, their groups, and the fields and values in their changes.

Apps add theirs from their `ui.py` module (see `twotier.web.extensions`): `AUDIT_ACTIONS`,
`AUDIT_GROUPS` and `AUDIT_FIELDS`. A transition is best recorded as `{"from": old, "to": new}`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from twotier.org.models import UnitType
from twotier.work.models import WorkStatus

Label = str | Promise

_ACTION_LABELS: dict[str, Label] = {
    "org.unit_create": _("Unit created"),
    "org.unit_merge": _("Units merged"),
    "org.unit_split": _("Unit split"),
    "org.post_create": _("Post created"),
    "org.post_roles_change": _("Post roles changed"),
    "org.post_assign": _("Post assigned"),
    "org.post_release": _("Post released"),
    "org.post_handover": _("Post handed over"),
    "work.create": _("Work item created"),
    "work.complete": _("Work item completed"),
    "account.create": _("Account created"),
    "account.update": _("Account changed"),
    "account.disable": _("Account disabled"),
    "account.disabled_dormant": _("Account disabled after long disuse"),
    "account.enable": _("Account enabled"),
    "account.unlock": _("Account unlocked"),
    "account.password_reset": _("Password reset by an administrator"),
    "account.mfa_reset": _("Two-step verification reset"),
    "account.token_create": _("Access token created"),
    "account.token_revoke": _("Access token revoked"),
    "auth.login": _("Logged in"),
    "auth.login_failed": _("Failed login"),
    "auth.logout": _("Logged out"),
    "auth.locked": _("Account locked after failed logins"),
    "auth.session_timeout": _("Session ended after inactivity"),
    "auth.session_ended": _("Session ended"),
    "auth.password_changed": _("Password changed"),
    "auth.password_change_failed": _("Failed password change"),
    "auth.mfa_enrolment_started": _("Two-step verification set-up started"),
    "auth.mfa_enrolled": _("Two-step verification set up"),
    "auth.mfa_verified": _("Two-step verification passed"),
    "auth.mfa_failed": _("Two-step verification failed"),
    "personal_data.view": _("Personal data viewed"),
}

_GROUP_LABELS: dict[str, Label] = {
    "org": _("Organisation"),
    "work": _("Work"),
    "account": _("Accounts"),
    "auth": _("Sign-in"),
    "personal_data": _("Personal data"),
}

_FIELD_LABELS: dict[str, Label] = {
    "code": _("Code"),
    "name": _("Name"),
    "type": _("Type"),
    "parent": _("Parent unit"),
    "sources": _("Merged units"),
    "into": _("Successor unit"),
    "effective_date": _("Effective date"),
    "title": _("Title"),
    "due_at": _("Due"),
    "status": _("Status"),
    "reason": _("Reason"),
    "note": _("Note"),
    "username": _("Username"),
    "full_name": _("Full name"),
    "kind": _("Kind"),
    "fields": _("Fields"),
    "purpose": _("Purpose"),
}

# Keys whose two-item list values mean [before, after] (older services record transitions so).
_TRANSITION_KEYS = {"status"}

_VALUE_LABELS: dict[tuple[str, str], Label] = {
    **{("type", str(value)): label for value, label in UnitType.choices},
    **{("status", str(value)): label for value, label in WorkStatus.choices},
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def action_label_register(code: str, label: Label) -> None:
    """Give the audit action `code` a readable (translatable) name."""
    _ACTION_LABELS[code] = label


def action_group_register(prefix: str, label: Label) -> None:
    """Name the group of audit actions whose codes start with `prefix` and a dot."""
    _GROUP_LABELS[prefix] = label


def field_label_register(key: str, label: Label) -> None:
    """Give a key found in audit `changes` a readable (translatable) name."""
    _FIELD_LABELS[key] = label


def action_label(code: str) -> Label:
    """Return the readable name of an audit action, or its code when none is registered."""
    return _ACTION_LABELS.get(code, code)


def group_label(prefix: str) -> Label:
    """Return the readable name of a group of audit actions, or its prefix."""
    return _GROUP_LABELS.get(prefix, prefix)


def action_choices() -> list[tuple[str, list[tuple[str, Label]]]]:
    """Grouped choices for an action filter: per group, "any action of the group" then each action."""
    groups: dict[str, list[tuple[str, Label]]] = {}
    for code, label in _ACTION_LABELS.items():
        groups.setdefault(code.split(".", 1)[0], []).append((code, label))
    choices = []
    for prefix in sorted(groups, key=lambda p: str(group_label(p))):
        name = group_label(prefix)
        any_action = (f"{prefix}.", format_lazy(_("Any action: {group}"), group=name))
        choices.append((str(name), [any_action, *groups[prefix]]))
    return choices


def field_label(key: str) -> Label:
    """Return the readable name of a key in audit `changes`, or the key itself."""
    return _FIELD_LABELS.get(key, key)


def _scalar(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    known = _VALUE_LABELS.get((key, text))
    if known is not None:
        return str(known)
    if _ISO_DATE.match(text) and (day := parse_date(text)):
        return formats.date_format(day, "d/m/Y")
    if _ISO_DATETIME.match(text):
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if isinstance(moment, dt.datetime):
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "d/m/Y H:i")
    return text


def change_text(key: str, value: Any) -> str:
    """Readable text of one value in audit `changes` (transitions read "before → after")."""
    if isinstance(value, dict) and set(value) in ({"from", "to"}, {"old", "new"}):
        before, after = (value["from"], value["to"]) if "from" in value else (value["old"], value["new"])
        return f"{_scalar(key, before)} → {_scalar(key, after)}"
    if isinstance(value, list) and key in _TRANSITION_KEYS and len(value) == 2:
        return f"{_scalar(key, value[0])} → {_scalar(key, value[1])}"
    if isinstance(value, list):
        return ", ".join(_scalar(key, v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {_scalar(k, v)}" for k, v in value.items()) or "—"
    return _scalar(key, value)
