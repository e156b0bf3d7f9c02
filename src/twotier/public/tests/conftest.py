"""Citizen-side tests: the desk fixture, a private media folder, fresh throttle counters, compiled catalogues."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test.signals import setting_changed

from twotier.core.management.commands.compile_translations import compile_all
from twotier.core.text import fold
from twotier.dossiers.tests.conftest import desk  # noqa: F401
from twotier.procedures.models import Procedure


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """The pages are checked in Vietnamese: compile stale catalogues and drop Django's cached ones."""
    if compile_all():
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _huey_immediate():
    """Run enqueued tasks at once, in memory (the suite's TWOTIER_HUEY_IMMEDIATE is read too late to apply)."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Stored files go to a temporary folder."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def portal(desk, media):  # noqa: F811
    """The desk's procedures with searchable (folded) names, and stored files in a temporary folder."""
    for procedure in Procedure.objects.all():
        procedure.name_folded = fold(procedure.name)
        procedure.save(update_fields=["name_folded"])
    return desk
