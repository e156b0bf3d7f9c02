"""Dossier components: uploads through the storage API, digitisation, reuse, download; API with authz matrix.

The module is also the URL conf of its tests: a NinjaAPI with the root API's auth and error
handlers mounts the components and citizens routers under /api/v1/ (they may not be mounted in
the root API yet).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import path
from ninja import NinjaAPI

from twotier.accounts.api_auth import SessionAuth, TokenAuth
from twotier.accounts.models import AccountKind
from twotier.api import api as root_api
from twotier.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from twotier.core.models import AuditEvent, OutboxMessage
from twotier.dossiers.citizens_api import router as citizens_router
from twotier.dossiers.components_api import router as components_router
from twotier.dossiers.models import Dossier, DossierComponent
from twotier.dossiers.portal import TOPIC_UPSERT
from twotier.dossiers.services import closing, components, receipt, steps
from twotier.dossiers.services.receipt import Applicant, Submission
from twotier.dossiers.tests.test_uploads import ACTIVE_PDFS, EMBEDDING_PDFS, JPEG, PDF, PNG, bomb_png, pdf_bytes
from twotier.dossiers.uploads import oversized_fields
from twotier.testing.authz import build_world, check_matrix
from twotier.testing.factories import UserFactory

test_api = NinjaAPI(auth=[TokenAuth(), SessionAuth()], urls_namespace="components-test", docs_url=None)
for _exc, _handler in root_api._exception_handlers.items():
    test_api.add_exception_handler(_exc, _handler)
test_api.add_router("/", components_router)
test_api.add_router("/", citizens_router)
urlpatterns = [path("api/v1/", test_api.urls)]
pytestmark = pytest.mark.urls(__name__)

ROLES = ("one_stop_receiver", "specialist", "unit_leader")
ID = "096090001234"
OTHER_ID = "001195004321"
PDF2 = pdf_bytes(b"/Lang (vi-VN)")


@pytest.fixture
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def world(desk, media):
    return build_world(desk.commune, ROLES, baseline_roles=("archivist",))


def files_in(root: Path) -> list[str]:
    """Every file under `root`, relative, sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _state(root: Path):  # type: ignore[no-untyped-def]
    return (
        list(
            DossierComponent.objects.order_by("pk").values_list(
                "pk", "code", "file", "sha256", "size", "digitised", "reused_from_id", "reused_result_id"
            )
        ),
        files_in(root),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def _sub(id_number: str = ID, name: str = "Nguyễn Văn An", code: str = "1.001193", **applicant) -> Submission:  # type: ignore[no-untyped-def]
    return Submission(
        procedure_code=code,
        applicant=Applicant(name=name, id_number=id_number, **applicant),
        components=["TK", "GCS"],
    )


def _received(world, desk, id_number: str = ID, **kw) -> Dossier:  # type: ignore[no-untyped-def]
    return receipt.dossier_receive(
        actor=world["with_permission"].user, unit=desk.commune, submission=_sub(id_number, **kw)
    )


def _stored(world, dossier, code="TK", data=PDF, name="to-khai.pdf", digitised=True):  # type: ignore[no-untyped-def]
    return components.component_upload(
        actor=world["with_permission"].user,
        dossier_id=dossier.pk,
        code=code,
        file=SimpleUploadedFile(name, data, content_type=""),
        digitised=digitised,
    )


def _url(dossier: Dossier, tail: str) -> str:
    return f"/api/v1/dossiers/{dossier.code}/{tail}"


def _upload(actor, dossier, code="TK", data=PDF, name="to-khai.pdf", content_type="application/pdf", **form):  # type: ignore[no-untyped-def]
    body = {"file": SimpleUploadedFile(name, data, content_type=content_type), **form}
    return actor.client().post(_url(dossier, f"components/{code}/file"), body, headers=actor.headers())


def _post_json(actor, url, body=None):  # type: ignore[no-untyped-def]
    import json

    return actor.client().post(url, json.dumps(body or {}), content_type="application/json", headers=actor.headers())


def _get(actor, url):  # type: ignore[no-untyped-def]
    return actor.client().get(url, headers=actor.headers())


def _component(dossier: Dossier, code: str = "TK") -> DossierComponent:
    return DossierComponent.objects.get(dossier=dossier, code=code)


# --- upload ------------------------------------------------------------------------------------


def test_upload_matrix_stores_through_the_storage_api_with_checksum(world, desk, media):
    dossier = _received(world, desk)
    responses = check_matrix(
        world,
        lambda a: _upload(a, dossier, digitised="true"),
        state=lambda: _state(media),
    )
    out = responses["with_permission"].json()
    component = _component(dossier)
    assert out["sha256"] == component.sha256 == hashlib.sha256(PDF).hexdigest()
    assert out["size"] == len(PDF) and out["content_type"] == "application/pdf" and out["has_file"]
    assert out["digitised"] and not out["reused"] and out["original_filename"] == "to-khai.pdf"
    assert component.file.name.startswith("dossiers/2026/03/") and component.file.name.endswith(".pdf")
    assert "to-khai" not in component.file.name and dossier.code not in component.file.name
    assert files_in(media) == [component.file.name]
    assert (media / component.file.name).read_bytes() == PDF
    assert component.digitised_at == desk.clock.now and component.digitised_by == world["with_permission"].user
    event = AuditEvent.objects.filter(action="dossier.component_upload").get()
    assert event.changes["sha256"] == ["", component.sha256] and event.changes["digitised"] == [False, True]
    upsert = OutboxMessage.objects.filter(topic=TOPIC_UPSERT, aggregate_id=dossier.code).order_by("-seq").first()
    tk = next(c for c in upsert.payload["TaiLieuNop"] if c["MaThanhPhanHoSo"] == "TK")
    assert tk == {
        "MaThanhPhanHoSo": "TK",
        "TenTaiLieu": "Thành phần TK",
        "DuocSoHoa": 1,
        "DuocTaiSuDung": 0,
        "MaKiemTra": component.sha256,
    }


@pytest.mark.parametrize(
    ("data", "name", "content_type", "rule"),
    [(JPEG, "anh.jpg", "image/jpeg", "image/jpeg"), (PNG, "anh.png", "", "image/png")],
)
def test_good_images_are_stored(world, desk, media, data, name, content_type, rule):
    dossier = _received(world, desk)
    response = _upload(world["with_permission"], dossier, data=data, name=name, content_type=content_type)
    assert response.status_code == 200, response.json()
    component = _component(dossier)
    assert component.content_type == rule and component.sha256 == hashlib.sha256(data).hexdigest()
    assert (media / component.file.name).read_bytes() == data


ATTACKS = [
    ("wrong_extension", PNG, "giay-to.pdf", "application/octet-stream", 422, "file_extension"),
    ("lying_mime_type", PDF, "giay-to.pdf", "image/png", 422, "file_content_type"),
    ("not_an_accepted_type", b"MZ\x90\x00" + b"\x00" * 64, "giay-to.pdf", "application/pdf", 422, "file_type"),
    ("oversized", PDF + b"%" * 5000, "giay-to.pdf", "application/pdf", 413, "file_size"),
    ("pdf_javascript", ACTIVE_PDFS["open_action_javascript"], "a.pdf", "application/pdf", 422, "pdf_active_content"),
    ("pdf_launch", ACTIVE_PDFS["launch"], "a.pdf", "application/pdf", 422, "pdf_active_content"),
    ("pdf_embedded_file", EMBEDDING_PDFS["attachment"], "a.pdf", "application/pdf", 422, "pdf_embedded_file"),
    ("decompression_bomb", bomb_png(), "bomb.png", "image/png", 422, "image_pixels"),
    ("empty_file", b"", "empty.pdf", "application/pdf", 422, "file_empty"),
]


@pytest.mark.parametrize(
    ("case", "data", "name", "content_type", "status", "rule"), ATTACKS, ids=[a[0] for a in ATTACKS]
)
def test_every_upload_attack_is_refused_and_nothing_is_stored(
    world, desk, media, settings, case, data, name, content_type, status, rule
):
    settings.TWOTIER_UPLOAD_MAX_BYTES = 4096
    dossier = _received(world, desk)
    before = _state(media)
    response = _upload(world["with_permission"], dossier, data=data, name=name, content_type=content_type)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert [(f["field"], f["rule"]) for f in error["fields"]] == [("file", rule)]
    assert error["message"] and error["fields"][0]["message"]
    assert _state(media) == before
    assert files_in(media) == []


def test_path_traversal_names_cannot_choose_where_a_file_is_stored(world, desk, media, tmp_path):
    dossier = _received(world, desk)
    boundary = "TwoTierBoundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="../../../../tmp/evil.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    actor = world["with_permission"]
    response = actor.client().post(
        _url(dossier, "components/TK/file"),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=actor.headers(),
    )
    assert response.status_code == 200, response.content
    component = _component(dossier)
    assert component.original_filename == "evil.pdf"
    assert files_in(media) == [component.file.name] and component.file.name.startswith("dossiers/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media"]
    # A Python caller passing a hostile name directly gets the same treatment.
    other = components.component_upload(
        actor=actor.user, dossier_id=dossier.pk, code="GCS", file=PDF2, filename="..\\..\\x\\..\\giấy.pdf"
    )
    assert other.original_filename == "giấy.pdf" and other.file.name.startswith("dossiers/2026/03/")


def test_oversized_upload_is_skipped_by_the_upload_handler_before_spooling(world, desk, media, settings, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.TWOTIER_UPLOAD_MAX_BYTES = 8192
    settings.FILE_UPLOAD_HANDLERS = [
        "twotier.dossiers.uploads.UploadLimitHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    dossier = _received(world, desk)
    before = _state(media)
    response = _upload(world["with_permission"], dossier, data=PDF + b"%" * 200_000)
    assert response.status_code == 413
    fields = response.json()["error"]["fields"]
    assert [(f["field"], f["rule"]) for f in fields] == [("file", "file_size")] and "8 KiB" not in fields[0]["message"]
    assert oversized_fields(response.wsgi_request) == {"file"}  # skipped while parsing, never spooled whole
    assert _state(media) == before and list(spool.iterdir()) == []
    ok = _upload(world["with_permission"], dossier, data=PDF)
    assert ok.status_code == 200


def test_missing_file_field_is_422_naming_file(world, desk, media):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    response = actor.client().post(_url(dossier, "components/TK/file"), {"digitised": "true"}, headers=actor.headers())
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "file", "rule": "file_required", "message": "Attach the file as field 'file'"}
    ]


def test_a_retried_upload_stores_nothing_twice(world, desk, media):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    first = _upload(actor, dossier, digitised="true")
    before = _state(media)
    again = _upload(actor, dossier, digitised="true")
    assert first.status_code == again.status_code == 200
    for key, value in first.json().items():
        repeated = again.json()[key]
        assert repeated == value or dt.datetime.fromisoformat(repeated) == dt.datetime.fromisoformat(value), key
    assert _state(media) == before and len(files_in(media)) == 1


def test_unknown_component_is_refused_and_an_optional_one_can_be_added(world, desk, media):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    unknown = _upload(actor, dossier, code="XX")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"][0]["field"] == "component_code"
    assert files_in(media) == []
    added = _upload(actor, dossier, code="UQ")
    assert added.status_code == 200 and added.json()["name"] == "Văn bản ủy quyền"


def test_replacing_rules_before_and_after_receipt(world, desk, media, django_capture_on_commit_callbacks):
    owner = UserFactory(username="owner-citizen", kind=AccountKind.CITIZEN)
    dossier = receipt.dossier_register_online(actor=owner, citizen=owner, unit=desk.commune, submission=_sub())
    up = lambda actor, data, **kw: components.component_upload(  # noqa: E731
        actor=actor, dossier_id=dossier.pk, code="TK", file=data, filename="tk.pdf", **kw
    )
    first = up(owner, PDF)
    with django_capture_on_commit_callbacks(execute=True):
        second = up(owner, PDF2)  # before receipt the owner may replace freely
    assert second.sha256 == hashlib.sha256(PDF2).hexdigest()
    assert files_in(media) == [second.file.name] and first.file.name != second.file.name  # the old file is gone
    with pytest.raises(Forbidden):
        up(owner, PDF, digitised=True)  # only staff mark digitised
    receipt.dossier_receive_registered(actor=desk.receiver, dossier_id=dossier.pk)
    before = _state(media)
    assert up(owner, PDF2).pk == second.pk  # same content after receipt: a no-op
    assert _state(media) == before
    with pytest.raises(Forbidden, match="only the receiving desk"):
        up(owner, PDF)
    steps.dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)  # now at the specialist's step
    with pytest.raises(Forbidden, match="only the receiving desk can replace"):
        up(desk.specialist, PDF)
    gcs = components.component_upload(
        actor=desk.specialist, dossier_id=dossier.pk, code="GCS", file=PNG, filename="gcs.png", digitised=True
    )
    assert gcs.digitised and gcs.digitised_by == desk.specialist  # the step may add a missing scan
    with pytest.raises(InvalidInput):  # but not add components to the dossier
        components.component_upload(actor=desk.specialist, dossier_id=dossier.pk, code="UQ", file=PNG)
    with pytest.raises(Forbidden):  # seeing the dossier is not enough
        up(desk.leader, PDF)
    assert files_in(media) == sorted([*before[1], gcs.file.name])
    replaced = up(desk.receiver, PDF)  # the desk may replace after receipt
    assert replaced.sha256 == hashlib.sha256(PDF).hexdigest() and not replaced.digitised


