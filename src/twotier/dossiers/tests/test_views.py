"""The staff pages of one-stop dossiers: authorisation matrix, every action through its form, receipt at the desk.

Refusals follow the UI shell's rule: anonymous → login page; citizens, and staff without any dossier
permission on a list page → 403; a dossier that is missing or not visible, and any action on it → 404.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.test.signals import setting_changed

import twotier.dossiers
from twotier.core.management.commands.compile_translations import compile_all
from twotier.core.models import AuditEvent, OutboxMessage
from twotier.core.text import fold
from twotier.dossiers.models import Dossier, Handover, StatusChange
from twotier.dossiers.services import closing, pauses, receipt, steps
from twotier.dossiers.status import Status
from twotier.dossiers.tests.conftest import VN
from twotier.dossiers.tests.helpers import submission
from twotier.dossiers.views import receive as receive_views
from twotier.org.models import Post
from twotier.procedures.models import Procedure
from twotier.testing.authz import Actor, build_world, check_matrix
from twotier.testing.factories import UserFactory, post_make
from twotier.web.nav import nav_for
from twotier.web.tests.helpers import text
from twotier.web.tests.test_translations import python_messages, template_messages, vietnamese_entries

pytestmark = [pytest.mark.django_db, pytest.mark.urls("twotier.dossiers.tests.ui_urls")]

ROLES = ("one_stop_receiver", "specialist", "unit_leader")
APP = Path(twotier.dossiers.__file__).resolve().parent
STALE = "Hồ sơ đã được người khác cập nhật trong lúc bạn thao tác. Chưa có gì thay đổi"


@pytest.fixture(scope="module", autouse=True)
def _compiled_translations():
    """The pages are checked in Vietnamese: compile stale catalogues and drop Django's cached ones."""
    if compile_all():
        setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)


@pytest.fixture
def world(desk):
    return build_world(desk.commune, ROLES, baseline_roles=("archivist",))


def _state():
    """What a denied or failed action must leave alone (a page view only logs who saw the personal data)."""
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "status", "version", "current_step", "promised_at")),
        StatusChange.objects.count(),
        AuditEvent.objects.exclude(action="personal_data.view").count(),
        OutboxMessage.objects.count(),
    )


def _received(world, desk, code="1.001193"):
    return receipt.dossier_receive(actor=world["with_permission"].user, unit=desk.commune, submission=submission(code))


def _at_step(world, desk, n, code="1.001193"):
    dossier = _received(world, desk, code)
    for _ in range(n):
        steps.dossier_forward(actor=world["with_permission"].user, dossier_id=dossier.pk)
    return dossier


def _approved(world, desk):
    dossier = _at_step(world, desk, 2)
    closing.dossier_approve(actor=world["with_permission"].user, dossier_id=dossier.pk, result_name="Giấy khai sinh")
    return dossier


def _registered(world, desk):
    return receipt.dossier_register_online(actor=None, unit=desk.commune, submission=submission("1.001193"))


def _supplement(world, desk):
    dossier = _received(world, desk)
    pauses.dossier_request_supplement(actor=world["with_permission"].user, dossier_id=dossier.pk, reason="Thiếu")
    return dossier


def _payment(world, desk):
    dossier = _received(world, desk, "1.000001")
    pauses.dossier_request_payment(actor=world["with_permission"].user, dossier_id=dossier.pk)
    return dossier


def _version(dossier):
    return Dossier.objects.get(pk=dossier.pk).version


def _post_action(actor, dossier, slug, data):
    body = {"expected_version": _version(dossier), **data}
    return actor.client().post(f"/ho-so/{dossier.code}/{slug}/", body)


