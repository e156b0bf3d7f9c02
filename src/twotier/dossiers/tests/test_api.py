import json

import pytest

from twotier.core.models import AuditEvent, OutboxMessage
from twotier.dossiers.models import Dossier, StatusChange
from twotier.dossiers.services import closing, pauses, receipt, steps
from twotier.dossiers.tests.helpers import submission
from twotier.testing.authz import build_world, check_matrix

ROLES = ("one_stop_receiver", "specialist", "unit_leader")


@pytest.fixture
def world(desk):
    return build_world(desk.commune, ROLES, baseline_roles=("archivist",))


def _state():
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "status", "version", "current_step", "promised_at")),
        StatusChange.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def _post(actor, path, body=None, headers=None):
    return actor.client().post(
        path,
        json.dumps(body or {}),
        content_type="application/json",
        headers={**actor.headers(), **(headers or {})},
    )


def _received(world, desk, code="1.001193"):
    return receipt.dossier_receive(actor=world["with_permission"].user, unit=desk.commune, submission=submission(code))


def _at_step(world, desk, n, code="1.001193"):
    dossier = _received(world, desk, code)
    for _ in range(n):
        steps.dossier_forward(actor=world["with_permission"].user, dossier_id=dossier.pk)
    return dossier


def _approved(world, desk):
    dossier = _at_step(world, desk, 2)
    closing.dossier_approve(actor=world["with_permission"].user, dossier_id=dossier.pk, result_name="Giấy khai sinh")
    return dossier


def _registered(world, desk):
    return receipt.dossier_register_online(actor=None, unit=desk.commune, submission=submission("1.001193"))


def _supplement(world, desk):
    dossier = _received(world, desk)
    pauses.dossier_request_supplement(actor=world["with_permission"].user, dossier_id=dossier.pk, reason="Thiếu")
    return dossier


def _payment(world, desk):
    dossier = _received(world, desk, "1.000001")
    pauses.dossier_request_payment(actor=world["with_permission"].user, dossier_id=dossier.pk)
    return dossier


TRANSITIONS = [
    ("receive", _registered, {}, 2),
    ("refuse", _received, {"reason": "Không thuộc thẩm quyền"}, 3),
    ("forward", _received, {"note": "Đủ"}, 4),
    ("return", lambda w, d: _at_step(w, d, 2), {"to_step": "process", "reason": "Sai sót"}, 4),
    ("request-supplement", _received, {"reason": "Thiếu bản sao"}, 5),
    ("supplement-received", _supplement, {}, 2),
    ("request-payment", lambda w, d: _received(w, d, "1.000001"), {}, 6),
    ("payments/cash", _payment, {"amount_vnd": 30000}, 2),
    (
        "apologise",
        lambda w, d: _at_step(w, d, 1, "1.000001"),
        {"reason": "Cần xác minh", "new_promised_at": "2026-03-20T09:00:00+07:00"},
        4,
    ),
    ("stop", lambda w, d: _at_step(w, d, 1), {"reason": "Không đủ điều kiện"}, 8),
    ("withdraw", _received, {"reason": "Công dân rút"}, 7),
    ("approve", lambda w, d: _at_step(w, d, 2), {"result_name": "Giấy khai sinh"}, 9),
    ("return-result", _approved, {"delivery": "desk"}, 10),
]


