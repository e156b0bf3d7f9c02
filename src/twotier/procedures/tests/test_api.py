import copy
import json

import pytest
from django.test import Client

from twotier.core.actors import SystemActor
from twotier.procedures.models import Procedure, ProcedureVersion
from twotier.procedures.services import (
    catalogue_export,
    catalogue_import,
    procedure_create,
    procedure_create_version,
    procedure_version_update,
)
from twotier.procedures.tests.helpers import catalogue_state, document, record
from twotier.testing.authz import build_world, check_matrix
from twotier.testing.factories import UserFactory, post_make

pytestmark = pytest.mark.django_db

SYSTEM = SystemActor("test")
STAFF_DENIED = {"citizen": 403, "other_commune": 200, "without_permission": 200}


@pytest.fixture
def world(org):
    return build_world(org["CM-TT"], ("system_admin",), baseline_roles=("one_stop_receiver",))


@pytest.fixture
def catalogue():
    """Three published procedures; 1.004873 also has a draft version 2 with other figures."""
    second = record(
        "2.001610",
        name="Đăng ký thành lập doanh nghiệp tư nhân",
        field="Thành lập và hoạt động doanh nghiệp",
        level="province",
        online_level="full",
        full_process_eligible=True,
        process=_province_process(),
    )
    unverified = record("1.001266", name="Chấm dứt hoạt động hộ kinh doanh", field="Hộ kinh doanh", confidence="L")
    catalogue_import(actor=SYSTEM, document=document(record(), second, unverified))
    draft = procedure_create_version(actor=SYSTEM, procedure=Procedure.objects.get(code="1.004873"))
    procedure_version_update(
        actor=SYSTEM,
        version=draft,
        time_limit_text="BẢN NHÁP",
        fees=[{"code": "LP", "name": "Lệ phí nháp", "amount_vnd": 999}],
    )
    draft_only = procedure_create(
        actor=SYSTEM, code="9.000001", name="Chỉ có bản nháp", field="Hộ tịch", level="commune"
    )
    procedure_create_version(actor=SYSTEM, procedure=draft_only)


def _province_process():
    process = copy.deepcopy(record()["process"])
    for step in process["steps"]:
        step["unit"] = {"province_department": "TTHCC"}
    process["steps"][1]["unit"] = {"unit_code": "CM-STC"}
    process["steps"][2]["unit"] = {"province_department": "STC"}
    return process


# --------------------------------------------------------------------------- public catalogue
def test_anyone_can_search_the_published_catalogue(catalogue):
    response = Client().get("/api/v1/procedures")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 50)
    assert [p["code"] for p in body["items"]] == ["1.001266", "1.004873", "2.001610"]
    first = body["items"][1]
    assert first == {
        "code": "1.004873",
        "name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
        "field": "Hộ tịch",
        "level": "commune",
        "version": 1,
        "time_limit": {"value": 3.0, "unit": "working_day", "text": "03 ngày làm việc"},
        "online_level": "partial",
        "online_submission": True,
        "full_process_eligible": False,
        "verified": True,
        "is_demo": False,
    }


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"q": "tình trạng hôn nhân"}, ["1.004873"]),
        ({"q": "TINH TRANG hon nhan"}, ["1.004873"]),
        ({"q": "doanh nghiep tu nhan"}, ["2.001610"]),
        ({"q": "2.0016"}, ["2.001610"]),
        ({"q": "nháp"}, []),
        ({"level": "province"}, ["2.001610"]),
        ({"field": "ho tich"}, ["1.004873"]),
        ({"field": "Hộ kinh doanh", "level": "commune"}, ["1.001266"]),
        ({"online_level": "full"}, ["2.001610"]),
        ({"online": "false"}, []),
        ({"page_size": 1, "page": 2}, ["1.004873"]),
    ],
)
def test_search_and_filters(catalogue, query, codes):
    response = Client().get("/api/v1/procedures", query)
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["items"]] == codes


def test_one_procedure_shows_the_published_version_never_the_draft(catalogue):
    response = Client().get("/api/v1/procedures/1.004873")
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["time_limit"]["text"]) == (1, "03 ngày làm việc")
    assert body["fees"] == [
        {"code": "LP", "name": "Lệ phí đăng ký hộ tịch", "amount_vnd": 10000, "per": "lần", "note": ""},
        {"code": "F2", "name": "Phí cấp bản sao", "amount_vnd": None, "per": "", "note": "HĐND tỉnh quy định"},
    ]
    assert body["components"][1] == {
        "code": "C2",
        "name": "Giấy tờ tùy thân",
        "form": "show_original",
        "quantity": 1,
        "required": False,
        "condition": "khi không khai thác được CSDL",
        "template_url": None,
    }
    assert body["results"] == ["Giấy xác nhận tình trạng hôn nhân"]
    assert [(s["key"], s["place"], s["role"], s["hours"]) for s in body["steps"]] == [
        ("receive", "receiving_unit", "one_stop_receiver", 0),
        ("process", "receiving_unit_department", "specialist", 12),
        ("approve", "receiving_unit", "unit_leader", 4),
        ("return", "receiving_unit", "one_stop_receiver", 0),
    ]
    assert (body["verified"], body["notice"]) == (True, "")
    assert "BẢN NHÁP" not in response.content.decode()
    assert Client().get("/api/v1/procedures/9.000001").status_code == 404
    missing = Client().get("/api/v1/procedures/0.000000")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_public_steps_never_show_internal_unit_codes(catalogue):
    body = Client().get("/api/v1/procedures/2.001610").json()
    assert [s["place"] for s in body["steps"]] == [
        "province_department",
        "other_agency",
        "province_department",
        "province_department",
    ]
    text = json.dumps(body["steps"])
    assert "TTHCC" not in text and "CM-STC" not in text and "STC" not in text