# (URL segment, set-up, form data, status after, audit action)
ACTIONS = [
    ("receive", _registered, {"on_behalf": "on"}, Status.RECEIVED, "receive"),
    ("refuse", _received, {"reason": "Không thuộc thẩm quyền", "confirm": "on"}, Status.REFUSED, "refuse"),
    ("forward", _received, {"note": "Đủ", "request_key": "k-forward"}, Status.PROCESSING, "forward"),
    (
        "return",
        lambda w, d: _at_step(w, d, 2),
        {"to_step": "process", "reason": "Sai sót", "request_key": "k-return"},
        Status.PROCESSING,
        "return",
    ),
    (
        "request-supplement",
        _received,
        {"reason": "Thiếu bản sao", "items": "Bản sao CCCD\n\nGiấy xác nhận cư trú"},
        Status.SUPPLEMENT_REQUESTED,
        "request_supplement",
    ),
    ("supplement-received", _supplement, {"note": "Đã nộp"}, Status.RECEIVED, "supplement_received"),
    (
        "request-payment",
        lambda w, d: _received(w, d, "1.000001"),
        {"note": "Nộp lệ phí"},
        Status.PAYMENT_REQUESTED,
        "request_payment",
    ),
    ("record-payment", _payment, {"amount_vnd": "30000"}, Status.RECEIVED, "record_payment"),
    (
        "apologise",
        lambda w, d: _at_step(w, d, 1, "1.000001"),
        {"reason": "Cần xác minh", "new_promised_at": "2026-03-20T09:00"},
        Status.PROCESSING,
        "apologise",
    ),
    ("stop", lambda w, d: _at_step(w, d, 1), {"reason": "Không đủ điều kiện", "confirm": "on"}, Status.STOPPED, "stop"),
    ("withdraw", _received, {"reason": "Công dân rút", "confirm": "on"}, Status.WITHDRAWN, "withdraw"),
    (
        "approve",
        lambda w, d: _at_step(w, d, 2),
        {"result_name": "Giấy khai sinh", "result_number": "12/2026"},
        Status.PROCESSED,
        "approve",
    ),
    ("return-result", _approved, {"delivery": "post"}, Status.RETURNED, "return_result"),
]


