import unicodedata

import pytest

from twotier.testing.authz import build_world
from twotier.testing.factories import province_with_communes

pytestmark = pytest.mark.django_db


def test_request_id_is_generated_or_taken_from_a_sane_header(client):
    generated = client.get("/api/v1/health")
    assert len(generated["X-Request-ID"]) == 32
    echoed = client.get("/api/v1/health", headers={"X-Request-ID": "abc-12345678"})
    assert echoed["X-Request-ID"] == "abc-12345678"
    hostile = client.get("/api/v1/health", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert hostile["X-Request-ID"] != "<script>alert(1)</script>"


def test_query_text_is_nfc_normalised_before_search():
    _province, (commune,) = province_with_communes("Đầm Dơi")
    world = build_world(commune, ("one_stop_receiver",))
    actor = world["with_permission"]
    decomposed = unicodedata.normalize("NFD", "Đầm Dơi")
    body = actor.client().get("/api/v1/units", {"q": decomposed}, headers=actor.headers()).json()
    assert [u["code"] for u in body["items"]] == [commune.code]


def test_health_reports_database():
    from django.test import Client

    body = Client().get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] in ("sqlite", "postgresql")
