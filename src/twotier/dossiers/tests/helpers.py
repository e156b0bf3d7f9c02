"""Shortcuts for dossier tests."""

from __future__ import annotations

from twotier.dossiers.services.receipt import Applicant, Submission, dossier_receive


def submission(code: str = "1.000001", **extra) -> Submission:  # type: ignore[no-untyped-def]
    """A complete submission for the test procedures."""
    extra.setdefault("components", ["TK", "GCS"])
    return Submission(
        procedure_code=code,
        applicant=Applicant(name="Nguyễn Văn An", id_number="096090001234", phone="0912345678"),
        **extra,
    )


def receive(desk, **kw):  # type: ignore[no-untyped-def]
    """Receive a dossier at the desk's commune as its receiver."""
    return dossier_receive(actor=desk.receiver, unit=desk.commune, submission=kw.pop("sub", submission()), **kw)
