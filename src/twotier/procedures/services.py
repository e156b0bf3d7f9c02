"""Writes for the procedure catalogue: procedures, versions (draft → published → retired) and imports.

Every write checks `policies.require_catalogue_manage`, runs in one transaction and records an
audit event inside it. A published version is never edited: a change makes a new version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from twotier.core.audit import audit_record
from twotier.core.errors import Conflict, FieldIssue, InvalidInput
from twotier.core.text import fold, nfc
from twotier.procedures import xlsx
from twotier.procedures.document import (
    PROCEDURE_KEYS,
    canonical_record,
    empty_document,
    record_issues,
    validate_document,
    version_content,
    version_record,
)
from twotier.procedures.models import (
    ComponentSpec,
    FeeLine,
    Procedure,
    ProcedureVersion,
    VersionStatus,
)
from twotier.procedures.policies import require_catalogue_manage

# procedure_version_update(**fields): model field name → where it lives in a record.
_TIME_LIMIT_FIELDS = {"time_limit_value": "value", "time_limit_unit": "unit", "time_limit_text": "text"}
_RECORD_FIELDS = (
    "valid_from",
    "cutoff_applies",
    "requires_paper_result",
    "online_level",
    "full_process_eligible",
    "online_submission",
    "agency",
    "results",
    "fees",
    "components",
    "process",
    "source",
    "confidence",
    "notes",
)
UPDATABLE_FIELDS = (*_TIME_LIMIT_FIELDS, *_RECORD_FIELDS)
_RECORD_PATH_TO_FIELD = {f"time_limit.{key}": name for name, key in _TIME_LIMIT_FIELDS.items()}


@dataclass
class ImportReport:
    """What an import did: procedures created, updated (a new published version) and unchanged."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything."""
        return bool(self.created or self.updated)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (API responses, command output)."""
        return {
            "created": list(self.created),
            "updated": list(self.updated),
            "unchanged": list(self.unchanged),
            "versions": dict(self.versions),
        }


# --------------------------------------------------------------------------- helpers
def _versions_with_lines() -> Any:
    return ProcedureVersion.objects.select_related("procedure").prefetch_related(
        Prefetch("fee_lines", queryset=FeeLine.objects.order_by("order")),
        Prefetch("components", queryset=ComponentSpec.objects.order_by("order")),
    )


def _fresh(version: ProcedureVersion) -> ProcedureVersion:
    return _versions_with_lines().get(pk=version.pk)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _write_content(
    version: ProcedureVersion,
    record: dict[str, Any],
    *,
    templates: dict[str, Any] | None = None,
) -> None:
    """Store a canonical record's version content on `version` and replace its fee and component lines."""
    time_limit = record["time_limit"]
    version.valid_from = dt.date.fromisoformat(record["valid_from"]) if record["valid_from"] else None
    version.time_limit_value = _decimal(time_limit["value"])
    version.time_limit_unit = time_limit["unit"]
    version.time_limit_text = time_limit["text"]
    for name in (
        "cutoff_applies",
        "requires_paper_result",
        "online_level",
        "full_process_eligible",
        "online_submission",
        "agency",
        "results",
        "process",
        "source",
        "confidence",
        "notes",
    ):
        setattr(version, name, record[name])
    version.save()
    version.fee_lines.all().delete()
    FeeLine.objects.bulk_create(
        FeeLine(version=version, order=order, **fee) for order, fee in enumerate(record["fees"])
    )
    version.components.all().delete()
    templates = templates or {}
    ComponentSpec.objects.bulk_create(
        ComponentSpec(version=version, order=order, template=templates.get(c["code"]) or "", **c)
        for order, c in enumerate(record["components"])
    )


def _templates_of(version: ProcedureVersion | None) -> dict[str, Any]:
    """Component templates by component code, carried over to a new version."""
    if version is None:
        return {}
    return {c.code: c.template.name for c in version.components.all() if c.template}


def _next_number(procedure: Procedure) -> int:
    top = procedure.versions.aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