def test_a_failure_after_storing_deletes_the_stored_file(world, desk, media, monkeypatch):
    dossier = _received(world, desk)
    before = _state(media)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(components, "_audit", broken)
    with pytest.raises(RuntimeError):
        _stored(world, dossier)
    assert _state(media) == before and files_in(media) == []


def test_a_replaced_file_is_kept_while_another_dossier_reuses_it(
    world, desk, media, django_capture_on_commit_callbacks
):
    owner = UserFactory(username="owner-2", kind=AccountKind.CITIZEN)
    source = receipt.dossier_register_online(actor=owner, citizen=owner, unit=desk.commune, submission=_sub())
    shared = _stored(world, source)  # the desk scans it before receipt
    target = _received(world, desk)
    with django_capture_on_commit_callbacks(execute=True):
        components.component_reuse(
            actor=world["with_permission"].user, dossier_id=target.pk, code="TK", source_component_id=shared.pk
        )
        components.component_upload(actor=owner, dossier_id=source.pk, code="TK", file=PDF2, filename="new.pdf")
    new = _component(source)
    assert sorted(files_in(media)) == sorted([shared.file.name, new.file.name])
    assert (media / _component(target).file.name).read_bytes() == PDF


def test_closed_dossier_documents_do_not_change(world, desk, media):
    dossier = _received(world, desk)
    closing.dossier_withdraw(actor=world["with_permission"].user, dossier_id=dossier.pk, reason="Rút")
    response = _upload(world["with_permission"], dossier)
    assert response.status_code == 409 and response.json()["error"]["code"] == "dossier_closed"
    assert files_in(media) == []