@pytest.mark.parametrize(("slug", "setup", "data", "expected", "audit"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_action_form_works_through_the_view_and_denied_posts_change_nothing(
    world, desk, slug, setup, data, expected, audit
):
    dossier = setup(world, desk)
    version = _version(dossier)
    responses = check_matrix(
        world,
        lambda a: _post_action(a, dossier, slug, data),
        allowed=302,
        denied={"anonymous": 302, "citizen": 403},
        state=_state,
    )
    assert responses["anonymous"]["Location"].startswith("/accounts/login/?next=")
    assert responses["with_permission"]["Location"] == f"/ho-so/{dossier.code}/"
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.status == expected and after.version == version + 1
    event = AuditEvent.objects.filter(action=f"dossier.{audit}", target_id=str(dossier.pk)).latest("seq")
    assert event.actor_id == world["with_permission"].user.pk
    page = text(responses["with_permission"].client.get(responses["with_permission"]["Location"]))
    assert "Đã thực hiện:" in page


def test_action_forms_pass_their_fields_to_the_services(world, desk):
    actor = world["with_permission"]
    dossier = _received(world, desk)
    _post_action(actor, dossier, "request-supplement", {"reason": "Thiếu", "items": "Bản sao CCCD\n\n Sổ hộ khẩu "})
    assert Dossier.objects.get(pk=dossier.pk).supplements.get().items == ["Bản sao CCCD", "Sổ hộ khẩu"]

    approved = _at_step(world, desk, 2)
    _post_action(actor, approved, "approve", {"result_name": "Giấy khai sinh", "result_number": "12/2026"})
    result = Dossier.objects.get(pk=approved.pk).results.get()
    assert (result.name, result.number) == ("Giấy khai sinh", "12/2026")
    _post_action(actor, approved, "return-result", {"delivery": "post"})
    assert Dossier.objects.get(pk=approved.pk).result_delivery == "post"

    late = _at_step(world, desk, 1, "1.000001")
    _post_action(actor, late, "apologise", {"reason": "Cần xác minh", "new_promised_at": "2026-03-20T09:00"})
    assert Dossier.objects.get(pk=late.pk).promised_at == dt.datetime(2026, 3, 20, 9, 0, tzinfo=VN)


def test_stale_version_shows_the_conflict_and_changes_nothing(world, desk):
    dossier = _received(world, desk)
    old = dossier.version
    steps.dossier_forward(actor=world["with_permission"].user, dossier_id=dossier.pk)  # someone else moved it
    before = _state()
    actor = world["with_permission"]
    response = actor.client().post(
        f"/ho-so/{dossier.code}/stop/", {"expected_version": old, "reason": "x", "confirm": "on"}
    )
    assert response.status_code == 409
    assert STALE in text(response)
    assert _state() == before
    # The page shows fresh forms: they carry the current version.
    forms = {p.action: p.form for p in response.context["panels"]}
    assert forms["stop"].initial["expected_version"] == old + 1


def test_a_second_submit_of_the_same_forward_form_is_recognised(world, desk):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    body = {"expected_version": dossier.version, "request_key": "same-form", "note": ""}
    first = actor.client().post(f"/ho-so/{dossier.code}/forward/", body)
    second = actor.client().post(f"/ho-so/{dossier.code}/forward/", body)
    assert first.status_code == second.status_code == 302
    assert Handover.objects.filter(dossier=dossier).count() == 2  # receipt + one forward
    assert Dossier.objects.get(pk=dossier.pk).current_step == "process"


def test_after_handing_a_dossier_out_of_sight_the_official_lands_on_the_worklist(desk):
    dossier = receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.000001"))
    steps.dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    steps.dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    province = Actor("p", desk.province_specialist)
    response = _post_action(province, dossier, "forward", {"request_key": "p1"})
    assert response.status_code == 302 and response["Location"] == "/ho-so/"
    assert "Đã thực hiện: Chuyển bước xử lý." in text(response.client.get("/ho-so/"))
    assert Dossier.objects.get(pk=dossier.pk).current_step == "approve"
    assert province.client().get(f"/ho-so/{dossier.code}/").status_code == 404


def test_worklist_and_dossier_page_query_counts_do_not_grow_with_rows(desk, django_assert_max_num_queries):
    for _ in range(25):
        receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.000001"))
    client = Actor("r", desk.receiver).client()
    client.get("/ho-so/")  # warm the calendar cache
    with django_assert_max_num_queries(22):
        response = client.get("/ho-so/", {"box": "all"})
    assert len(response.context["rows"]) == 25
    code = response.context["rows"][0].dossier.code
    with django_assert_max_num_queries(36):
        assert client.get(f"/ho-so/{code}/").status_code == 200


def test_illegal_moves_show_the_409_message(world, desk):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    before = _state()
    wrong_step = _post_action(actor, dossier, "approve", {"result_name": "Giấy khai sinh"})
    assert wrong_step.status_code == 409
    assert "Thao tác này không có ở bước hiện tại của hồ sơ. Chưa có gì thay đổi." in text(wrong_step)
    wrong_state = _post_action(actor, dossier, "return-result", {"delivery": "desk"})
    assert wrong_state.status_code == 409
    assert "Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ." in text(wrong_state)
    assert _state() == before


def test_an_invalid_form_for_an_action_no_longer_offered_says_the_page_is_out_of_date(world, desk):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    old = dossier.version
    steps.dossier_forward(actor=actor.user, dossier_id=dossier.pk)  # refusal is no longer possible
    before = _state()
    response = actor.client().post(f"/ho-so/{dossier.code}/refuse/", {"expected_version": old, "reason": "x"})
    assert response.status_code == 409 and STALE in text(response)
    current = _version(dossier)
    response = actor.client().post(f"/ho-so/{dossier.code}/refuse/", {"expected_version": current, "reason": "x"})
    assert response.status_code == 409
    assert "Lúc này không thể thực hiện thao tác này. Chưa có gì thay đổi." in text(response)
    assert _state() == before


def test_a_visible_dossier_at_another_post_refuses_the_action_with_403(world, desk):
    dossier = receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.001193"))
    before = _state()
    response = _post_action(Actor("specialist", desk.specialist), dossier, "forward", {"request_key": "s"})
    assert response.status_code == 403
    assert "hồ sơ đang ở bước do vị trí hoặc đơn vị khác xử lý" in text(response)
    assert _state() == before


def test_domain_errors_are_shown_next_to_the_field(world, desk):
    actor = world["with_permission"]
    late = _at_step(world, desk, 1, "1.000001")
    before = _state()
    response = _post_action(actor, late, "apologise", {"reason": "Chậm", "new_promised_at": "2026-03-03T09:00"})
    assert response.status_code == 422
    form = {p.action: p.form for p in response.context["panels"]}["apologise"]
    assert form.errors["new_promised_at"] == ["Chọn ngày sau ngày hẹn trả hiện tại."]
    assert "Chọn ngày sau ngày hẹn trả hiện tại." in text(response)

    paying = _payment(world, desk)
    before = _state()
    response = _post_action(actor, paying, "record-payment", {"amount_vnd": "1000"})
    assert response.status_code == 422
    form = {p.action: p.form for p in response.context["panels"]}["record_payment"]
    assert form.errors["amount_vnd"] == ["Số tiền phải bằng số phí, lệ phí phải nộp."]
    assert _state() == before


def test_destructive_actions_need_the_confirmation_box(world, desk):
    actor = world["with_permission"]
    dossier = _received(world, desk)
    before = _state()
    for slug in ("refuse", "withdraw"):
        response = _post_action(actor, dossier, slug, {"reason": "Công dân rút"})
        assert response.status_code == 422
        assert "Hãy đánh dấu ô để xác nhận." in text(response)
        open_panels = [p.action for p in response.context["panels"] if p.open]
        assert open_panels == [slug]
    missing_reason = _post_action(actor, dossier, "refuse", {"reason": " ", "confirm": "on"})
    assert missing_reason.status_code == 422
    assert _state() == before


def test_unknown_actions_and_missing_dossiers_are_404(world, desk):
    dossier = _received(world, desk)
    client = world["with_permission"].client()
    assert client.post(f"/ho-so/{dossier.code}/explode/", {"expected_version": 1}).status_code == 404
    assert client.post("/ho-so/000.08.30.H12-260302-9999/forward/", {"expected_version": 1}).status_code == 404
    missing = client.get("/ho-so/000.08.30.H12-260302-9999/")
    assert missing.status_code == 404
    assert "Không tìm thấy trang" in text(missing)
    assert client.get(f"/ho-so/{dossier.code}/forward/").status_code == 405


def _offered(user, dossier):
    response = Actor("x", user).client().get(f"/ho-so/{dossier.code}/")
    return [p.action for p in response.context["panels"]]


def test_the_buttons_follow_the_state_table_and_the_step(desk):
    dossier = receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.000001"))
    assert _offered(desk.receiver, dossier) == [
        "forward",
        "request_supplement",
        "request_payment",
        "refuse",
        "withdraw",
    ]
    assert _offered(desk.specialist, dossier) == []
    assert _offered(desk.leader, dossier) == []
    steps.dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    assert _offered(desk.specialist, dossier) == [
        "forward",
        "request_supplement",
        "request_payment",
        "apologise",
        "stop",
    ]
    assert _offered(desk.receiver, dossier) == ["request_payment", "withdraw"]
    pauses.dossier_request_supplement(actor=desk.specialist, dossier_id=dossier.pk, reason="Thiếu")
    assert _offered(desk.specialist, dossier) == ["supplement_received", "stop"]
    assert _offered(desk.receiver, dossier) == ["supplement_received", "withdraw"]
    pauses.dossier_supplement_received(actor=desk.receiver, dossier_id=dossier.pk)
    # Once only: no second supplement request.
    assert "request_supplement" not in _offered(desk.specialist, dossier)
    steps.dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    assert _offered(desk.province_specialist, dossier) == ["forward", "return"]
    steps.dossier_forward(actor=desk.province_specialist, dossier_id=dossier.pk)
    assert _offered(desk.leader, dossier) == ["approve", "return", "apologise", "stop"]
    closing.dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="GCN")
    assert _offered(desk.receiver, dossier) == ["return_result"]
    closing.dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk)
    assert _offered(desk.receiver, dossier) == []


