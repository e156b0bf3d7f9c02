import pytest

from twotier.org.models import Unit
from twotier.testing.authz import build_world, check_matrix
from twotier.testing.factories import province_with_communes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    _province, (commune,) = province_with_communes("Đầm Dơi")
    return build_world(commune, ("one_stop_receiver",), baseline_roles=("archivist",))


def test_unit_detail_authorisation_matrix(world):
    code = world.unit.code
    responses = check_matrix(
        world,
        lambda actor: actor.client().get(f"/api/v1/units/{code}", headers=actor.headers()),
        state=lambda: list(Unit.objects.values_list("pk", "name", "valid_to")),
    )
    body = responses["with_permission"].json()
    assert body["code"] == code
    assert body["name"] == "Đầm Dơi"
    assert body["type"] == "commune"


def test_unit_list_is_scoped_and_diacritic_insensitive(world):
    actor = world["with_permission"]
    for q in ("Đầm Dơi", "dam doi", "ĐẦM DƠI"):
        body = actor.client().get("/api/v1/units", {"q": q}, headers=actor.headers()).json()
        assert [u["code"] for u in body["items"]] == [world.unit.code], q
    all_codes = [u["code"] for u in actor.client().get("/api/v1/units", headers=actor.headers()).json()["items"]]
    assert world.other_unit.code not in all_codes


def test_unit_list_anonymous_gets_documented_error_shape(world):
    response = world["anonymous"].client().get("/api/v1/units")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthenticated"
    assert error["request_id"] == response["X-Request-ID"]


def test_unit_list_rejects_bad_page_size_naming_the_field(world):
    actor = world["with_permission"]
    response = actor.client().get("/api/v1/units", {"page_size": 1000}, headers=actor.headers())
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields[0]["field"].endswith("page_size")
    assert fields[0]["rule"] == "less_than_equal"