# --- digitised ---------------------------------------------------------------------------------


def test_mark_digitised_matrix_requires_a_file_and_repeats_as_a_no_op(world, desk, media):
    dossier = _received(world, desk)
    actor = world["with_permission"]
    url = _url(dossier, "components/TK/digitised")
    no_file = _post_json(actor, url)
    assert no_file.status_code == 409 and no_file.json()["error"]["code"] == "no_file"
    _stored(world, dossier, digitised=False)
    responses = check_matrix(world, lambda a: _post_json(a, url), state=lambda: _state(media))
    assert responses["with_permission"].json()["digitised"] is True
    before = _state(media)
    assert _post_json(actor, url).status_code == 200 and _state(media) == before
    assert AuditEvent.objects.filter(action="dossier.component_digitised").count() == 1
    missing = _post_json(actor, _url(dossier, "components/UQ/digitised"))
    assert missing.status_code == 404


# --- reuse -------------------------------------------------------------------------------------


def test_reuse_matrix_shares_the_file_without_copying_bytes(world, desk, media):
    earlier = _received(world, desk)
    source = _stored(world, earlier)
    dossier = _received(world, desk)
    url = _url(dossier, "components/TK/reuse")
    responses = check_matrix(
        world, lambda a: _post_json(a, url, {"source_component_id": source.pk}), state=lambda: _state(media)
    )
    out = responses["with_permission"].json()
    assert out["reused"] and out["digitised"] and out["reused_from_component_id"] == source.pk
    component = _component(dossier)
    assert component.file.name == source.file.name and component.sha256 == source.sha256
    assert component.size == source.size and component.original_filename == source.original_filename
    assert files_in(media) == [source.file.name]
    before = _state(media)
    again = _post_json(world["with_permission"], url, {"source_component_id": source.pk})
    assert again.status_code == 200 and _state(media) == before
    upsert = OutboxMessage.objects.filter(topic=TOPIC_UPSERT, aggregate_id=dossier.code).order_by("-seq").first()
    tk = next(c for c in upsert.payload["TaiLieuNop"] if c["MaThanhPhanHoSo"] == "TK")
    assert (tk["DuocSoHoa"], tk["DuocTaiSuDung"]) == (1, 1)