def test_unverified_figures_are_hidden_from_citizens(catalogue):
    body = Client().get("/api/v1/procedures/1.001266").json()
    assert (body["verified"], body["time_limit"]) == (False, None)
    assert {fee["amount_vnd"] for fee in body["fees"]} == {None}
    assert "chưa được xác minh" in body["notice"]
    listed = Client().get("/api/v1/procedures", {"q": "1.001266"}).json()["items"][0]
    assert (listed["verified"], listed["time_limit"]) == (False, None)


# --------------------------------------------------------------------------- staff endpoints
def test_versions_authorisation_matrix(world, catalogue):
    responses = check_matrix(
        world,
        lambda a: a.client().get("/api/v1/procedures/1.004873/versions", headers=a.headers()),
        denied=STAFF_DENIED,
        state=catalogue_state,
    )
    body = responses["with_permission"].json()
    assert [(v["number"], v["status"], v["time_limit_text"], v["steps"]) for v in body] == [
        (2, "draft", "BẢN NHÁP", 4),
        (1, "published", "03 ngày làm việc", 4),
    ]
    assert responses["citizen"].json()["error"]["code"] == "forbidden"
    actor = world["with_permission"]
    missing = actor.client().get("/api/v1/procedures/0.0/versions", headers=actor.headers())
    assert missing.status_code == 404


def test_staff_without_unit_viewing_cannot_see_versions(world, catalogue):
    specialist = UserFactory(username="specialist-only")
    post_make(world.unit, "specialist", holder=specialist)
    client = Client()
    client.force_login(specialist)
    assert client.get("/api/v1/procedures/1.004873/versions").status_code == 403
    assert client.get("/api/v1/procedures/export").status_code == 403


def test_export_authorisation_matrix(world, catalogue):
    responses = check_matrix(
        world,
        lambda a: a.client().get("/api/v1/procedures/export", headers=a.headers()),
        denied=STAFF_DENIED,
        state=catalogue_state,
    )
    assert responses["with_permission"].json() == catalogue_export()
    actor = world["with_permission"]
    some = actor.client().get("/api/v1/procedures/export", {"codes": "2.001610, 1.004873"}, headers=actor.headers())
    assert [p["code"] for p in some.json()["procedures"]] == ["1.004873", "2.001610"]
    unknown = actor.client().get("/api/v1/procedures/export", {"codes": "7.7"}, headers=actor.headers())
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"] == [
        {"field": "codes", "rule": "exists", "message": "no published procedure has the code 7.7"}
    ]


def _post_import(actor, doc, **query):
    suffix = "?demo=true" if query.get("demo") else ""
    return actor.client().post(
        f"/api/v1/procedures/import{suffix}",
        json.dumps(doc, ensure_ascii=False),
        content_type="application/json",
        headers=actor.headers(),
    )


def test_import_authorisation_matrix(world):
    doc = document(record())
    # Denied actors: nothing changes.
    for name, status in (("anonymous", 401), ("citizen", 403), ("without_permission", 403)):
        before = catalogue_state()
        response = _post_import(world[name], doc)
        assert response.status_code == status, name
        assert catalogue_state() == before, name
    # A system administrator holds the permission anywhere: the catalogue is not owned by a unit.
    response = _post_import(world["with_permission"], doc)
    assert response.status_code == 200
    assert response.json() == {"created": ["1.004873"], "updated": [], "unchanged": [], "versions": {"1.004873": 1}}
    before = catalogue_state()
    response = _post_import(world["other_commune"], doc)
    assert response.status_code == 200
    assert response.json()["unchanged"] == ["1.004873"]
    assert catalogue_state() == before


def test_import_via_the_api_is_idempotent_and_can_mark_demo(world):
    actor = world["with_permission"]
    assert _post_import(actor, document(record()), demo=True).status_code == 200
    assert Procedure.objects.get().is_demo is True
    before = catalogue_state()
    again = _post_import(actor, document(record()), demo=True)
    assert again.json()["unchanged"] == ["1.004873"]
    assert catalogue_state() == before


def test_an_invalid_import_gives_422_with_every_field_and_changes_nothing(world, catalogue):
    bad = record(level="district")
    bad["process"]["steps"][0]["unit"] = {"relative": "receiving_department", "department": "YT"}
    before = catalogue_state()
    response = _post_import(world["with_permission"], document(bad, record("2.0", fees=[{"name": "X"}])))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert [(f["field"], f["rule"]) for f in error["fields"]] == [
        ("procedures[0].level", "enum"),
        ("procedures[0].process.steps[0].unit.department", "enum"),
        ("procedures[1].fees[0].amount_vnd", "required"),
    ]
    assert error["fields"][2]["message"] == "Procedure 2.0: is required"
    assert catalogue_state() == before
    assert ProcedureVersion.objects.count() == 5


def test_a_body_that_is_not_an_object_is_rejected(world):
    actor = world["with_permission"]
    response = actor.client().post(
        "/api/v1/procedures/import", "[1, 2]", content_type="application/json", headers=actor.headers()
    )
    assert response.status_code == 422
    assert not Procedure.objects.exists()