def test_forward_offers_the_posts_of_the_next_step(desk):
    dossier = receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.000001"))
    response = Actor("r", desk.receiver).client().get(f"/ho-so/{dossier.code}/")
    form = {p.action: p.form for p in response.context["panels"]}["forward"]
    specialist_post = Post.objects.get(assignments__user=desk.specialist)
    assert [code for code, _label in form.fields["to_post"].choices] == ["", specialist_post.code]
    bad = _post_action(Actor("r", desk.receiver), dossier, "forward", {"to_post": "NOPE", "request_key": "a"})
    assert bad.status_code == 422
    ok = _post_action(
        Actor("r", desk.receiver), dossier, "forward", {"to_post": specialist_post.code, "request_key": "b"}
    )
    assert ok.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).current_post == specialist_post


def test_dossier_page_authorisation_matrix_and_personal_data_log(world, desk):
    dossier = _received(world, desk)
    responses = check_matrix(
        world,
        lambda a: a.client().get(f"/ho-so/{dossier.code}/"),
        denied={"anonymous": 302, "citizen": 403},
        state=_state,
    )
    assert responses["anonymous"]["Location"] == f"/accounts/login/?next=/ho-so/{dossier.code}/"
    assert "Không tìm thấy trang" in text(responses["other_commune"])
    body = text(responses["with_permission"])
    for fact in ("Nguyễn Văn An", "096090001234", "Đăng ký khai sinh", "Mã 1.001193, phiên bản 1", "Trực tiếp"):
        assert fact in body, fact
    viewed = AuditEvent.objects.filter(action="personal_data.view", target_id=str(dossier.pk)).get()
    assert viewed.actor_id == world["with_permission"].user.pk and viewed.changes["purpose"] == "dossier page"


