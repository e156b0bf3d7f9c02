import json

import pytest
from django.test import Client

from twotier.accounts.models import User
from twotier.accounts.policies import SESSION_MFA_OK
from twotier.core.actors import SystemActor
from twotier.procedures.models import FeeLine, Procedure, ProcedureVersion, VersionStatus
from twotier.procedures.services import catalogue_import, procedure_create_version
from twotier.procedures.tests.helpers import PROCESS, catalogue_state, document, last_event, record

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("test")


@pytest.fixture
def root():
    user = User.objects.create_superuser("root", password="Root@2026!x", must_change_password=False)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_MFA_OK] = True
    session.save()
    return user, client


@pytest.fixture
def draft():
    catalogue_import(actor=SYSTEM, document=document(record()))
    return procedure_create_version(actor=SYSTEM, procedure=Procedure.objects.get(code="1.004873"))


FEE_FIELDS = ("order", "code", "name", "amount_vnd", "per", "note")
COMPONENT_FIELDS = ("order", "code", "name", "form", "quantity", "required", "condition")


def _form_data(version, **overrides):
    """The POST data of the version change form as the browser would send it, unchanged."""
    data = {
        "valid_from": "",
        "time_limit_value": str(version.time_limit_value or ""),
        "time_limit_unit": version.time_limit_unit or "",
        "time_limit_text": version.time_limit_text,
        "cutoff_applies": "on" if version.cutoff_applies else "",
        "requires_paper_result": "on" if version.requires_paper_result else "",
        "online_level": version.online_level,
        "full_process_eligible": "on" if version.full_process_eligible else "",
        "online_submission": "on" if version.online_submission else "",
        "agency": version.agency,
        "results": json.dumps(version.results, ensure_ascii=False),
        "process": json.dumps(version.process, ensure_ascii=False),
        "source": version.source,
        "confidence": version.confidence,
        "notes": version.notes,
    }
    inlines = (
        ("fee_lines", version.fee_lines.order_by("order"), FEE_FIELDS),
        ("components", version.components.order_by("order"), COMPONENT_FIELDS),
    )
    for prefix, lines, fields in inlines:
        rows = list(lines)
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        data[f"{prefix}-MIN_NUM_FORMS"], data[f"{prefix}-MAX_NUM_FORMS"] = "0", "1000"
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = str(row.pk)
            data[f"{prefix}-{i}-version"] = str(version.pk)
            for name in fields:
                value = getattr(row, name)
                if isinstance(value, bool):
                    if value:
                        data[f"{prefix}-{i}-{name}"] = "on"
                else:
                    data[f"{prefix}-{i}-{name}"] = "" if value is None else str(value)
    data = {k: v for k, v in data.items() if v != "" or k.endswith(("amount_vnd", "per", "note", "condition"))}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_procedure_admin_lists_with_the_published_version_and_cannot_delete(root, draft):
    _user, client = root
    response = client.get("/admin/procedures/procedure/")
    assert response.status_code == 200
    assert "1.004873" in response.content.decode()
    page = client.get(f"/admin/procedures/procedure/{draft.procedure.pk}/change/")
    assert page.status_code == 200
    assert client.get(f"/admin/procedures/procedure/{draft.procedure.pk}/delete/").status_code == 403


def test_procedure_admin_creates_through_the_service(root):
    user, client = root
    response = client.post(
        "/admin/procedures/procedure/add/",
        {
            "code": "9.000001",
            "name": "Thủ tục thử",
            "field": "Hộ tịch",
            "level": "commune",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    procedure = Procedure.objects.get(code="9.000001")
    assert procedure.name_folded == "thu tuc thu"
    assert last_event("procedure.create").actor_id == user.pk


def test_create_draft_action(root):
    _user, client = root
    catalogue_import(actor=SYSTEM, document=document(record()))
    procedure = Procedure.objects.get()
    response = client.post(
        "/admin/procedures/procedure/", {"action": "create_draft", "_selected_action": [procedure.pk]}
    )
    assert response.status_code == 302
    assert list(procedure.versions.order_by("number").values_list("number", "status")) == [
        (1, VersionStatus.PUBLISHED),
        (2, VersionStatus.DRAFT),
    ]


def test_published_versions_are_read_only(root, draft):
    _user, client = root
    published = ProcedureVersion.objects.get(procedure=draft.procedure, number=1)
    page = client.get(f"/admin/procedures/procedureversion/{published.pk}/change/")
    assert page.status_code == 200
    assert 'name="process"' not in page.content.decode()
    before = catalogue_state()
    response = client.post(
        f"/admin/procedures/procedureversion/{published.pk}/change/", _form_data(published, notes="sửa")
    )
    assert response.status_code == 403
    assert catalogue_state() == before


def test_a_draft_is_edited_through_the_service(root, draft):
    user, client = root
    fee = draft.fee_lines.get(code="LP")
    response = client.post(
        f"/admin/procedures/procedureversion/{draft.pk}/change/",
        _form_data(draft, notes="Theo NĐ 18/2026", **{"fee_lines-0-amount_vnd": "12000"}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.notes == "Theo NĐ 18/2026"
    assert FeeLine.objects.get(version=draft, code=fee.code).amount_vnd == 12000
    event = last_event("procedure_version.update")
    assert event.actor_id == user.pk
    assert sorted(event.changes) == ["fees", "notes"]


def test_an_invalid_process_is_shown_under_the_field_and_nothing_changes(root, draft):
    _user, client = root
    process = json.loads(json.dumps(PROCESS))
    process["steps"][2]["role"] = "chairman"
    before = catalogue_state()
    response = client.post(
        f"/admin/procedures/procedureversion/{draft.pk}/change/",
        _form_data(draft, process=json.dumps(process)),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["process"]
    assert errors["process"][0].startswith("process.steps[2].role: must be one of: one_stop_receiver")
    assert errors["process"][0].endswith("[enum]")
    assert catalogue_state() == before


def test_a_process_longer_than_the_time_limit_is_refused_in_the_form(root, draft):
    _user, client = root
    before = catalogue_state()
    response = client.post(
        f"/admin/procedures/procedureversion/{draft.pk}/change/", _form_data(draft, time_limit_value="1")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "within_time_limit" in errors["process"][0]
    assert catalogue_state() == before


def test_the_publish_action_calls_the_service(root, draft):
    user, client = root
    response = client.post(
        "/admin/procedures/procedureversion/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "1.004873 v2 is published" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert last_event("procedure_version.publish").actor_id == user.pk


def test_the_publish_action_reports_why_a_version_cannot_be_published(root, draft):
    _user, client = root
    ProcedureVersion.objects.filter(pk=draft.pk).update(process={})
    response = client.post(
        "/admin/procedures/procedureversion/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "process.steps: is required [required]" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
