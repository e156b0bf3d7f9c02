import pytest

from twotier.core.errors import Conflict
from twotier.dossiers.status import Status
from twotier.dossiers.workflow import ACTIONS, TRANSITIONS, allowed_actions, next_status

S = Status

LEGAL = [
    (None, "register_online", S.REGISTERED),
    (None, "receive", S.RECEIVED),
    (S.REGISTERED, "receive", S.RECEIVED),
    (S.REGISTERED, "refuse", S.REFUSED),
    (S.RECEIVED, "refuse", S.REFUSED),
    (S.RECEIVED, "forward", S.PROCESSING),
    (S.PROCESSING, "forward", S.PROCESSING),
    (S.PROCESSING, "return", S.PROCESSING),
    (S.RECEIVED, "request_supplement", S.SUPPLEMENT_REQUESTED),
    (S.PROCESSING, "request_supplement", S.SUPPLEMENT_REQUESTED),
    (S.RECEIVED, "request_payment", S.PAYMENT_REQUESTED),
    (S.PROCESSING, "request_payment", S.PAYMENT_REQUESTED),
    (S.PROCESSING, "apologise", S.PROCESSING),
    (S.PROCESSING, "stop", S.STOPPED),
    (S.SUPPLEMENT_REQUESTED, "stop", S.STOPPED),
    (S.RECEIVED, "withdraw", S.WITHDRAWN),
    (S.SUPPLEMENT_REQUESTED, "withdraw", S.WITHDRAWN),
    (S.PROCESSING, "approve", S.PROCESSED),
    (S.PROCESSED, "return_result", S.RETURNED),
]


@pytest.mark.parametrize(("state", "action", "expected"), LEGAL)
def test_legal_moves(state, action, expected):
    assert next_status(state, action) == expected


@pytest.mark.parametrize("before", [S.RECEIVED, S.PROCESSING])
def test_pauses_resume_to_the_state_before(before):
    assert next_status(S.SUPPLEMENT_REQUESTED, "supplement_received", before_pause=before) == before
    assert next_status(S.PAYMENT_REQUESTED, "record_payment", before_pause=before) == before


def test_every_other_pair_is_illegal_and_names_state_and_action():
    states = [None, *Status.values]
    checked = 0
    for state in states:
        for action in ACTIONS:
            if (state, action) in TRANSITIONS:
                continue
            with pytest.raises(Conflict) as exc:
                next_status(state, action)
            assert exc.value.status == 409 and exc.value.code == "illegal_transition"
            assert f"'{action}'" in exc.value.message
            if state is not None:
                assert f"state {state} " in exc.value.message
            checked += 1
    assert checked == len(states) * len(ACTIONS) - len(TRANSITIONS)


def test_terminal_states_allow_nothing():
    for state in (S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED):
        assert allowed_actions(state) == []


def test_unknown_action_is_a_conflict():
    with pytest.raises(Conflict, match="Unknown action"):
        next_status(S.RECEIVED, "teleport")
