"""Payment settings: Django setting first, then the environment, then the demo default; fail fast when unsafe."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from twotier.payments import conf
from twotier.payments.contract import DEMO_SECRET
from twotier.payments.provider import HttpGatewayProvider, get_provider


def test_defaults_run_the_demo_against_the_local_stand_in():
    assert conf.gateway_url() == "http://127.0.0.1:8766"
    assert (conf.merchant_id(), conf.secret(), conf.gateway_name()) == ("TWOTIER-DEMO", DEMO_SECRET, "standin")
    assert conf.callback_url() == "http://127.0.0.1:8000/api/v1/payments/callback"
    assert (conf.timeout(), conf.callback_window(), conf.checkout_ttl()) == (10, 300, 900)
    provider = get_provider()
    assert isinstance(provider, HttpGatewayProvider) and provider.base_url == "http://127.0.0.1:8766"


def test_environment_is_read_when_no_django_setting(monkeypatch):
    monkeypatch.setenv("TWOTIER_PAYMENT_GATEWAY_URL", "https://pay.example.vn/gw/")
    monkeypatch.setenv("TWOTIER_PAYMENT_SECRET", "issued-by-the-gateway")
    monkeypatch.setenv("TWOTIER_PAYMENT_CALLBACK_WINDOW", "120")
    assert conf.gateway_url() == "https://pay.example.vn/gw"
    assert conf.secret() == "issued-by-the-gateway" and conf.callback_window() == 120


def test_the_demo_secret_is_refused_for_a_gateway_elsewhere(settings):
    settings.TWOTIER_PAYMENT_GATEWAY_URL = "https://pay.example.vn"
    with pytest.raises(ImproperlyConfigured, match="public demo secret"):
        conf.secret()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("GATEWAY_URL", "ftp://127.0.0.1", "http"),
        ("CALLBACK_URL", "not a url", "http"),
        ("CHECKOUT_TTL", 10, ">= 60"),
        ("GATEWAY_NAME", "x" * 33, "32"),
    ],
)
def test_bad_values_fail_fast(settings, name, value, message):
    setattr(settings, f"TWOTIER_PAYMENT_{name}", value)
    reader = {
        "GATEWAY_URL": conf.gateway_url,
        "CALLBACK_URL": conf.callback_url,
        "CHECKOUT_TTL": conf.checkout_ttl,
        "GATEWAY_NAME": conf.gateway_name,
    }[name]
    with pytest.raises(ImproperlyConfigured, match=message):
        reader()


def test_return_url_template_is_filled_in(settings):
    settings.TWOTIER_PAYMENT_RETURN_URL = "https://dichvucong.camau.gov.vn/ho-so/{code}?tt={reference}"
    assert conf.return_url(code="000.08.30.H12-260302-0001", reference="TTAB") == (
        "https://dichvucong.camau.gov.vn/ho-so/000.08.30.H12-260302-0001?tt=TTAB"
    )