def _publish(version: ProcedureVersion) -> ProcedureVersion | None:
    """Retire the published version of the procedure (returned) and publish `version`."""
    previous = (
        ProcedureVersion.objects.select_for_update()
        .filter(procedure_id=version.procedure_id, status=VersionStatus.PUBLISHED)
        .exclude(pk=version.pk)
        .first()
    )
    if previous is not None:
        previous.status = VersionStatus.RETIRED
        previous.save(update_fields=["status"])
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    return previous


def _record_field(path: str) -> str:
    """Map a record path back to the service's field name (time_limit.value → time_limit_value)."""
    for prefix, name in _RECORD_PATH_TO_FIELD.items():
        if path == prefix or path.startswith(prefix + "."):
            return name + path[len(prefix) :]
    return path


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: {"from": before.get(key), "to": value} for key, value in after.items() if before.get(key) != value}


def _procedure_fields(code: str, name: str, field_: str, level: str) -> list[FieldIssue]:
    record = {
        "code": code,
        "name": name,
        "field": field_,
        "level": level,
        "time_limit": {"value": None, "unit": None},
        "process": {},
    }
    issues = record_issues(record, require_process=False)
    return [i for i in issues if i.field in ("code", "name", "field", "level")]


# --------------------------------------------------------------------------- procedures
@transaction.atomic
def procedure_create(*, actor: Any, code: str, name: str, field: str, level: str, is_demo: bool = False) -> Procedure:
    """Create a procedure (without versions) after checking its code, name, field and level."""
    require_catalogue_manage(actor)
    code, name, field = nfc(code.strip()), nfc(name.strip()), nfc(field.strip())
    issues = _procedure_fields(code, name, field, level)
    if Procedure.objects.filter(code=code).exists():
        issues.append(FieldIssue("code", "unique", f"a procedure with the code {code} already exists"))
    if issues:
        raise InvalidInput("The procedure is not valid", issues)
    procedure = Procedure.objects.create(
        code=code, name=name, name_folded=fold(name), field=field, level=level, is_demo=is_demo
    )
    audit_record(
        actor=actor,
        action="procedure.create",
        target=procedure,
        changes={"code": code, "name": name, "field": field, "level": level, "is_demo": is_demo},
    )
    return procedure


@transaction.atomic
def procedure_update(*, actor: Any, procedure: Procedure, **fields: Any) -> Procedure:
    """Change a procedure's name, field, level or demo flag (not versioned: they identify it)."""
    require_catalogue_manage(actor)
    unknown = sorted(set(fields) - {"name", "field", "level", "is_demo"})
    if unknown:
        raise InvalidInput(
            "Unknown fields",
            [FieldIssue(name, "unknown_field", "cannot be changed on a procedure") for name in unknown],
        )
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    after = {
        "name": nfc(str(fields.get("name", procedure.name)).strip()),
        "field": nfc(str(fields.get("field", procedure.field)).strip()),
        "level": fields.get("level", procedure.level),
        "is_demo": bool(fields.get("is_demo", procedure.is_demo)),
    }
    issues = _procedure_fields(procedure.code, after["name"], after["field"], after["level"])
    if issues:
        raise InvalidInput("The procedure is not valid", issues)
    changes = _diff({k: getattr(procedure, k) for k in after}, after)
    if not changes:
        return procedure
    for key, value in after.items():
        setattr(procedure, key, value)
    procedure.name_folded = fold(procedure.name)
    procedure.save()
    audit_record(actor=actor, action="procedure.update", target=procedure, changes=changes)
    return procedure


# --------------------------------------------------------------------------- versions
@transaction.atomic
def procedure_create_version(
    *, actor: Any, procedure: Procedure, from_version: ProcedureVersion | None = None
) -> ProcedureVersion:
    """Start a draft copying `from_version` or the latest version (Conflict if a draft exists)."""
    require_catalogue_manage(actor)
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if from_version is not None and from_version.procedure_id != procedure.pk:
        raise InvalidInput(
            "The version to copy belongs to another procedure",
            [FieldIssue("from_version", "same_procedure", f"must be a version of {procedure.code}")],
        )
    draft = procedure.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        raise Conflict(
            f"Procedure {procedure.code} already has a draft (version {draft.number}); edit or publish it",
            code="draft_exists",
        )
    source = from_version or procedure.versions.order_by("-number").first()
    version = ProcedureVersion(procedure=procedure, number=_next_number(procedure))
    version.save()
    if source is not None:
        source = _fresh(source)
        _write_content(version, version_record(source), templates=_templates_of(source))
    audit_record(
        actor=actor,
        action="procedure_version.create",
        target=version,
        changes={"number": version.number, "copied_from": source.number if source else None},
    )
    return _fresh(version)