def test_reuse_is_refused_for_another_citizen_an_invisible_dossier_or_an_undigitised_file(world, desk, media):
    actor = world["with_permission"].user
    target = _received(world, desk)
    other_citizen = _stored(world, _received(world, desk, OTHER_ID, name="Trần Thị Bình"))
    undigitised = _stored(world, _received(world, desk), code="GCS", digitised=False)
    elsewhere = receipt.dossier_receive(actor=desk.other_receiver, unit=desk.neighbour, submission=_sub())
    invisible = components.component_upload(
        actor=desk.other_receiver, dossier_id=elsewhere.pk, code="TK", file=PDF2, filename="x.pdf", digitised=True
    )
    own = _stored(world, target, code="GCS")
    before = _state(media)

    def reuse(**source):  # type: ignore[no-untyped-def]
        return components.component_reuse(actor=actor, dossier_id=target.pk, code="TK", **source)

    cases = [
        ({"source_component_id": other_citizen.pk}, InvalidInput, ("source_component_id", "same_citizen")),
        ({"source_component_id": undigitised.pk}, InvalidInput, ("source_component_id", "digitised")),
        ({"source_component_id": own.pk}, InvalidInput, ("source_component_id", "other_dossier")),
        ({"source_component_id": invisible.pk}, NotFound, None),
        ({"source_component_id": 999_999}, NotFound, None),
        ({"source_result_id": 999_999}, NotFound, None),
        ({}, InvalidInput, ("source", "one_source")),
        ({"source_component_id": own.pk, "source_result_id": 1}, InvalidInput, ("source", "one_source")),
    ]
    for source, error, field in cases:
        with pytest.raises(error) as caught:
            reuse(**source)
        if field is not None:
            assert [(f.field, f.rule) for f in caught.value.fields] == [field], source
        assert _state(media) == before, source
    # The neighbour's clerk cannot reach our citizen's documents either.
    with pytest.raises(NotFound):
        components.component_reuse(
            actor=desk.other_receiver, dossier_id=elsewhere.pk, code="GCS", source_component_id=own.pk
        )


