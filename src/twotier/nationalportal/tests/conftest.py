"""A stand-in portal on a free loopback port, the client pointed at it, and the dossier desk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test.signals import setting_changed

from twotier.core.management.commands.compile_translations import compile_all
from twotier.dossiers.tests.conftest import desk  # noqa: F401
from twotier.nationalportal import delivery
from twotier.nationalportal.standin import StandinControl, StandinPortal


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """The pages are tested in Vietnamese: compile stale catalogues once and drop Django's cached ones."""
    if compile_all():
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)


@dataclass
class Portal:
    """The running stand-in and its control client."""

    server: StandinPortal
    control: StandinControl

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def portal(tmp_path, monkeypatch) -> Iterator[Portal]:
    """A stand-in portal in a thread; the client talks to it with a short timeout; retries start at 10 s."""
    server = StandinPortal(db_path=str(tmp_path / "standin.sqlite3"), port=0).start()
    monkeypatch.setenv("TWOTIER_NATIONAL_PORTAL_URL", server.url)
    monkeypatch.setenv("TWOTIER_NATIONAL_PORTAL_TIMEOUT", "1")
    monkeypatch.setenv("TWOTIER_OUTBOX_RETRY_BASE_SECONDS", "10")
    monkeypatch.setenv("TWOTIER_OUTBOX_RETRY_MAX_SECONDS", "600")
    monkeypatch.setenv("TWOTIER_OUTBOX_MAX_ATTEMPTS", "8")
    try:
        yield Portal(server=server, control=StandinControl(server.url))
    finally:
        client = getattr(delivery._local, "client", None)
        if client is not None:
            client.close()
            del delivery._local.client
        server.stop()