def _apply_fields(record: dict[str, Any], fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Overlay `fields` on a record; returns (record, component templates given by code)."""
    updated = {**record, "time_limit": dict(record["time_limit"])}
    templates: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _TIME_LIMIT_FIELDS:
            if isinstance(value, Decimal):
                value = int(value) if value == value.to_integral_value() else float(value)
            updated["time_limit"][_TIME_LIMIT_FIELDS[name]] = value if value != "" else None
        elif name == "valid_from":
            updated["valid_from"] = value.isoformat() if isinstance(value, dt.date) else (value or None)
        elif name == "components" and isinstance(value, list):
            rows = []
            for position, row in enumerate(value, 1):
                row = dict(row) if isinstance(row, dict) else row
                if isinstance(row, dict) and "template" in row:
                    templates[str(row.get("code") or f"C{position}")] = row.pop("template")
                rows.append(row)
            updated["components"] = rows
        else:
            updated[name] = value
    return updated, templates


def _update_issues(raw: dict[str, Any], fields: dict[str, Any]) -> list[FieldIssue]:
    unknown = sorted(set(fields) - set(UPDATABLE_FIELDS))
    if unknown:
        return [FieldIssue(name, "unknown_field", "is not a field of a procedure version") for name in unknown]
    issues = record_issues(raw, require_process=False)
    return [FieldIssue(_record_field(i.field), i.rule, i.message) for i in issues]


def version_update_issues(version: ProcedureVersion, **fields: Any) -> list[FieldIssue]:
    """The problems `procedure_version_update(version=version, **fields)` would report (nothing is saved)."""
    raw, _templates = _apply_fields(version_record(_fresh(version)), fields)
    return _update_issues(raw, fields)


@transaction.atomic
def procedure_version_update(*, actor: Any, version: ProcedureVersion, **fields: Any) -> ProcedureVersion:
    """Change a draft's fields (UPDATABLE_FIELDS; fees/components replace lines); Conflict if not a draft."""
    require_catalogue_manage(actor)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            f"Version {version.number} is {version.status}: only drafts can be edited; create a new version",
            code="not_draft",
        )
    version = _fresh(version)
    before = version_record(version)
    raw, templates = _apply_fields(before, fields)
    issues = _update_issues(raw, fields)
    if issues:
        raise InvalidInput("The version is not valid", issues)
    after = canonical_record(raw)
    original = _templates_of(version)
    kept = {**original, **templates}
    changes = _diff(version_content(before), version_content(after))
    template_changes = sorted(
        code for code, new in templates.items() if str(new or "") != str(original.get(code) or "")
    )
    if not changes and not template_changes:
        return version
    _write_content(version, after, templates=kept)
    if template_changes:
        changes["templates"] = template_changes
    audit_record(actor=actor, action="procedure_version.update", target=version, changes=changes)
    return _fresh(version)


def version_issues(version: ProcedureVersion) -> list[FieldIssue]:
    """What keeps a version from being published (empty when it is complete and valid)."""
    issues = record_issues(version_record(_fresh(version)), require_process=True)
    return [FieldIssue(_record_field(i.field), i.rule, i.message) for i in issues]


@transaction.atomic
def procedure_version_publish(*, actor: Any, version: ProcedureVersion) -> ProcedureVersion:
    """Publish a draft after validating it (process included) and retire the published one; idempotent."""
    require_catalogue_manage(actor)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.PUBLISHED:
        return version
    if version.status == VersionStatus.RETIRED:
        raise Conflict(
            f"Version {version.number} was retired; create a new version to publish it again", code="retired"
        )
    issues = version_issues(version)
    if issues:
        raise InvalidInput(f"Version {version.number} cannot be published", issues)
    previous = _publish(version)
    audit_record(
        actor=actor,
        action="procedure_version.publish",
        target=version,
        changes={"number": version.number, "retired": previous.number if previous else None},
    )
    return _fresh(version)