def test_reuse_needs_an_id_number_and_an_open_dossier(world, desk, media):
    actor = world["with_permission"].user
    source = _stored(world, _received(world, desk))
    anonymous = _received(world, desk, id_number="")
    with pytest.raises(Conflict) as caught:
        components.component_reuse(actor=actor, dossier_id=anonymous.pk, code="TK", source_component_id=source.pk)
    assert caught.value.code == "no_id_number"
    closed = _received(world, desk)
    closing.dossier_withdraw(actor=actor, dossier_id=closed.pk, reason="Rút")
    with pytest.raises(Conflict) as caught:
        components.component_reuse(actor=actor, dossier_id=closed.pk, code="TK", source_component_id=source.pk)
    assert caught.value.code == "dossier_closed"


def _approved_with_result(world, desk, pdf: bytes = PDF2) -> Dossier:
    actor = world["with_permission"].user
    dossier = _received(world, desk)
    steps.dossier_forward(actor=actor, dossier_id=dossier.pk)
    steps.dossier_forward(actor=actor, dossier_id=dossier.pk)
    closing.dossier_approve(actor=actor, dossier_id=dossier.pk, result_name="Giấy khai sinh", result_pdf=pdf)
    return dossier


def test_an_electronic_result_can_be_reused(world, desk, media):
    earlier = _approved_with_result(world, desk)
    result = earlier.results.get()
    dossier = _received(world, desk)
    files_before = files_in(media)
    component = components.component_reuse(
        actor=world["with_permission"].user, dossier_id=dossier.pk, code="GCS", source_result_id=result.pk
    )
    assert component.reused_result == result and component.reused_from is None and component.is_reused
    assert component.file.name == result.file.name and component.sha256 == result.sha256
    assert component.size == len(PDF2) and component.content_type == "application/pdf" and component.digitised
    assert files_in(media) == files_before
    paper = earlier.results.get()
    paper.electronic = False
    paper.save()
    with pytest.raises(InvalidInput) as caught:
        components.component_reuse(
            actor=world["with_permission"].user, dossier_id=dossier.pk, code="TK", source_result_id=result.pk
        )
    assert caught.value.fields[0].rule == "electronic_result"


