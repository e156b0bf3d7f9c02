"""A stand-in gateway in a thread, payment settings pointing at it, and the dossier desk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from twotier.dossiers.tests.conftest import desk  # noqa: F401
from twotier.payments.standin import StandinGateway
from twotier.payments.tests.helpers import MERCHANT, SECRET


@pytest.fixture
def gateway() -> Iterator[StandinGateway]:
    """A stand-in gateway on a free loopback port, served from a thread."""
    server = StandinGateway(secret=SECRET, merchant_id=MERCHANT, retries=1).start()
    yield server
    server.stop()


@pytest.fixture
def pay_settings(settings, gateway):  # type: ignore[no-untyped-def]
    """Payment settings for the thread gateway (callbacks go to a closed loopback port unless a test changes it)."""
    settings.TWOTIER_PAYMENT_GATEWAY_URL = gateway.url
    settings.TWOTIER_PAYMENT_SECRET = SECRET
    settings.TWOTIER_PAYMENT_MERCHANT_ID = MERCHANT
    settings.TWOTIER_PAYMENT_GATEWAY_NAME = "standin"
    settings.TWOTIER_PAYMENT_CALLBACK_URL = "http://127.0.0.1:9/api/v1/payments/callback"
    settings.TWOTIER_PAYMENT_RETURN_URL = "http://127.0.0.1:8000/ho-so/{code}?payment={reference}"
    settings.TWOTIER_PAYMENT_TIMEOUT = 5
    return settings