@pytest.mark.parametrize(("path", "setup", "body", "expected"), TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_every_transition_endpoint_authorisation_matrix(world, desk, path, setup, body, expected):
    dossier = setup(world, desk)
    url = f"/api/v1/dossiers/{dossier.code}/{path}"
    key = {"Idempotency-Key": f"retry-{path.replace('/', '-')}"}
    responses = check_matrix(world, lambda a: _post(a, url, body, key), state=_state)
    out = responses["with_permission"].json()
    assert out["status"] == expected and out["code"] == dossier.code
    # Repeating a completed action (a retry) changes nothing.
    before = _state()
    again = _post(world["with_permission"], url, body, key)
    assert again.status_code == 200 and again.json()["version"] == out["version"]
    assert _state() == before


def test_receive_at_desk_matrix_idempotency_and_validation(world, desk):
    body = {
        "unit": desk.commune.code,
        "procedure_code": "1.001193",
        "applicant": {"name": "Trần Thị Bình", "id_number": "096190001111"},
        "components": ["TK", "GCS"],
    }
    responses = check_matrix(
        world,
        lambda a: _post(a, "/api/v1/dossiers", body, {"Idempotency-Key": f"k-{a.name}"}),
        allowed=201,
        denied={"citizen": 403, "other_commune": 403, "without_permission": 403},
        state=_state,
    )
    created = responses["with_permission"].json()
    assert created["code"].startswith("000.08.30.H12-260302-") and created["access_secret"]
    again = _post(world["with_permission"], "/api/v1/dossiers", body, {"Idempotency-Key": "k-with_permission"})
    assert again.status_code == 201 and again.json()["code"] == created["code"]
    assert Dossier.objects.count() == 1
    before = _state()
    bad = _post(world["with_permission"], "/api/v1/dossiers", {**body, "components": ["TK"]})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["fields"][0]["field"] == "components" and error["fields"][0]["rule"] == "required_components"
    assert _state() == before


def test_illegal_move_is_409_naming_state_and_action(world, desk):
    dossier = _received(world, desk)
    response = _post(world["with_permission"], f"/api/v1/dossiers/{dossier.code}/return-result", {})
    assert response.status_code == 409
    error = response.json()["error"]
    assert (
        error["code"] == "illegal_transition" and "return_result" in error["message"] and "state 2" in error["message"]
    )


def test_stale_version_is_409(world, desk):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    ok = _post(actor, f"/api/v1/dossiers/{dossier.code}/forward", {"expected_version": dossier.version})
    assert ok.status_code == 200
    stale = _post(actor, f"/api/v1/dossiers/{dossier.code}/stop", {"reason": "x", "expected_version": dossier.version})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"


def test_dossier_detail_and_worklists_matrix(world, desk):
    dossier = _received(world, desk)
    responses = check_matrix(
        world, lambda a: a.client().get(f"/api/v1/dossiers/{dossier.code}", headers=a.headers()), state=_state
    )
    assert responses["with_permission"].json()["status"] == 2
    for name in ("citizen", "other_commune", "without_permission"):
        actor = world[name]
        listed = actor.client().get("/api/v1/dossiers", headers=actor.headers()).json()
        assert listed["count"] == 0, name
    actor = world["with_permission"]
    mine = actor.client().get("/api/v1/dossiers", {"box": "my_step"}, headers=actor.headers()).json()
    assert [d["code"] for d in mine["items"]] == [dossier.code]
    by_name = actor.client().get("/api/v1/dossiers", {"q": "nguyen van an"}, headers=actor.headers()).json()
    assert by_name["count"] == 1
    by_id = actor.client().get("/api/v1/dossiers", {"q": "096090001234"}, headers=actor.headers()).json()
    assert by_id["count"] == 1
    bad = actor.client().get("/api/v1/dossiers", {"box": "nope"}, headers=actor.headers())
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "box"


def test_online_registration_is_public_and_idempotent(world, desk):
    from django.test import Client

    body = {
        "unit": desk.commune.code,
        "procedure_code": "1.001193",
        "applicant": {"name": "Lê Văn Cường"},
        "components": ["TK", "GCS"],
    }
    client = Client()
    first = client.post(
        "/api/v1/dossiers/online", body, content_type="application/json", headers={"Idempotency-Key": "o1"}
    )
    again = client.post(
        "/api/v1/dossiers/online", body, content_type="application/json", headers={"Idempotency-Key": "o1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"] and first.json()["status"] == 1
    assert Dossier.objects.count() == 1
