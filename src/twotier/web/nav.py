"""The navigation registry: one entry per top-level page, shown when the account's grants allow it.

Apps sit below the UI shell and never import it. To add their pages to the menu they declare plain
data in an optional `ui.py` module, which `twotier.web.extensions.discover` reads at start-up::

    # twotier/dossiers/ui.py
    from django.utils.translation import gettext_lazy as _

    from twotier.org.permissions import P

    NAV_ENTRIES = [
        {"key": "dossiers", "label": _("Dossiers"), "url_name": "dossiers:list",
         "permission": P.DOSSIER_VIEW, "order": 20, "active_for": ("dossiers:detail",)},
    ]
    AUDIT_ACTIONS = {"dossier.receive": _("Dossier received")}
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from twotier.org.access import Grants
from twotier.org.permissions import P


@dataclass(frozen=True)
class NavEntry:
    """One navigation link: shown when the grants hold `permission` (and a post, if `needs_post`)."""

    key: str
    label: str | Promise
    url_name: str
    permission: str | None = None
    needs_post: bool = False
    order: int = 100
    active_for: tuple[str, ...] = field(default=())

    def visible_to(self, grants: Grants) -> bool:
        """Return whether an account with `grants` sees this entry."""
        if self.needs_post and not grants.post_ids:
            return False
        return self.permission is None or grants.has(self.permission)

    def is_active(self, view_name: str) -> bool:
        """Return whether the page being shown belongs to this entry."""
        return view_name == self.url_name or view_name in self.active_for


@dataclass(frozen=True)
class NavLink:
    """A resolved navigation entry, ready for the template."""

    key: str
    label: str | Promise
    url: str
    active: bool


_REGISTRY: dict[str, NavEntry] = {}


def nav_register(entry: NavEntry) -> None:
    """Add (or replace, by key) a navigation entry."""
    _REGISTRY[entry.key] = entry


def nav_entries() -> list[NavEntry]:
    """Return every registered entry, in display order."""
    return sorted(_REGISTRY.values(), key=lambda e: (e.order, e.key))


def nav_for(grants: Grants, view_name: str = "") -> list[NavLink]:
    """Return the links an account with `grants` may follow; entries whose URL is missing are skipped."""
    links = []
    for entry in nav_entries():
        if not entry.visible_to(grants):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        links.append(NavLink(entry.key, entry.label, url, entry.is_active(view_name)))
    return links


nav_register(NavEntry("my_work", _("My work"), "web:my_work", needs_post=True, order=10, active_for=("web:my_work",)))
nav_register(
    NavEntry(
        "units",
        _("Units"),
        "web:unit_list",
        permission=P.UNIT_VIEW,
        order=50,
        active_for=("web:unit_detail",),
    )
)
nav_register(NavEntry("audit", _("Audit log"), "web:audit_log", permission=P.AUDIT_VIEW, order=80))
# The accounts pages belong to the accounts app; their entry sits here until it has a nav module.
nav_register(
    NavEntry(
        "accounts",
        _("Accounts"),
        "accounts:account_list",
        permission=P.ACCOUNT_MANAGE,
        order=85,
        active_for=("accounts:account_create", "accounts:account_reset_password"),
    )
)
nav_register(NavEntry("admin", _("Admin"), "admin:index", permission=P.SYSTEM_ADMIN, order=90))