def test_dossier_page_shows_process_handovers_records_forms_and_timeline_only_with_audit(desk):
    dossier = receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.000001"))
    steps.dossier_forward(actor=desk.receiver, dossier_id=dossier.pk, note="Đủ hồ sơ")
    desk.clock.set(2026, 3, 3, 9, 0)
    pauses.dossier_request_supplement(
        actor=desk.specialist, dossier_id=dossier.pk, reason="Thiếu bản sao", items=["Bản sao CCCD"]
    )
    response = Actor("r", desk.receiver).client().get(f"/ho-so/{dossier.code}/")
    body = text(response)
    assert "Các bước xử lý" in body
    assert [s.state for s in response.context["steps"]] == ["done", "current", "upcoming", "upcoming", "upcoming"]
    assert "Bàn giao giữa các bước (phiếu kiểm soát)" in body and "Đủ hồ sơ" in body and "Sớm hạn" in body
    assert "Yêu cầu bổ sung lúc 03/03/2026 09:00" in body and "Bản sao CCCD" in body
    assert "Lệ phí LP1 30.000 đ 1 30.000 đ" in body
    assert "Đang chờ người nộp bổ sung hồ sơ" in body
    links = [url for _no, _title, url in response.context["forms"]]
    assert links == [f"/api/v1/dossiers/{dossier.code}/forms/{n}.pdf" for n in ("01", "02", "06")]
    assert "Nhật ký thao tác" not in body  # the receiver has no audit permission
    leader_page = text(Actor("l", desk.leader).client().get(f"/ho-so/{dossier.code}/"))
    assert "Nhật ký thao tác" in leader_page and "Yêu cầu bổ sung · do specialist thực hiện" in leader_page


def test_worklist_authorisation_matrix(world, desk):
    dossier = _received(world, desk)
    responses = check_matrix(
        world,
        lambda a: a.client().get("/ho-so/", {"box": "all"}),
        denied={"anonymous": 302, "citizen": 403, "other_commune": 200, "without_permission": 403},
        state=_state,
    )
    assert responses["anonymous"]["Location"] == "/accounts/login/?next=/ho-so/%3Fbox%3Dall"
    assert dossier.code in text(responses["with_permission"])
    assert dossier.code not in text(responses["other_commune"])
    assert "Chưa có hồ sơ nào bạn được xem." in text(responses["other_commune"])
    assert "Bạn không có quyền truy cập trang này" in text(responses["without_permission"])


