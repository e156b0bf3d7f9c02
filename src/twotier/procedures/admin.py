"""Admin for the procedure catalogue. Writes go through the services (validated and audited).

Published and retired versions are read-only; a draft is edited here (fields, fees, components and
the process JSON, validated under the field) and published with the "Publish" action.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest

from twotier.core.errors import DomainError, InvalidInput
from twotier.procedures.deadlines import hours_for_time_limit
from twotier.procedures.models import ComponentSpec, FeeLine, Procedure, ProcedureVersion, VersionStatus
from twotier.procedures.process_schema import validate_process
from twotier.procedures.services import (
    procedure_create,
    procedure_create_version,
    procedure_update,
    procedure_version_publish,
    procedure_version_update,
    version_update_issues,
)

VERSION_FORM_FIELDS = [
    "valid_from",
    "time_limit_value",
    "time_limit_unit",
    "time_limit_text",
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
]


def _is_draft(obj: ProcedureVersion | None) -> bool:
    return obj is not None and obj.status == VersionStatus.DRAFT


def _error_text(exc: DomainError) -> str:
    details = "; ".join(f"{f.field}: {f.message} [{f.rule}]" for f in exc.fields)
    return f"{exc.message}: {details}" if details else exc.message


# --------------------------------------------------------------------------- procedures
class ProcedureVersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ("number", "status", "valid_from", "published_at", "time_limit_value", "time_limit_unit")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["-number"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "level", "is_demo", "published_version"]
    list_filter = ["level", "field", "is_demo"]
    search_fields = ["code", "name", "name_folded"]
    fields = ["code", "name", "field", "level", "is_demo"]
    inlines = [ProcedureVersionInline]
    actions = ["create_draft"]

    @admin.display(description="published version")
    def published_version(self, obj: Procedure) -> str:
        """The number of the published version, or a dash."""
        version = obj.versions.filter(status=VersionStatus.PUBLISHED).first()
        return str(version.number) if version else "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Procedure | None = None) -> list[str]:
        """The code identifies the procedure and never changes."""
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Procedure | None = None) -> bool:
        """Procedures are never deleted: dossiers point at their versions."""
        return False

    def save_model(self, request: HttpRequest, obj: Procedure, form: Any, change: bool) -> None:
        """Save through `procedure_create` / `procedure_update`."""
        data = form.cleaned_data
        if change:
            procedure_update(
                actor=request.user,
                procedure=obj,
                **{name: data[name] for name in ("name", "field", "level", "is_demo") if name in data},
            )
        else:
            created = procedure_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                field=data["field"],
                level=data["level"],
                is_demo=data.get("is_demo", False),
            )
            obj.pk = created.pk

    @admin.action(description="Create a draft version (copy of the latest)")
    def create_draft(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> None:
        """Start a draft for each selected procedure through `procedure_create_version`."""
        for procedure in queryset:
            try:
                draft = procedure_create_version(actor=request.user, procedure=procedure)
            except DomainError as exc:
                self.message_user(request, f"{procedure.code}: {_error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"{procedure.code}: draft version {draft.number} created")


# --------------------------------------------------------------------------- versions
class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Lines are added to drafts only."""
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Lines of published or retired versions are read-only."""
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Lines are removed from drafts only."""
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class FeeLineInline(DraftOnlyInline):
    model = FeeLine
    fields = ["order", "code", "name", "amount_vnd", "per", "note"]


class ComponentSpecInline(DraftOnlyInline):
    model = ComponentSpec
    fields = ["order", "code", "name", "form", "quantity", "required", "condition", "template"]


class ProcedureVersionForm(forms.ModelForm):
    class Meta:
        model = ProcedureVersion
        fields = VERSION_FORM_FIELDS
        widgets = {"process": forms.Textarea(attrs={"rows": 24, "cols": 100})}

    def clean_process(self) -> Any:
        """Check the process with `validate_process`; each problem is shown under the field."""
        process = self.cleaned_data.get("process") or {}
        if process:
            limit = hours_for_time_limit(
                self.cleaned_data.get("time_limit_unit") or None, self.cleaned_data.get("time_limit_value")
            )
            issues = validate_process(process, statutory_hours=limit)
            if issues:
                raise forms.ValidationError([f"{i.field}: {i.message} [{i.rule}]" for i in issues])
        return process

    def clean(self) -> dict[str, Any]:
        """Apply the service's other rules (time limit, codes) so the admin shows them by the fields."""
        cleaned = super().clean() or {}
        if self.errors or self.instance.pk is None:
            return cleaned
        changed = {name: cleaned[name] for name in self.changed_data if name in cleaned}
        for issue in version_update_issues(self.instance, **changed):
            if issue.field.startswith("process"):
                continue  # already reported by clean_process
            target = issue.field if issue.field in self.fields else None
            self.add_error(target, f"{issue.field}: {issue.message} [{issue.rule}]")
        return cleaned


