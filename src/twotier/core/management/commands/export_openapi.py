"""`manage.py export_openapi`: write the OpenAPI document, or `--check` a committed copy for drift."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def render_openapi() -> str:
    """Return the API's OpenAPI document as stable, pretty JSON."""
    from twotier.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Export the OpenAPI document (docs/api/openapi.json) or check it for drift."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--output", help="Write the document to this file")
        parser.add_argument("--check", metavar="FILE", help="Fail when FILE differs from the live document")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        document = render_openapi()
        if options["check"]:
            path = Path(options["check"])
            committed = path.read_text(encoding="utf-8") if path.exists() else ""
            if committed != document:
                raise CommandError(f"{path} is out of date: run `make openapi` and commit the result")
            self.stdout.write(self.style.SUCCESS(f"{path} matches the API"))
        elif options["output"]:
            Path(options["output"]).write_text(document, encoding="utf-8")
            self.stdout.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(document)