def test_worklist_tabs_search_filters_and_highlights(desk):
    receiver = Actor("r", desk.receiver).client()
    first = receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.001193"))
    desk.clock.set(2026, 3, 2, 10, 0)
    other = receipt.dossier_receive(
        actor=desk.receiver,
        unit=desk.commune,
        submission=receipt.Submission(
            procedure_code="1.000001",
            applicant=receipt.Applicant(name="Trần Thị Bình", id_number="096190001111"),
            components=["TK", "GCS"],
        ),
        channel=3,
    )
    receipt.dossier_register_online(actor=None, unit=desk.commune, submission=submission("1.001193"))
    desk.clock.set(2026, 3, 3, 9, 0)  # the same-day dossier is overdue now

    response = receiver.get("/ho-so/")
    tabs = {key: count for key, _label, count in response.context["tabs"]}
    assert response.context["box"] == "my_step"
    assert tabs == {
        "my_step": 2,
        "to_receive": 1,
        "waiting_supplement": 0,
        "due_soon": 0,
        "overdue": 1,
        "done": 0,
        "all": 3,
    }
    rows = response.context["rows"]
    assert [r.dossier.code for r in rows] == [first.code, other.code]
    assert rows[0].deadline.kind == "overdue" and rows[0].deadline.badge == "Quá hạn"
    assert rows[0].deadline.text.startswith("Quá hạn ")
    assert rows[1].deadline.kind == "on_track" and rows[1].deadline.text == "Còn 4 ngày làm việc 1 giờ"
    body = text(response)
    assert "Quá hạn Quá hạn 1 giờ" in body  # the badge, then the text

    def codes(**params):
        return [r.dossier.code for r in receiver.get("/ho-so/", {"box": "all", **params}).context["rows"]]

    assert codes(q="tran thi binh") == [other.code]
    assert codes(q="096190001111") == [other.code]
    assert codes(q=first.code[-4:]) == [first.code]
    assert codes(procedure="1.000001") == [other.code]
    assert codes(channel="3") == [other.code]
    assert codes(status=str(Status.REGISTERED)) == [c for c in codes() if c not in (first.code, other.code)]
    assert codes(received_from="2026-03-03") == []
    assert codes(received_to="2026-03-02", sort="promised") == [first.code, other.code]
    assert codes(received_to="2026-03-02", sort="-promised") == [other.code, first.code]
    assert codes(channel="nope") == codes()  # an invalid filter is ignored
    empty = receiver.get("/ho-so/", {"box": "all", "q": "khong co ai"})
    assert "Không có hồ sơ nào khớp với bộ lọc." in text(empty)
    nothing = receiver.get("/ho-so/", {"box": "waiting_supplement"})
    assert "Không có hồ sơ nào đang chờ người nộp bổ sung." in text(nothing)


def test_worklist_paginates_by_25(desk):
    for _ in range(27):
        receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.001193"))
    client = Actor("r", desk.receiver).client()
    first, second = client.get("/ho-so/", {"box": "all"}), client.get("/ho-so/", {"box": "all", "page": 2})
    assert len(first.context["rows"]) == 25 and len(second.context["rows"]) == 2
    assert "27 kết quả" in text(first)


def test_receive_pages_authorisation_matrix(world, desk):
    for url in ("/ho-so/tiep-nhan/", "/ho-so/tiep-nhan/1.001193/"):
        responses = check_matrix(
            world,
            lambda a, url=url: a.client().get(url),
            denied={"anonymous": 302, "citizen": 403, "other_commune": 200, "without_permission": 403},
            state=_state,
        )
        assert responses["anonymous"]["Location"] == f"/accounts/login/?next={url}"
    specialist = Actor("s", desk.specialist).client()
    assert specialist.get("/ho-so/tiep-nhan/").status_code == 403
    assert world["with_permission"].client().get("/ho-so/tiep-nhan/9.999999/").status_code == 404


def test_procedure_search_ignores_accents(desk):
    for procedure in Procedure.objects.all():  # the fixture stores the names lower-cased, not folded
        Procedure.objects.filter(pk=procedure.pk).update(name_folded=fold(procedure.name))
    client = Actor("r", desk.receiver).client()

    def found(q):
        return [v.procedure.code for v in client.get("/ho-so/tiep-nhan/", {"q": q}).context["page_obj"]]

    assert found("dang ky ket hon") == ["1.000001"]
    assert found("KHAI SINH") == ["1.001193"]
    assert found("1.0011") == ["1.001193"]
    assert "Không có thủ tục đã công bố nào phù hợp." in text(client.get("/ho-so/tiep-nhan/", {"q": "xyz"}))


