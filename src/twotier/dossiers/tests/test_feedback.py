"""The applicant's rating and complaint: owner or secret only, finished dossiers only, once, audited."""

from __future__ import annotations

import pytest

from twotier.accounts.models import AccountKind
from twotier.core.actors import SystemActor
from twotier.core.errors import Conflict, InvalidInput, NotFound
from twotier.core.models import AuditEvent
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.closing import dossier_approve, dossier_return_result
from twotier.dossiers.services.feedback import (
    COMPLAINT_MAX_LENGTH,
    dossier_complain,
    dossier_rate,
    secret_digest,
    secret_matches,
)
from twotier.dossiers.services.receipt import dossier_receive_registered, dossier_register_online
from twotier.dossiers.services.steps import dossier_forward
from twotier.dossiers.status import Status
from twotier.dossiers.tests.helpers import submission
from twotier.testing.factories import UserFactory

PORTAL = SystemActor("public-portal")


@pytest.fixture
def owner():
    return UserFactory(username="an.citizen", kind=AccountKind.CITIZEN)


def _registered(desk, owner=None):  # type: ignore[no-untyped-def]
    return dossier_register_online(
        actor=owner or PORTAL, citizen=owner, unit=desk.commune, submission=submission("1.001193")
    )


def _finish(desk, dossier, *, returned: bool = False) -> Dossier:  # type: ignore[no-untyped-def]
    dossier_receive_registered(actor=desk.receiver, dossier_id=dossier.pk)
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="Giấy khai sinh")
    if returned:
        dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk, delivery="desk")
    return Dossier.objects.get(pk=dossier.pk)


def _state(dossier: Dossier):  # type: ignore[no-untyped-def]
    row = Dossier.objects.values("rating", "complaint", "version", "status").get(pk=dossier.pk)
    return row, AuditEvent.objects.count()


def test_secret_matching_is_exact_and_safe_for_missing_dossiers(desk):
    dossier = _registered(desk)
    secret = dossier.access_secret
    assert dossier.access_secret_digest == secret_digest(secret)
    assert secret_matches(dossier, secret) is True
    assert secret_matches(dossier, secret + "x") is False
    assert secret_matches(dossier, secret.upper() if secret.upper() != secret else secret + "A") is False
    assert secret_matches(dossier, "") is False and secret_matches(dossier, None) is False
    assert secret_matches(None, secret) is False
    Dossier.objects.filter(pk=dossier.pk).update(access_secret_digest="")
    dossier.refresh_from_db()
    assert secret_matches(dossier, "") is False and secret_matches(dossier, secret) is False


@pytest.mark.parametrize("returned", [False, True], ids=["processed", "returned"])
def test_the_secret_holder_rates_once_and_it_is_audited(desk, returned):
    dossier = _registered(desk)
    secret = dossier.access_secret
    dossier = _finish(desk, dossier, returned=returned)
    rated = dossier_rate(actor=PORTAL, dossier_id=dossier.pk, rating="like", secret=secret)
    assert rated.rating == "like"
    assert Dossier.objects.get(pk=dossier.pk).version == dossier.version  # staff's expected_version stays valid
    [event] = AuditEvent.objects.filter(action="dossier.rate")
    assert event.target_id == str(dossier.pk) and event.actor_label == "system:public-portal"
    assert event.changes == {"rating": ["", "like"], "via": "secret"}
    before = _state(dossier)
    assert dossier_rate(actor=PORTAL, dossier_id=dossier.pk, rating=" LIKE ", secret=secret).rating == "like"
    assert _state(dossier) == before  # the same rating again changes nothing
    with pytest.raises(Conflict) as exc:
        dossier_rate(actor=PORTAL, dossier_id=dossier.pk, rating="dislike", secret=secret)
    assert exc.value.code == "rating_final" and "cannot be changed" in exc.value.message
    assert _state(dossier) == before


def test_the_owner_account_needs_no_secret(desk, owner):
    dossier = _finish(desk, _registered(desk, owner))
    dossier_rate(actor=owner, dossier_id=dossier.pk, rating="dislike")
    dossier_complain(actor=owner, dossier_id=dossier.pk, text="Phải chờ lâu ở quầy")
    row = Dossier.objects.get(pk=dossier.pk)
    assert (row.rating, row.complaint) == ("dislike", "Phải chờ lâu ở quầy")
    vias = list(
        AuditEvent.objects.filter(action__in=["dossier.rate", "dossier.complain"]).values_list("changes", flat=True)
    )
    assert [c["via"] for c in vias] == ["account", "account"]


