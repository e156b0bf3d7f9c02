"""`manage.py import_procedures FILE(.json|.xlsx) [--demo]`: import a catalogue document or workbook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twotier.core.actors import SystemActor
from twotier.core.errors import InvalidInput
from twotier.procedures.services import ImportReport, catalogue_import, catalogue_import_xlsx

ACTOR = SystemActor("import_procedures")


class Command(BaseCommand):
    help = "Import procedures from a JSON document or an Excel workbook (all or nothing, idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        """The input file and the demo flag."""
        parser.add_argument("file", help="a .json catalogue document or a .xlsx workbook")
        parser.add_argument("--demo", action="store_true", help="mark every imported procedure as demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        """Import, then report created, updated and unchanged procedures."""
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = self._import(path, demo=options["demo"])
        except InvalidInput as exc:
            lines = [f"  {issue.field}: {issue.message} [{issue.rule}]" for issue in exc.fields]
            raise CommandError("\n".join([f"{path}: {exc.message}", *lines])) from exc
        self.stdout.write(
            f"{path}: {len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
        )
        for code in report.created + report.updated:
            self.stdout.write(f"  {code} v{report.versions[code]}")

    def _import(self, path: Path, *, demo: bool) -> ImportReport:
        if path.suffix.lower() == ".xlsx":
            with path.open("rb") as handle:
                return catalogue_import_xlsx(actor=ACTOR, file=handle, mark_demo=demo)
        if path.suffix.lower() != ".json":
            raise CommandError(f"{path}: expected a .json or .xlsx file")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path}: not a JSON document ({exc})") from exc
        return catalogue_import(actor=ACTOR, document=document, mark_demo=demo)
