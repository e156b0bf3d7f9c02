"""The stand-in portal: its contract endpoints, read-back, fault injection, and running as its own process."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from twotier.nationalportal.standin import StandinControl, StandinPortal

DOC = {"MaHoSo": "H12-260302-0001", "MaTTHC": "1.001193", "TrangThaiHoSo": 2, "KenhThucHien": 1,
       "NgayTiepNhan": "20260302090000", "TaiLieuNop": [{"TenTaiLieu": "Tờ khai", "DuocSoHoa": 1}]}  # fmt: skip
EVENT = {"MaHoSo": "H12-260302-0001", "STT": 1, "TrangThaiHoSo": 2, "ThoiDiemXuLy": "20260302090000"}


@pytest.fixture
def standin(tmp_path):
    server = StandinPortal(db_path=str(tmp_path / "s.sqlite3")).start()
    yield server
    server.stop()


def _post(url, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, headers=headers, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - the stand-in on loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _login(url):
    status, body = _post(url, "/api/auth/login", {"username": "standin", "password": "standin"})
    assert status == 200 and body["error_code"] == "0" and body["expires_in"] == 3600
    return body["session"]


def test_login_gives_a_session_and_wrong_credentials_are_refused(standin):
    assert _login(standin.url) != _login(standin.url)
    status, body = _post(standin.url, "/api/auth/login", {"username": "standin", "password": "nope"})
    assert (status, body["error_code"]) == (401, "LOGIN_FAILED")


def test_data_calls_need_a_live_session(standin):
    status, body = _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]})
    assert (status, body["error_code"]) == (401, "SESSION_INVALID")
    token = _login(standin.url)
    StandinControl(standin.url).expire_sessions()
    status, body = _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)
    assert (status, body["error_code"]) == (401, "SESSION_EXPIRED")
    assert StandinControl(standin.url).stats()["documents"] == 0


def test_upsert_keeps_the_latest_document_and_progress_is_stored_once(standin):
    token = _login(standin.url)
    control = StandinControl(standin.url)
    _status, body = _post(standin.url, "/api/hoso/CapNhatTienDoHoSoMC", {"data": [EVENT]}, token)
    assert body["results"] == [{"MaHoSo": DOC["MaHoSo"], "STT": 1, "error_code": "HOSO_NOT_FOUND",
                                "message": "send DongBoHoSoMC first"}]  # fmt: skip
    newer = {**DOC, "TrangThaiHoSo": 4}
    _status, body = _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC, DOC, newer]}, token)
    assert [r["message"] for r in body["results"]] == ["created", "unchanged", "updated"]
    _status, body = _post(standin.url, "/api/hoso/CapNhatTienDoHoSoMC", {"data": [EVENT, EVENT]}, token)
    assert [r["message"] for r in body["results"]] == ["stored", "duplicate"]
    held = control.held(DOC["MaHoSo"])
    assert held["document"] == newer and held["upserts_received"] == 3 and held["upserts_unchanged"] == 1
    assert [(e["STT"], e["duplicates"]) for e in held["progress"]] == [(1, 1)]
    assert control.held("nothing")["document"] is None


def test_records_are_checked_field_by_field(standin):
    token = _login(standin.url)
    bad = [
        {**DOC, "NgayTiepNhan": "02/03/2026"},
        {**DOC, "TrangThaiHoSo": 11},
        {**DOC, "KenhThucHien": 4},
        {**DOC, "TaiLieuNop": [{"NgayKy": "20261301000000"}]},
        {**DOC, "MaTTHC": ""},
        "not an object",
    ]
    _status, body = _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": bad}, token)
    assert [r["message"] for r in body["results"]] == [
        "NgayTiepNhan: expected yyyyMMddHHmmss, got '02/03/2026'",
        "TrangThaiHoSo: must be a national status code 1-10, got 11",
        "KenhThucHien: must be 1, 2 or 3, got 4",
        "TaiLieuNop[0].NgayKy: not a real date-time: '20261301000000'",
        "MaTTHC: required",
        "record: must be a JSON object",
    ]
    assert {r["error_code"] for r in body["results"]} == {"INVALID_FIELD"}
    _status, body = _post(standin.url, "/api/hoso/CapNhatTienDoHoSoMC", {"data": [{**EVENT, "STT": 0}]}, token)
    assert body["results"][0]["message"] == "STT: must be a positive integer, got 0"
    assert StandinControl(standin.url).stats()["documents"] == 0


def test_malformed_calls_are_refused_as_a_whole(standin):
    token = _login(standin.url)
    assert _post(standin.url, "/api/hoso/DongBoHoSoMC", b"{not json", token)[0] == 400
    assert _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": []}, token)[1]["error_code"] == "BAD_REQUEST"
    status, body = _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC] * 1001}, token)
    assert (status, body["error_code"]) == (413, "TOO_MANY_RECORDS")
    assert _post(standin.url, "/api/hoso/Other", {"data": [DOC]}, token)[0] == 404


def test_faults_apply_for_a_while_then_the_portal_recovers(standin):
    token = _login(standin.url)
    control = StandinControl(standin.url)
    control.fail("503", for_seconds=2, services=["DongBoHoSoMC"])
    assert _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)[0] == 503
    assert _post(standin.url, "/api/hoso/CapNhatTienDoHoSoMC", {"data": [EVENT]}, token)[0] == 200
    assert control.stats()["fault"]["mode"] == "503"
    time.sleep(2.05)
    assert _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)[0] == 200
    assert control.stats()["fault"] is None
    control.fail("500", fail_rate=0.0)
    assert _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)[0] == 200
    control.fail("500", times=1)
    assert _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)[0] == 500
    assert _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)[0] == 200


@pytest.mark.parametrize(
    "body, message",
    [
        ({"mode": "teapot"}, "mode: one of timeout, disconnect or an HTTP status 400-599"),
        ({"mode": "500", "fail_rate": 2}, "fail_rate: between 0 and 1"),
        ({"mode": "500", "for_seconds": -1}, "for_seconds: must be positive"),
        ({"token_ttl": 0}, "token_ttl: at least 1 second"),
    ],
)
def test_control_requests_are_checked(standin, body, message):
    assert _post(standin.url, "/_control", body) == (400, {"error_code": "BAD_REQUEST", "message": message})
    assert StandinControl(standin.url).stats()["fault"] is None


def test_reset_forgets_everything(standin):
    token = _login(standin.url)
    _post(standin.url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)
    StandinControl(standin.url).reset()
    stats = StandinControl(standin.url).stats()
    assert (stats["documents"], stats["calls"]) == (0, [])


def test_it_listens_on_loopback_only(tmp_path):
    with pytest.raises(ValueError, match="loopback only"):
        StandinPortal(db_path=str(tmp_path / "s.sqlite3"), host="0.0.0.0")  # noqa: S104 - the refused case
    with pytest.raises(ValueError, match="loopback only"):
        StandinControl("http://10.0.0.1:8765")


def test_it_runs_as_its_own_process(tmp_path):
    db = tmp_path / "own" / "standin.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "twotier.nationalportal.standin", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("STAND-IN national portal (not the real one) listening on http://127.0.0.1:")
        url = line.split(" listening on ", 1)[1].split()[0]
        token = _login(url)
        assert _post(url, "/api/hoso/DongBoHoSoMC", {"data": [DOC]}, token)[1]["results"][0]["message"] == "created"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert db.exists()
    again = StandinPortal(db_path=str(db))  # what it received is in its own file
    try:
        assert again.store.stats()["documents"] == 1
    finally:
        again.stop()