def test_strangers_get_not_found_and_change_nothing(desk, owner):
    dossier = _registered(desk, owner)
    secret = dossier.access_secret
    dossier = _finish(desk, dossier)
    other_citizen = UserFactory(username="binh.citizen", kind=AccountKind.CITIZEN)
    before = _state(dossier)
    for actor, given in (
        (other_citizen, None),
        (other_citizen, "wrong-secret"),
        (desk.receiver, None),  # staff of the receiving desk: feedback is the applicant's
        (PORTAL, None),
        (PORTAL, "wrong-secret"),
        (None, None),
    ):
        with pytest.raises(NotFound):
            dossier_rate(actor=actor, dossier_id=dossier.pk, rating="like", secret=given)
        with pytest.raises(NotFound):
            dossier_complain(actor=actor, dossier_id=dossier.pk, text="Không hài lòng", secret=given)
    with pytest.raises(NotFound):
        dossier_rate(actor=PORTAL, dossier_id=dossier.pk + 999, rating="like", secret=secret)
    assert _state(dossier) == before
    # the other citizen holding the secret is a secret holder like anybody else
    dossier_rate(actor=other_citizen, dossier_id=dossier.pk, rating="like", secret=secret)


@pytest.mark.parametrize("stage", ["registered", "received", "processing", "withdrawn"])
def test_feedback_opens_only_when_the_dossier_has_a_result(desk, stage):
    from twotier.dossiers.services.closing import dossier_withdraw

    dossier = _registered(desk)
    secret = dossier.access_secret
    if stage != "registered":
        dossier_receive_registered(actor=desk.receiver, dossier_id=dossier.pk)
    if stage == "processing":
        dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    if stage == "withdrawn":
        dossier_withdraw(actor=desk.receiver, dossier_id=dossier.pk)
    dossier.refresh_from_db()
    assert dossier.status not in (Status.PROCESSED, Status.RETURNED)
    before = _state(dossier)
    for call in (
        lambda: dossier_rate(actor=PORTAL, dossier_id=dossier.pk, rating="like", secret=secret),
        lambda: dossier_complain(actor=PORTAL, dossier_id=dossier.pk, text="Chậm", secret=secret),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "feedback_not_open"
    assert _state(dossier) == before


def test_bad_input_names_the_field_and_changes_nothing(desk):
    dossier = _registered(desk)
    secret = dossier.access_secret
    dossier = _finish(desk, dossier)
    before = _state(dossier)
    with pytest.raises(InvalidInput) as exc:
        dossier_rate(actor=PORTAL, dossier_id=dossier.pk, rating="5 stars", secret=secret)
    assert [(f.field, f.rule) for f in exc.value.fields] == [("rating", "choice")]
    with pytest.raises(InvalidInput) as exc:
        dossier_complain(actor=PORTAL, dossier_id=dossier.pk, text="   ", secret=secret)
    assert [(f.field, f.rule) for f in exc.value.fields] == [("text", "required")]
    with pytest.raises(InvalidInput) as exc:
        dossier_complain(actor=PORTAL, dossier_id=dossier.pk, text="x" * (COMPLAINT_MAX_LENGTH + 1), secret=secret)
    assert [(f.field, f.rule) for f in exc.value.fields] == [("text", "max_length")]
    assert _state(dossier) == before


def test_one_complaint_stored_in_nfc_repeats_are_no_ops_and_another_is_refused(desk):
    dossier = _registered(desk)
    secret = dossier.access_secret
    dossier = _finish(desk, dossier, returned=True)
    decomposed = "Thái độ cán bộ chưa tốt".replace("á", "a\u0301")
    dossier_complain(actor=PORTAL, dossier_id=dossier.pk, text=f"  {decomposed}\n", secret=secret)
    assert Dossier.objects.get(pk=dossier.pk).complaint == "Thái độ cán bộ chưa tốt"
    [event] = AuditEvent.objects.filter(action="dossier.complain")
    assert event.changes == {"complaint": "Thái độ cán bộ chưa tốt", "via": "secret"}
    before = _state(dossier)
    dossier_complain(actor=PORTAL, dossier_id=dossier.pk, text="Thái độ cán bộ chưa tốt", secret=secret)
    assert _state(dossier) == before
    with pytest.raises(Conflict) as exc:
        dossier_complain(actor=PORTAL, dossier_id=dossier.pk, text="Một ý kiến khác", secret=secret)
    assert exc.value.code == "complaint_exists"
    assert _state(dossier) == before