# --------------------------------------------------------------------------- import / export
def _import_one(actor: Any, record: dict[str, Any], report: ImportReport) -> None:
    code = record["code"]
    procedure = Procedure.objects.select_for_update().filter(code=code).first()
    wanted = {key: record[key] for key in PROCEDURE_KEYS}
    existed = procedure is not None
    if procedure is None:
        procedure = Procedure.objects.create(
            code=code,
            name=record["name"],
            name_folded=fold(record["name"]),
            field=record["field"],
            level=record["level"],
            is_demo=record["is_demo"],
        )
        procedure_changes: dict[str, Any] = {}
        current = None
    else:
        procedure_changes = _diff({key: getattr(procedure, key) for key in PROCEDURE_KEYS}, wanted)
        current = _versions_with_lines().filter(procedure=procedure, status=VersionStatus.PUBLISHED).first()
    content_changes = _diff(version_content(version_record(current)), version_content(record)) if current else {}
    if current is not None and not procedure_changes and not content_changes:
        report.unchanged.append(code)
        report.versions[code] = current.number
        return
    if procedure_changes:
        for key in procedure_changes:
            setattr(procedure, key, wanted[key])
        procedure.name_folded = fold(procedure.name)
        procedure.save()
    number = current.number if current else 0
    if current is None or content_changes:
        version = ProcedureVersion.objects.create(procedure=procedure, number=_next_number(procedure))
        _write_content(version, record, templates=_templates_of(current))
        _publish(version)
        number = version.number
    (report.updated if existed else report.created).append(code)
    report.versions[code] = number
    audit_record(
        actor=actor,
        action="procedure.import",
        target=procedure,
        changes={
            "version": number,
            "retired": current.number if current and content_changes else None,
            "procedure": procedure_changes,
            "content": sorted(content_changes),
        },
    )


def catalogue_import(*, actor: Any, document: dict[str, Any], mark_demo: bool = False) -> ImportReport:
    """Import a catalogue document: all or nothing, idempotent; a changed procedure gets a new version."""
    require_catalogue_manage(actor)
    issues = validate_document(document)
    if issues:
        raise InvalidInput(
            f"The catalogue document has {len(issues)} problem{'s' if len(issues) != 1 else ''}; nothing was imported",
            issues,
        )
    records = [canonical_record(r, is_demo=True if mark_demo else None) for r in document["procedures"]]
    report = ImportReport()
    with transaction.atomic():
        for record in records:
            _import_one(actor, record, report)
    return report


def catalogue_export(*, codes: Iterable[str] | None = None) -> dict[str, Any]:
    """The published catalogue (or the given codes) as a document in the import format, sorted by code."""
    versions = _versions_with_lines().filter(status=VersionStatus.PUBLISHED).order_by("procedure__code")
    if codes is not None:
        wanted = sorted({nfc(c.strip()) for c in codes if c.strip()})
        versions = versions.filter(procedure__code__in=wanted)
        missing = sorted(set(wanted) - {v.procedure.code for v in versions})
        if missing:
            raise InvalidInput(
                "Unknown procedures",
                [FieldIssue("codes", "exists", f"no published procedure has the code {code}") for code in missing],
            )
    return empty_document([version_record(v) for v in versions])


def catalogue_import_xlsx(*, actor: Any, file: IO[bytes] | str, mark_demo: bool = False) -> ImportReport:
    """Import a workbook in the documented layout (sheets Procedures, Fees, Components, Steps)."""
    require_catalogue_manage(actor)
    document, locations = xlsx.read_workbook(file)
    try:
        return catalogue_import(actor=actor, document=document, mark_demo=mark_demo)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, xlsx.relocate(exc.fields, locations)) from exc


def catalogue_export_xlsx(codes: Iterable[str] | None = None) -> bytes:
    """The published catalogue (or the given codes) as a workbook in the documented layout."""
    return xlsx.write_workbook(catalogue_export(codes=codes))
