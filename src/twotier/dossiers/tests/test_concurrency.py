"""Dossier codes stay unique and gap-free when many desks receive at once (real threads, real connections)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from twotier.dossiers.models import Dossier
from twotier.dossiers.services.receipt import dossier_receive
from twotier.dossiers.tests.helpers import submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

THREADS = 8
PER_THREAD = 6


def test_parallel_receipts_get_distinct_gap_free_codes(desk):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("in-memory SQLite cannot be shared between threads")

    def work(_n: int) -> list[str]:
        try:
            return [
                dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission()).code
                for _ in range(PER_THREAD)
            ]
        finally:
            close_old_connections()

    with ThreadPoolExecutor(THREADS) as pool:
        codes = [code for batch in pool.map(work, range(THREADS)) for code in batch]
    assert len(codes) == len(set(codes)) == THREADS * PER_THREAD
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
    assert Dossier.objects.count() == THREADS * PER_THREAD
