"""Web UI tests read the Vietnamese catalogue: make sure it is compiled and freshly loaded."""

import pytest
from django.conf import settings
from django.test.signals import setting_changed

from twotier.core.management.commands.compile_translations import compile_all


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile stale `.mo` files once per session and drop Django's cached catalogues."""
    if compile_all():
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)