def test_reuse_candidates_matrix_lists_the_same_citizens_visible_documents(world, desk, media):
    earlier = _received(world, desk)
    source = _stored(world, earlier)
    _stored(world, earlier, code="GCS", digitised=False)  # not digitised: not offered
    approved = _approved_with_result(world, desk)
    result = approved.results.get()
    _stored(world, _received(world, desk, OTHER_ID), data=PNG, name="x.png")  # another citizen
    elsewhere = receipt.dossier_receive(actor=desk.other_receiver, unit=desk.neighbour, submission=_sub())
    components.component_upload(
        actor=desk.other_receiver, dossier_id=elsewhere.pk, code="TK", file=JPEG, filename="x.jpg", digitised=True
    )
    dossier = _received(world, desk)
    reused = components.component_reuse(
        actor=world["with_permission"].user, dossier_id=dossier.pk, code="TK", source_component_id=source.pk
    )
    third = _received(world, desk)
    responses = check_matrix(world, lambda a: _get(a, _url(third, "reuse-candidates")), state=lambda: _state(media))
    listed = responses["with_permission"].json()
    assert sorted((c["kind"], c["id"]) for c in listed) == sorted([("component", source.pk), ("result", result.pk)])
    offered = next(c for c in listed if c["kind"] == "component")
    assert offered["dossier_code"] == earlier.code and offered["sha256"] == source.sha256 and not offered["reused"]
    assert reused.sha256 == source.sha256  # the reuse in `dossier` is the same bytes: offered once


# --- reads -------------------------------------------------------------------------------------


def test_list_components_matrix(world, desk, media):
    dossier = _received(world, desk)
    _stored(world, dossier, code="GCS", data=PNG, name="gcs.png")
    responses = check_matrix(world, lambda a: _get(a, _url(dossier, "components")), state=lambda: _state(media))
    listed = responses["with_permission"].json()
    assert [(c["code"], c["has_file"], c["digitised"]) for c in listed] == [("TK", False, False), ("GCS", True, True)]


def test_download_matrix_is_audited_as_a_personal_data_view(world, desk, media):
    dossier = _received(world, desk)
    component = _stored(world, dossier, name="Tờ khai.pdf")
    url = _url(dossier, "components/TK/file")
    responses = check_matrix(
        world,
        lambda a: _get(a, url),
        state=lambda: (*_state(media)[:2], AuditEvent.objects.filter(action="personal_data.view").count()),
    )
    response = responses["with_permission"]
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "filename*=utf-8''T%E1%BB%9D" in response["Content-Disposition"]
    )
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action="personal_data.view")
    assert event.actor_id == world["with_permission"].user.pk
    assert (event.target_type, event.target_id) == ("dossiers.dossiercomponent", str(component.pk))
    assert event.changes == {"fields": ["file"], "purpose": "download"}
    empty = _get(world["with_permission"], _url(dossier, "components/GCS/file"))
    assert empty.status_code == 404


