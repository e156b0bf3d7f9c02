"""Citizen look-up: permission-bound, structure-checked, audited with its purpose, TwoTier's own data only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from twotier.core.actors import SystemActor
from twotier.core.errors import Forbidden
from twotier.core.models import AuditEvent
from twotier.dossiers.citizens import SOURCE, citizen_lookup
from twotier.dossiers.models import Dossier
from twotier.dossiers.services import components, receipt
from twotier.dossiers.services.receipt import Applicant, Submission
from twotier.dossiers.tests.test_uploads import PDF
from twotier.testing.authz import build_world

pytestmark = pytest.mark.urls("twotier.dossiers.tests.test_components")

ID = "096090001234"
PURPOSE = "Xác minh nơi cư trú để giải quyết hồ sơ khai sinh"


@pytest.fixture
def world(desk, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_world(
        desk.commune, ("population_searcher", "one_stop_receiver"), baseline_roles=("one_stop_receiver",)
    )


def _receive(actor, unit, *, address, phone="0912345678", id_number=ID, name="Nguyễn Văn An"):  # type: ignore[no-untyped-def]
    sub = Submission(
        procedure_code="1.001193",
        applicant=Applicant(name=name, id_number=id_number, address=address, phone=phone),
        components=["TK", "GCS"],
    )
    return receipt.dossier_receive(actor=actor, unit=unit, submission=sub)


@pytest.fixture
def person(world, desk):
    """Three dossiers of one citizen (two here, one in the neighbour commune) and one of someone else."""
    first = _receive(desk.receiver, desk.commune, address="Khóm 1, Phường Tân Thành")
    components.component_upload(
        actor=desk.receiver,
        dossier_id=first.pk,
        code="TK",
        file=SimpleUploadedFile("to-khai.pdf", PDF, content_type="application/pdf"),
        digitised=True,
    )
    desk.clock.set(2026, 3, 4, 9, 0)
    latest = _receive(desk.receiver, desk.commune, address="Khóm 5, Phường Tân Thành", phone="0987654321")
    desk.clock.set(2026, 3, 5, 9, 0)
    elsewhere = _receive(desk.other_receiver, desk.neighbour, address="Ấp Tân Long, Xã Đầm Dơi")
    _receive(desk.receiver, desk.commune, address="Khóm 2", id_number="001195004321", name="Trần Thị Bình")
    return first, latest, elsewhere


def _lookup(actor, id_number=ID, purpose=PURPOSE):  # type: ignore[no-untyped-def]
    params = {} if purpose is None else {"purpose": purpose}
    return actor.client().get(f"/api/v1/citizens/{id_number}", params, headers=actor.headers())


def _events(action):  # type: ignore[no-untyped-def]
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_lookup_matrix_needs_the_population_permission_and_audits_every_attempt(world, person):
    first, latest, _ = person
    dossiers_before = list(Dossier.objects.order_by("pk").values_list("pk", "version"))
    expected = {
        "anonymous": 401,
        "citizen": 403,
        "without_permission": 403,
        "other_commune": 200,
        "with_permission": 200,
    }
    responses = {name: _lookup(world[name]) for name in expected}
    assert {name: r.status_code for name, r in responses.items()} == expected
    for name in ("citizen", "without_permission"):
        body = responses[name].json()
        assert set(body) == {"error"} and body["error"]["code"] == "forbidden", name
    assert list(Dossier.objects.order_by("pk").values_list("pk", "version")) == dossiers_before
    denied = _events("personal_data.view_denied")
    assert [(e.actor_id, e.target_type, e.target_id) for e in denied] == [
        (world["citizen"].user.pk, "citizen", ID),
        (world["without_permission"].user.pk, "citizen", ID),
    ]
    assert denied[0].changes == {"purpose": PURPOSE, "reason": "missing population.search"}
    views = _events("personal_data.view")
    assert [(e.actor_id, e.target_id, e.changes["purpose"]) for e in views] == [
        (world["other_commune"].user.pk, ID, PURPOSE),
        (world["with_permission"].user.pk, ID, PURPOSE),
    ]
    assert views[1].changes["dossiers"] == [latest.code, first.code] and views[1].changes["source"] == SOURCE
    assert views[0].changes["dossiers"] == []  # the other commune's searcher sees none of them
    remote = responses["other_commune"].json()
    assert remote["dossiers"] == [] and remote["documents"] == [] and remote["known"] is True


def test_lookup_returns_what_twotier_knows_latest_first(world, person):
    first, latest, elsewhere = person
    body = _lookup(world["with_permission"]).json()
    assert body["source"] == "twotier-dossiers" and "not the national population database" in body["notice"]
    assert (body["id_number"], body["province_code"], body["gender"], body["birth_year"]) == (ID, "096", "male", 1990)
    assert [(c["address"], c["phone"]) for c in body["contacts"]] == [
        ("Ấp Tân Long, Xã Đầm Dơi", "0912345678"),
        ("Khóm 5, Phường Tân Thành", "0987654321"),
        ("Khóm 1, Phường Tân Thành", "0912345678"),
    ]
    assert [(d["code"], d["status"]) for d in body["dossiers"]] == [(latest.code, 2), (first.code, 2)]
    assert elsewhere.code not in str(body)
    assert [(d["kind"], d["dossier_code"], d["code"]) for d in body["documents"]] == [("component", first.code, "TK")]


def test_an_unknown_but_valid_number_is_audited_and_says_so(world, person):
    body = _lookup(world["with_permission"], id_number="079200123456").json()
    assert body["known"] is False and body["contacts"] == body["dossiers"] == body["documents"] == []
    event = _events("personal_data.view")[-1]
    assert event.target_id == "079200123456" and event.changes["found"] is False


@pytest.mark.parametrize(
    ("id_number", "purpose", "fields"),
    [
        ("09609000123", PURPOSE, [("id_number", "twelve_digits")]),
        ("097090001234", PURPOSE, [("id_number", "province_code")]),
        ("096399001234", PURPOSE, [("id_number", "birth_year")]),
        (ID, None, [("purpose", "missing")]),
        (ID, "   ", [("purpose", "required")]),
        (ID, "x" * 501, [("purpose", "max_length")]),
        ("12345", "", [("id_number", "twelve_digits"), ("purpose", "required")]),
    ],
)
def test_invalid_lookups_name_the_field_and_rule_and_look_nothing_up(world, person, id_number, purpose, fields):
    before = AuditEvent.objects.count()
    response = _lookup(world["with_permission"], id_number=id_number, purpose=purpose)
    assert response.status_code == 422
    assert [(f["field"], f["rule"]) for f in response.json()["error"]["fields"]] == fields
    assert AuditEvent.objects.count() == before


def test_permission_is_checked_before_the_input(world, person):
    response = _lookup(world["without_permission"], id_number="bad", purpose="")
    assert response.status_code == 403


def test_service_level_lookup(world, person):
    profile = citizen_lookup(actor=SystemActor("reconcile"), id_number=ID, purpose="Đối soát")
    assert len(profile.dossiers) == 3 and profile.known
    with pytest.raises(Forbidden):
        citizen_lookup(actor=world["without_permission"].user, id_number=ID, purpose="x")