def _form_data(client, code="1.000001", **extra):
    page = client.get(f"/ho-so/tiep-nhan/{code}/")
    form = page.context["form"]
    data = {
        "idempotency_key": form.initial["idempotency_key"],
        "unit": form.fields["unit"].initial,
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "096090001234",
        "applicant_phone": "0912345678",
        "applicant_address": "Khóm 1, phường Tân Thành",
        "components": ["TK", "GCS"],
        "fees": ["LP1"],
        "channel": "1",
        "result_delivery": "desk",
        "sets": "1",
    }
    data.update(extra)
    return data


def test_receive_at_the_desk_creates_the_dossier_and_shows_the_secret_once(desk):
    client = Actor("r", desk.receiver).client()
    data = _form_data(client, on_behalf="on", channel="3", result_delivery="post", components=["TK", "GCS", "UQ"])
    response = client.post("/ho-so/tiep-nhan/1.000001/", data)
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{dossier.code}/"
    assert (dossier.status, dossier.channel, dossier.on_behalf, dossier.result_delivery) == (2, 3, True, "post")
    assert dossier.applicant_address == "Khóm 1, phường Tân Thành" and dossier.fee_total == 30000
    assert sorted(dossier.components.values_list("code", flat=True)) == ["GCS", "TK", "UQ"]
    assert dossier.received_by == desk.receiver and dossier.current_post.unit == desk.commune
    assert AuditEvent.objects.filter(action="dossier.receive", target_id=str(dossier.pk)).count() == 1
    page = client.get(response["Location"])
    secret = page.context["access_secret"]
    assert secret and "Mã tra cứu cho người nộp hồ sơ" in text(page) and secret in text(page)
    assert f'href="/api/v1/dossiers/{dossier.code}/forms/01.pdf"' in page.content.decode()
    assert "Đã tiếp nhận hồ sơ" in text(page)
    again = client.get(response["Location"])
    assert again.context["access_secret"] is None and secret not in text(again)


def test_a_double_submit_of_the_receive_form_creates_one_dossier(desk):
    client = Actor("r", desk.receiver).client()
    data = _form_data(client)
    first = client.post("/ho-so/tiep-nhan/1.000001/", data)
    second = client.post("/ho-so/tiep-nhan/1.000001/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Dossier.objects.count() == 1
    changed = client.post("/ho-so/tiep-nhan/1.000001/", {**data, "applicant_name": "Người khác"})
    assert changed.status_code == 409
    assert "Biểu mẫu này đã được gửi với dữ liệu khác." in text(changed)
    assert Dossier.objects.count() == 1


def test_a_concurrent_double_submit_that_loses_the_race_returns_the_winner(desk, monkeypatch):
    client = Actor("r", desk.receiver).client()
    data = _form_data(client)
    real = receive_views.dossier_receive
    calls = []

    def racing(**kwargs):
        calls.append(kwargs["idempotency_key"])
        if len(calls) == 1:
            real(**kwargs)  # the other request commits first with the same key ...
            raise IntegrityError("idempotency_unique")  # ... so this one's insert of the key fails
        return real(**kwargs)

    monkeypatch.setattr(receive_views, "dossier_receive", racing)
    response = client.post("/ho-so/tiep-nhan/1.000001/", data)
    assert response.status_code == 302 and len(calls) == 2
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"applicant_name": " "}, "applicant_name", "Trường này là bắt buộc."),
        ({"applicant_id_number": "12345"}, "applicant_id_number", "Số định danh cá nhân phải có đúng 12 chữ số."),
        (
            {"applicant_id_number": "999090001234"},
            "applicant_id_number",
            "Ba chữ số đầu của số định danh không phải mã tỉnh (001–096).",
        ),
        (
            {"components": ["TK"]},
            "components",
            "Hãy đánh dấu đủ các thành phần bắt buộc. Còn thiếu: Thành phần GCS.",
        ),
        ({"sets": "21"}, "sets", None),
        ({"channel": "2"}, "channel", None),
        ({"fees": ["NOPE"]}, "fees", None),
    ],
    ids=["name", "id-length", "id-province", "components", "sets", "online-channel", "fee"],
)
def test_receive_form_errors_name_the_field_and_create_nothing(desk, changes, field, message):
    client = Actor("r", desk.receiver).client()
    before = _state()
    response = client.post("/ho-so/tiep-nhan/1.000001/", _form_data(client, **changes))
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors
    if message:
        assert form.errors[field] == [message]
        assert message in text(response)
    assert "Vui lòng sửa các trường được đánh dấu bên dưới." in text(response)
    assert _state() == before


