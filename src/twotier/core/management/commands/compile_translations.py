"""Compile every `django.po` under `src/twotier/**/locale/` to `.mo` with polib (no GNU gettext needed)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

PACKAGE_DIR = Path(__file__).resolve().parents[3]


def catalogues(root: Path = PACKAGE_DIR) -> list[Path]:
    """Return every `django.po` inside a `locale` folder under `root`."""
    return sorted(p for p in root.glob("**/locale/*/LC_MESSAGES/django.po") if p.is_file())


def compile_catalogue(po_path: Path, *, force: bool = False) -> bool:
    """Write the `.mo` beside `po_path` when missing or older; return whether it was written.

    The file is written under a temporary name and moved into place, so that parallel test
    workers never read half a catalogue.
    """
    mo_path = po_path.with_suffix(".mo")
    if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return False
    try:
        catalogue = polib.pofile(str(po_path))
    except (OSError, ValueError) as exc:
        raise CommandError(f"{po_path}: {exc}") from exc
    handle, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=".django-", suffix=".mo")
    os.close(handle)
    try:
        catalogue.save_as_mofile(tmp_name)
        os.replace(tmp_name, mo_path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return True


def compile_all(root: Path = PACKAGE_DIR, *, force: bool = False) -> list[Path]:
    """Compile every catalogue under `root`; return the `.po` files that were (re)compiled."""
    return [po for po in catalogues(root) if compile_catalogue(po, force=force)]


class Command(BaseCommand):
    help = "Compile every django.po under src/twotier/**/locale/ to .mo (pure Python, via polib)."

    def add_arguments(self, parser: CommandParser) -> None:
        """Declare --force."""
        parser.add_argument("--force", action="store_true", help="Recompile even when the .mo is newer.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Compile the package's catalogues (and those in LOCALE_PATHS) and report what changed."""
        found = set(catalogues(PACKAGE_DIR))
        for locale_dir in settings.LOCALE_PATHS:
            found.update(Path(locale_dir).glob("*/LC_MESSAGES/django.po"))
        unique = sorted({po.resolve() for po in found})
        compiled = [po for po in unique if compile_catalogue(po, force=options["force"])]
        for po in compiled:
            self.stdout.write(f"compiled {po.with_suffix('.mo')}")
        self.stdout.write(f"{len(compiled)} of {len(unique)} catalogue(s) compiled")
