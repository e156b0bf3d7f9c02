"""Browser-test fixtures (see twotier.testing.browser)."""

import os

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.conf import settings
from django.test.signals import setting_changed

from twotier.core.management.commands.compile_translations import compile_all
from twotier.testing.browser import browser, console_errors, page, pytest_runtest_makereport  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """The pages are checked in Vietnamese: compile stale catalogues and drop Django's cached ones."""
    if compile_all():
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)
