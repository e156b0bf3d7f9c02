"""How apps plug into the UI shell without importing it: an optional `ui` module per app.

The module may define `NAV_ENTRIES` (a list of dicts with the fields of `NavEntry`),
`AUDIT_ACTIONS` (audit action code → readable, translatable label), `AUDIT_GROUPS` (action code
prefix → label) and `AUDIT_FIELDS` (key in an event's changes → label).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from django.apps import apps

from twotier.web.labels import action_group_register, action_label_register, field_label_register
from twotier.web.nav import NavEntry, nav_register


def _ui_module(app_name: str) -> ModuleType | None:
    """Import `<app>.ui` when the app has one."""
    name = f"{app_name}.ui"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def register_from(module: ModuleType) -> None:
    """Register the navigation entries and audit labels an app's `ui` module declares."""
    for spec in getattr(module, "NAV_ENTRIES", ()):
        entry = dict(spec)
        entry["active_for"] = tuple(entry.get("active_for", ()))
        nav_register(NavEntry(**entry))
    for code, label in getattr(module, "AUDIT_ACTIONS", {}).items():
        action_label_register(code, label)
    for prefix, label in getattr(module, "AUDIT_GROUPS", {}).items():
        action_group_register(prefix, label)
    for key, label in getattr(module, "AUDIT_FIELDS", {}).items():
        field_label_register(key, label)


def discover() -> None:
    """Read the `ui` module of every installed app."""
    for config in apps.get_app_configs():
        module = _ui_module(config.name)
        if module is not None:
            register_from(module)