def test_a_service_rule_lands_on_its_field(desk, monkeypatch):
    from twotier.core.errors import FieldIssue, InvalidInput

    def refuse(**kwargs):
        raise InvalidInput(
            "x", [FieldIssue("applicant.name", "required", "Enter it"), FieldIssue("unit", "agency_id", "")]
        )

    monkeypatch.setattr(receive_views, "dossier_receive", refuse)
    client = Actor("r", desk.receiver).client()
    response = client.post("/ho-so/tiep-nhan/1.000001/", _form_data(client))
    form = response.context["form"]
    assert response.status_code == 422
    assert form.errors["applicant_name"] == ["Trường này là bắt buộc."]
    assert form.errors["unit"] == ["Bộ phận này chưa có mã định danh điện tử; hãy đề nghị quản trị viên cấp."]
    assert "Bộ phận này chưa có mã định danh điện tử" in text(response)  # a hidden field's error is shown too


def test_the_menu_shows_the_dossier_pages_by_permission(world, desk):
    from twotier.org.access import grants_for

    def keys(user):
        return [link.key for link in nav_for(grants_for(user), "dossiers:list")]

    assert {"dossiers", "dossiers_receive"} <= set(keys(desk.receiver))
    assert "dossiers" in keys(desk.specialist) and "dossiers_receive" not in keys(desk.specialist)
    archivist = UserFactory(username="archivist")
    post_make(desk.commune, "archivist", holder=archivist)
    assert not {"dossiers", "dossiers_receive"} & set(keys(archivist))
    active = [link for link in nav_for(grants_for(desk.receiver), "dossiers:detail") if link.active]
    assert [link.key for link in active] == ["dossiers"]


def test_the_pages_switch_to_english(desk):
    dossier = receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.001193"))
    client = Actor("r", desk.receiver).client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    worklist = text(client.get("/ho-so/"))
    assert "One-stop dossiers" in worklist and "At my step" in worklist and "Time left" in worklist
    page = text(client.get(f"/ho-so/{dossier.code}/"))
    assert f"Dossier {dossier.code}" in page and "Forward to the next step" in page and "Process steps" in page


def test_every_message_of_the_dossier_pages_is_in_vietnamese():
    entries = vietnamese_entries()
    messages = set()
    for path in sorted((APP / "templates").glob("**/*.html")):
        messages |= template_messages(path)
    for path in [*sorted((APP / "views").glob("*.py")), APP / "ui.py"]:
        messages |= python_messages(path)
    assert len(messages) > 200
    problems = []
    for context, msgid, plural in sorted(messages):
        entry = entries.get((context, msgid))
        if entry is None or not (entry.msgstr or any(entry.msgstr_plural.values())):
            problems.append(msgid)
            continue
        for translation in [entry.msgstr] if not plural else list(entry.msgstr_plural.values()):
            if set(re.findall(r"%\(\w+\)[sd]", translation)) != set(re.findall(r"%\(\w+\)[sd]", msgid + plural)):
                problems.append(f"{msgid}: placeholders differ")
    assert problems == []


@pytest.mark.parametrize("path", sorted((APP / "templates").glob("**/*.html")), ids=lambda p: p.name)
def test_dossier_templates_use_no_inline_script_or_style(path):
    source = path.read_text(encoding="utf-8")
    assert "<script" not in source and "<style" not in source and " style=" not in source