def test_the_owner_citizen_sees_and_uploads_before_receipt(desk, media):
    from twotier.testing.authz import Actor, issue_token

    owner = UserFactory(username="owner-3", kind=AccountKind.CITIZEN)
    actor = Actor("owner", owner, issue_token(owner))
    dossier = receipt.dossier_register_online(actor=owner, citizen=owner, unit=desk.commune, submission=_sub())
    response = _upload(actor, dossier, data=JPEG, name="cccd.jpg", content_type="image/jpeg")
    assert response.status_code == 200 and not response.json()["digitised"]
    refused = _upload(actor, dossier, data=PNG, name="x.png", content_type="image/png", digitised="true")
    assert refused.status_code == 403
    assert _get(actor, _url(dossier, "components/TK/file")).status_code == 200
    # The owner may reuse a digitised document of an earlier dossier of theirs before receipt.
    earlier = receipt.dossier_register_online(actor=owner, citizen=owner, unit=desk.commune, submission=_sub())
    receipt.dossier_receive_registered(actor=desk.receiver, dossier_id=earlier.pk)
    scanned = components.component_upload(
        actor=desk.receiver, dossier_id=earlier.pk, code="GCS", file=PDF2, filename="gcs.pdf", digitised=True
    )
    reused = _post_json(actor, _url(dossier, "components/GCS/reuse"), {"source_component_id": scanned.pk})
    assert reused.status_code == 200 and reused.json()["reused_from_component_id"] == scanned.pk
    candidates = _get(actor, _url(dossier, "reuse-candidates")).json()
    assert [(c["kind"], c["id"]) for c in candidates] == [("component", scanned.pk)]


# --- concurrency (real threads, real connections) ----------------------------------------------


def _threads_or_skip() -> None:
    from django.db import connection

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("in-memory SQLite cannot be shared between threads")


def _in_threads(*calls):  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from django.db import close_old_connections

    def run(call):  # type: ignore[no-untyped-def]
        try:
            return call()
        finally:
            close_old_connections()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, c) for c in calls]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("concurrency")
def test_parallel_identical_uploads_store_one_file(world, desk, media):
    _threads_or_skip()
    dossier = _received(world, desk)
    user = world["with_permission"].user
    upload = lambda: components.component_upload(  # noqa: E731
        actor=user, dossier_id=dossier.pk, code="TK", file=PDF, filename="tk.pdf", digitised=True
    )
    results = _in_threads(*[upload] * 4)
    assert {r.sha256 for r in results} == {hashlib.sha256(PDF).hexdigest()}
    assert files_in(media) == [_component(dossier).file.name]
    assert AuditEvent.objects.filter(action="dossier.component_upload").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("concurrency")
def test_opposite_reuses_at_once_do_not_deadlock(world, desk, media):
    _threads_or_skip()
    user = world["with_permission"].user
    first, second = _received(world, desk), _received(world, desk)
    a, b = _stored(world, first, data=PDF), _stored(world, second, data=PDF2)
    results = _in_threads(
        lambda: components.component_reuse(actor=user, dossier_id=first.pk, code="TK", source_component_id=b.pk),
        lambda: components.component_reuse(actor=user, dossier_id=second.pk, code="TK", source_component_id=a.pk),
    )
    assert len(results) == 2
    after_a, after_b = _component(first), _component(second)
    assert after_a.sha256 == after_b.sha256 and after_a.file.name == after_b.file.name
    assert [after_a.reused_from_id, after_b.reused_from_id].count(None) == 1  # one reuse; the other found no cycle
    assert files_in(media) == [after_a.file.name]  # the file no component points at any more was deleted
