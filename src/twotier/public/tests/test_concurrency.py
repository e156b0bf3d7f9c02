"""Two identical submissions racing (a double click reaching two workers) register one dossier."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from twotier.dossiers.models import Dossier, DossierComponent, IdempotencyRecord
from twotier.dossiers.services.receipt import Applicant, Submission
from twotier.dossiers.tests.test_uploads import PDF, PNG
from twotier.dossiers.uploads import inspect_upload
from twotier.public.access import PORTAL_ACTOR
from twotier.public.services import submit_online
from twotier.public.tests.helpers import ID_NUMBER, files_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

THREADS = 4


def test_racing_identical_submissions_register_once(portal, media):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("in-memory SQLite cannot be shared between threads")
    submission = Submission(
        procedure_code="1.001193",
        applicant=Applicant(name="Nguyễn Văn An", id_number=ID_NUMBER, email="an@example.com"),
        components=["TK", "GCS"],
    )

    def work(_n: int) -> tuple[str, bool]:
        files = {"TK": inspect_upload("to-khai.pdf", PDF), "GCS": inspect_upload("giay-chung-sinh.png", PNG)}
        try:
            dossier = submit_online(
                actor=PORTAL_ACTOR,
                unit=portal.commune,
                submission=submission,
                files=files,
                idempotency_key="double-click-0123456789",
            )
            return dossier.code, hasattr(dossier, "access_secret")
        finally:
            for inspected in files.values():
                inspected.close()
            close_old_connections()

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(work, range(THREADS)))
    assert len({code for code, _ in outcomes}) == 1
    assert sum(fresh for _, fresh in outcomes) == 1  # only the winner saw the secret
    assert Dossier.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert DossierComponent.objects.exclude(file="").count() == 2
    assert len(files_in(media)) == 2
    assert outcomes[0][0].endswith("-0001")  # the losers' codes were rolled back: no gap in the day's series


@pytest.mark.django_db
def test_a_lost_race_on_the_unique_constraint_is_retried_once(portal, media, monkeypatch):
    from django.db import IntegrityError

    from twotier.dossiers.services import receipt

    calls = []

    def flaky_register(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["idempotency_key"])
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint idempotency_unique")
        return receipt.dossier_register_online(**kwargs)

    monkeypatch.setattr("twotier.public.services.dossier_register_online", flaky_register)
    submission = Submission(
        procedure_code="1.001193", applicant=Applicant(name="Nguyễn Văn An"), components=["TK", "GCS"]
    )
    files = {"TK": inspect_upload("a.pdf", PDF), "GCS": inspect_upload("b.png", PNG)}
    dossier = submit_online(
        actor=PORTAL_ACTOR, unit=portal.commune, submission=submission, files=files, idempotency_key="k" * 20
    )
    assert calls == ["k" * 20, "k" * 20] and Dossier.objects.filter(pk=dossier.pk).exists()
    calls.clear()
    with pytest.raises(IntegrityError):  # without a key there is nothing to find on a retry
        submit_online(actor=PORTAL_ACTOR, unit=portal.commune, submission=submission, files=files)
    assert calls == [None] and Dossier.objects.count() == 1