def _fee_rows(formset: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": form.cleaned_data.get("code") or "",
            "name": form.cleaned_data.get("name") or "",
            "amount_vnd": form.cleaned_data.get("amount_vnd"),
            "per": form.cleaned_data.get("per") or "",
            "note": form.cleaned_data.get("note") or "",
        }
        for form in _kept_forms(formset)
    ]


def _template_value(form: Any) -> Any:
    value = form.cleaned_data.get("template")
    if value is False:
        return ""  # "clear" was ticked
    if isinstance(value, FieldFile):
        return value.name or ""
    if value is None:
        return form.instance.template.name if form.instance.pk and form.instance.template else ""
    return value  # a new upload


def _component_rows(formset: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": form.cleaned_data.get("code") or "",
            "name": form.cleaned_data.get("name") or "",
            "form": form.cleaned_data.get("form"),
            "quantity": form.cleaned_data.get("quantity"),
            "required": bool(form.cleaned_data.get("required")),
            "condition": form.cleaned_data.get("condition") or "",
            "template": _template_value(form),
        }
        for form in _kept_forms(formset)
    ]


def _kept_forms(formset: Any) -> list[Any]:
    """The forms of a formset that stay: not deleted, not empty extra rows, in their `order`."""
    deleted = set(formset.deleted_forms) if formset.can_delete else set()
    kept = [
        form
        for form in formset.forms
        if form not in deleted and (form.instance.pk is not None or form.has_changed()) and form.cleaned_data
    ]
    return sorted(kept, key=lambda form: (form.cleaned_data.get("order") or 0, formset.forms.index(form)))


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    form = ProcedureVersionForm
    list_display = ["procedure", "number", "status", "valid_from", "published_at", "time_limit"]
    list_filter = ["status", "procedure__level"]
    search_fields = ["procedure__code", "procedure__name_folded"]
    readonly_fields = ["procedure", "number", "status", "published_at"]
    fields = ["procedure", "number", "status", "published_at", *VERSION_FORM_FIELDS]
    inlines = [FeeLineInline, ComponentSpecInline]
    actions = ["publish"]
    list_select_related = ["procedure"]

    @admin.display(description="time limit")
    def time_limit(self, obj: ProcedureVersion) -> str:
        """The time limit as value and unit."""
        if obj.time_limit_unit is None:
            return "—"
        value = "" if obj.time_limit_value is None else f"{obj.time_limit_value.normalize():f} "
        return f"{value}{obj.get_time_limit_unit_display()}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        """New versions come from the procedure's "Create a draft version" action."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> bool:
        """Versions are never deleted: dossiers are received under them."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> bool:
        """Only drafts are editable; published and retired versions are shown read-only."""
        if obj is not None and not _is_draft(obj):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ProcedureVersion, form: Any, change: bool) -> None:
        """Nothing here: `save_related` saves the fields and the lines in one service call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Save the changed fields, fees and components through `procedure_version_update`."""
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in VERSION_FORM_FIELDS}
        for formset in formsets:
            if formset.has_changed():
                if formset.model is FeeLine:
                    fields["fees"] = _fee_rows(formset)
                elif formset.model is ComponentSpec:
                    fields["components"] = _component_rows(formset)
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if fields:
            try:
                procedure_version_update(actor=request.user, version=form.instance, **fields)
            except InvalidInput as exc:
                self.message_user(request, _error_text(exc), messages.ERROR)

    @admin.action(description="Publish (validates the process; retires the published version)")
    def publish(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        """Publish each selected draft through `procedure_version_publish`."""
        for version in queryset.select_related("procedure"):
            label = f"{version.procedure.code} v{version.number}"
            try:
                procedure_version_publish(actor=request.user, version=version)
            except DomainError as exc:
                self.message_user(request, f"{label}: {_error_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"{label} is published")
