"""The portal client against the stand-in: sessions, error classes, kept-alive connections."""

import pytest

from twotier.nationalportal.client import PortalClient, PortalError
from twotier.nationalportal.conf import PortalConf
from twotier.nationalportal.standin import StandinControl, StandinPortal
from twotier.nationalportal.standin.server import StandinHandler

DOC = {"MaHoSo": "H12-1", "MaTTHC": "1.001193", "TrangThaiHoSo": 2, "KenhThucHien": 1}


@pytest.fixture
def standin(tmp_path):
    server = StandinPortal(db_path=str(tmp_path / "s.sqlite3")).start()
    yield server
    server.stop()


@pytest.fixture
def client(standin):
    c = PortalClient(PortalConf(base_url=standin.url, timeout=1.0))
    yield c
    c.close()


def test_one_login_serves_many_calls_on_one_connection(client, standin):
    for i in range(5):
        assert client.sync_dossiers([{**DOC, "MaHoSo": f"H12-{i}"}])[0].ok
    assert client.logins == 1
    assert StandinControl(standin.url).stats()["logins"] == 1


def test_an_expired_session_is_renewed_once(client, standin):
    client.sync_dossiers([DOC])
    StandinControl(standin.url).expire_sessions()
    assert client.sync_dossiers([DOC])[0].message == "unchanged"
    assert client.logins == 2


def test_a_session_refused_right_after_login_is_a_temporary_failure(client, monkeypatch, standin):
    monkeypatch.setattr(standin.httpd, "session_state", lambda token: "expired")
    with pytest.raises(PortalError, match="session refused after re-login: SESSION_EXPIRED") as exc:
        client.sync_dossiers([DOC])
    assert exc.value.permanent is False and client.logins == 2


@pytest.mark.parametrize(
    "mode, permanent, status",
    [("500", False, 500), ("503", False, 503), ("408", False, 408), ("429", False, 429), ("400", True, 400),
     ("404", True, 404), ("422", True, 422), ("timeout", False, None), ("disconnect", False, None)],
)  # fmt: skip
def test_failures_are_classed_temporary_or_permanent(client, standin, mode, permanent, status):
    StandinControl(standin.url).fail(mode, delay_seconds=2.5)
    with pytest.raises(PortalError) as exc:
        client.sync_dossiers([DOC])
    assert (exc.value.permanent, exc.value.status) == (permanent, status)


def test_an_answer_without_one_result_per_record_is_retried(client, monkeypatch):
    monkeypatch.setattr(StandinHandler, "_apply", lambda self, service, records: [])
    with pytest.raises(PortalError, match="answer has 0 results for 1 records") as exc:
        client.sync_dossiers([DOC])
    assert exc.value.permanent is False


def test_refused_records_say_whether_a_retry_can_help(client):
    unknown = {"MaHoSo": "unknown", "STT": 1, "TrangThaiHoSo": 2, "ThoiDiemXuLy": "20260302090000"}
    results = client.update_progress([unknown, {"MaHoSo": "x", "STT": "one", "TrangThaiHoSo": 2}])
    assert [(r.ok, r.code, r.retryable) for r in results] == [
        (False, "HOSO_NOT_FOUND", True),
        (False, "INVALID_FIELD", False),
    ]


def test_a_base_url_with_a_path_prefix_is_kept(standin):
    client = PortalClient(PortalConf(base_url=standin.url + "/gateway", timeout=1.0))
    with pytest.raises(PortalError, match="HTTP 404 NOT_FOUND: no such endpoint: POST /gateway/api/auth/login"):
        client.login()
