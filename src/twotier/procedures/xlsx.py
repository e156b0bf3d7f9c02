"""The catalogue as an Excel workbook: four sheets keyed by procedure code (docs/procedures.md).

`read_workbook` turns a workbook into a catalogue document (plus where each record came from, so
that validation errors can name the sheet and row); `write_workbook` does the reverse. Cells that
cannot be converted are passed on as they are, so the document validation reports them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.procedures.document import empty_document


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, code, bool, int, number, date, lines, list, unit
    required: bool = False
    width: int = 16


PROCEDURE_COLUMNS = (
    Column("code", "code", True, 12),
    Column("name", "text", True, 60),
    Column("field", "text", True, 24),
    Column("level", "text", True, 10),
    Column("is_demo", "bool", width=8),
    Column("valid_from", "date", width=12),
    Column("time_limit_value", "number", width=10),
    Column("time_limit_unit", "text", width=12),
    Column("time_limit_text", "text", width=40),
    Column("cutoff_applies", "bool", width=10),
    Column("requires_paper_result", "bool", width=10),
    Column("online_level", "text", width=10),
    Column("full_process_eligible", "bool", width=10),
    Column("online_submission", "bool", width=10),
    Column("agency", "text", width=40),
    Column("results", "lines", width=40),
    Column("source", "text", width=40),
    Column("confidence", "text", width=8),
    Column("notes", "text", width=60),
)
FEE_COLUMNS = (
    Column("procedure_code", "code", True, 12),
    Column("code", "code", width=8),
    Column("name", "text", True, 60),
    Column("amount_vnd", "int", width=14),
    Column("per", "text", width=16),
    Column("note", "text", width=60),
)
COMPONENT_COLUMNS = (
    Column("procedure_code", "code", True, 12),
    Column("code", "code", width=8),
    Column("name", "text", True, 70),
    Column("form", "text", width=18),
    Column("quantity", "int", width=8),
    Column("required", "bool", width=8),
    Column("condition", "text", width=50),
)
STEP_COLUMNS = (
    Column("procedure_code", "code", True, 12),
    Column("key", "text", True, 12),
    Column("name", "text", True, 36),
    Column("unit", "unit", True, 32),
    Column("role", "text", True, 18),
    Column("hours", "number", True, 8),
    Column("actions", "list", True, 60),
)
SHEETS: dict[str, tuple[Column, ...]] = {
    "Procedures": PROCEDURE_COLUMNS,
    "Fees": FEE_COLUMNS,
    "Components": COMPONENT_COLUMNS,
    "Steps": STEP_COLUMNS,
}
_TRUE = {"true", "yes", "y", "1", "x", "có", "co", "đúng"}
_FALSE = {"false", "no", "n", "0", "không", "khong", "sai"}
UNIT_SYNTAX = "receiving, receiving_department:VX (or KT), province_department:<CODE> or unit_code:<CODE>"

ABOUT = (
    "TwoTier procedure catalogue — one row per procedure in Procedures; Fees, Components and Steps "
    "have one row per line, keyed by procedure_code, in order.",
    "Yes/no columns: TRUE/FALSE (also yes/no, 1/0, có/không). Empty cells take the default.",
    "Codes are text: format the column as Text so that 2.000720 keeps its zeros.",
    f"Steps.unit: {UNIT_SYNTAX}. Steps.actions: comma-separated.",
    "Procedures.results: one result document per line of the cell.",
    "See docs/procedures.md for every column and its allowed values.",
)


# --------------------------------------------------------------------------- reading
class _Reader:
    def __init__(self) -> None:
        self.issues: list[FieldIssue] = []

    def cell(self, sheet: str, row: int, column: Column, value: Any) -> tuple[bool, Any]:
        """(present, converted value) of one cell; an empty cell is absent."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.kind == "lines":
                return True, []
            if column.kind in ("number", "date") or column.name in ("time_limit_unit", "amount_vnd"):
                return True, None
            return False, None
        where = f"{sheet}!{row}.{column.name}"
        if column.kind == "code":
            if not isinstance(value, str):
                self.issues.append(
                    FieldIssue(
                        where,
                        "text",
                        f"must be text, got the number {value!r}: format the column as Text so that "
                        "codes such as 2.000720 keep their zeros",
                    )
                )
                return True, str(value)
            return True, value.strip()
        if column.kind == "text":
            return True, str(value).strip() if not isinstance(value, str) else value.strip()
        if column.kind == "bool":
            return True, _bool(value)
        if column.kind == "int":
            return True, _int(value)
        if column.kind == "number":
            return True, _number(value)
        if column.kind == "date":
            if isinstance(value, dt.datetime):
                return True, value.date().isoformat()
            if isinstance(value, dt.date):
                return True, value.isoformat()
            return True, str(value).strip()
        if column.kind == "lines":
            return True, [line.strip() for line in str(value).splitlines() if line.strip()]
        if column.kind == "list":
            return True, [part for part in re.split(r"[,;\s]+", str(value)) if part]
        if column.kind == "unit":
            unit = parse_unit(str(value))
            if unit is None:
                self.issues.append(FieldIssue(where, "unit_selector", f"must be {UNIT_SYNTAX}; got {value!r}"))
                return True, {}
            return True, unit
        raise AssertionError(f"unknown column kind {column.kind}")

    def rows(self, workbook: Any, sheet: str) -> list[tuple[int, dict[str, Any]]]:
        """The non-empty rows of a sheet as (row number, {column: value}) with converted values."""
        columns = SHEETS[sheet]
        if sheet not in workbook.sheetnames:
            self.issues.append(FieldIssue(sheet, "sheet_required", f"the workbook has no sheet named {sheet}"))
            return []
        rows = workbook[sheet].iter_rows(values_only=True)
        header = next(rows, None) or ()
        names = [str(h).strip() if h is not None else "" for h in header]
        by_name = {c.name: c for c in columns}
        for position, name in enumerate(names, 1):
            if name and name not in by_name:
                self.issues.append(
                    FieldIssue(
                        f"{sheet}!1.{get_column_letter(position)}",
                        "unknown_column",
                        f"{name!r} is not a column of {sheet} (columns: {', '.join(by_name)})",
                    )
                )
        for column in columns:
            if column.required and column.name not in names:
                self.issues.append(
                    FieldIssue(f"{sheet}!1", "column_required", f"the column {column.name!r} is missing")
                )
        result = []
        for number, values in enumerate(rows, 2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            row: dict[str, Any] = {}
            for name, value in zip(names, values, strict=False):
                found = by_name.get(name)
                if found is None:
                    continue
                present, converted = self.cell(sheet, number, found, value)
                if present:
                    row[name] = converted
            result.append((number, row))
        return result


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value  # the validation reports it


def _int(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    try:
        amount = Decimal(str(value).strip().replace(" ", ""))
    except InvalidOperation:
        return value
    return int(amount) if amount == amount.to_integral_value() else value


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return value
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def parse_unit(text: str) -> dict[str, str] | None:
    """Parse the Steps.unit cell syntax into a unit selector, or None when it is not one."""
    kind, _, argument = (part.strip() for part in text.strip().partition(":"))
    if kind == "receiving" and not argument:
        return {"relative": "receiving"}
    if kind == "receiving_department" and argument:
        return {"relative": "receiving_department", "department": argument}
    if kind in ("province_department", "unit_code") and argument:
        return {kind: argument}
    return None


def format_unit(unit: dict[str, Any]) -> str:
    """The Steps.unit cell text of a unit selector."""
    if unit.get("relative") == "receiving":
        return "receiving"
    if unit.get("relative") == "receiving_department":
        return f"receiving_department:{unit.get('department', '')}"
    for kind in ("province_department", "unit_code"):
        if kind in unit:
            return f"{kind}:{unit[kind]}"
    return str(unit)


def read_workbook(file: IO[bytes] | str) -> tuple[dict[str, Any], dict[str, str]]:
    """A catalogue document from a workbook, and the sheet row each record came from."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InvalidInput(
            "The file is not an Excel workbook",
            [FieldIssue("file", "xlsx", f"is not a readable .xlsx workbook ({exc.__class__.__name__})")],
        ) from exc
    reader = _Reader()
    try:
        sheets = {name: reader.rows(workbook, name) for name in SHEETS}
    finally:
        workbook.close()
    records: list[dict[str, Any]] = []
    locations: dict[str, str] = {}
    index_of: dict[str, int] = {}
    for number, row in sheets["Procedures"]:
        index = len(records)
        record: dict[str, Any] = {key: value for key, value in row.items() if not key.startswith("time_limit_")}
        time_limit = {key[len("time_limit_") :]: value for key, value in row.items() if key.startswith("time_limit_")}
        record["time_limit"] = {"value": None, "unit": None, **time_limit}
        record["fees"], record["components"], record["process"] = [], [], {"steps": []}
        records.append(record)
        locations[f"procedures[{index}]"] = f"Procedures!{number}"
        code = row.get("code")
        if isinstance(code, str):
            index_of.setdefault(code, index)
            locations[f"procedures[{index}].fees"] = f"Fees:{code}"
            locations[f"procedures[{index}].components"] = f"Components:{code}"
            locations[f"procedures[{index}].process"] = f"Steps:{code}"
    for sheet, target in (("Fees", "fees"), ("Components", "components"), ("Steps", "steps")):
        for number, row in sheets[sheet]:
            code = row.pop("procedure_code", None)
            if code not in index_of:
                reader.issues.append(
                    FieldIssue(
                        f"{sheet}!{number}.procedure_code",
                        "unknown_procedure",
                        f"{code!r} is not a code in the Procedures sheet",
                    )
                )
                continue
            index = index_of[code]
            lines = records[index]["process"]["steps"] if target == "steps" else records[index][target]
            path = f"procedures[{index}].{'process.steps' if target == 'steps' else target}[{len(lines)}]"
            lines.append(row)
            locations[path] = f"{sheet}!{number}"
    if reader.issues:
        raise InvalidInput(
            f"The workbook has {len(reader.issues)} problem{'s' if len(reader.issues) != 1 else ''}; "
            "nothing was imported",
            reader.issues,
        )
    return empty_document(records), locations


def relocate(issues: Sequence[FieldIssue], locations: dict[str, str]) -> list[FieldIssue]:
    """Rename document paths in `issues` to sheet locations (`procedures[0].fees[1].name` → `Fees!7.name`)."""
    keys = sorted(locations, key=len, reverse=True)
    moved = []
    for issue in issues:
        field = issue.field
        for key in keys:
            if field == key or field.startswith((key + ".", key + "[")):
                rest = field[len(key) :]
                rest = re.sub(r"^\.time_limit\.", ".time_limit_", rest)
                rest = re.sub(r"^\.unit\..*$", ".unit", rest)
                rest = re.sub(r"^\.(actions|results)\[\d+\]$", r".\1", rest)
                field = locations[key] + rest
                break
        moved.append(FieldIssue(field, issue.rule, issue.message))
    return moved


# --------------------------------------------------------------------------- writing
def _cell_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "lines":
        return "\n".join(value) or None
    if column.kind == "list":
        return ", ".join(value)
    if column.kind == "unit":
        return format_unit(value)
    if isinstance(value, str) and not value:
        return None
    return value


def _write_sheet(workbook: Workbook, title: str, rows: list[dict[str, Any]]) -> None:
    columns = SHEETS[title]
    sheet = workbook.create_sheet(title)
    sheet.append([c.name for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell_value(c, row.get(c.name)) for c in columns])
    for position, column in enumerate(columns, 1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width
        if column.kind == "code":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = "@"
        if column.kind in ("lines", "text") and column.width >= 40:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"


def write_workbook(document: dict[str, Any]) -> bytes:
    """A workbook (bytes) holding a catalogue document in the documented layout."""
    procedures: list[dict[str, Any]] = []
    fees: list[dict[str, Any]] = []
    components: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for record in document["procedures"]:
        code = record["code"]
        row = {key: value for key, value in record.items() if key not in ("time_limit", "fees", "components")}
        for key, value in record["time_limit"].items():
            row[f"time_limit_{key}"] = value
        procedures.append(row)
        fees.extend({"procedure_code": code, **fee} for fee in record["fees"])
        components.extend({"procedure_code": code, **c} for c in record["components"])
        steps.extend({"procedure_code": code, **step} for step in (record["process"] or {}).get("steps", []))
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = "About"
    for line in ABOUT:
        about.append([line])
    about.column_dimensions["A"].width = 120
    _write_sheet(workbook, "Procedures", procedures)
    _write_sheet(workbook, "Fees", fees)
    _write_sheet(workbook, "Components", components)
    _write_sheet(workbook, "Steps", steps)
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
