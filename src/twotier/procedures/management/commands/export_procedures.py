"""`manage.py export_procedures FILE(.json|.xlsx) [--codes A,B]`: export the published catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from twotier.core.errors import InvalidInput
from twotier.procedures.services import catalogue_export
from twotier.procedures.xlsx import write_workbook


class Command(BaseCommand):
    help = "Export the published procedure catalogue as a JSON document or an Excel workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        """The output file and an optional list of codes."""
        parser.add_argument("file", help="where to write: a .json or .xlsx path")
        parser.add_argument("--codes", default="", help="comma-separated procedure codes (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Export and report how many procedures were written."""
        path = Path(options["file"])
        codes = [code for code in options["codes"].split(",") if code.strip()] or None
        suffix = path.suffix.lower()
        if suffix not in (".json", ".xlsx"):
            raise CommandError(f"{path}: expected a .json or .xlsx file name")
        try:
            document = catalogue_export(codes=codes)
        except InvalidInput as exc:
            raise CommandError("; ".join(f"{i.field}: {i.message}" for i in exc.fields) or exc.message) from exc
        if suffix == ".xlsx":
            path.write_bytes(write_workbook(document))
        else:
            path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"{path}: {len(document['procedures'])} procedures exported")
