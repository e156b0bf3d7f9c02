"""Dossier API: parse → access → one service → serialise. Every transition is its own endpoint."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.core.pagination import Page
from twotier.core.schemas import READ_ERRORS, ErrorOut
from twotier.dossiers import selectors
from twotier.dossiers.models import Dossier
from twotier.dossiers.schemas import (
    ApologyIn,
    ApproveIn,
    CashIn,
    CreatedOut,
    DossierOut,
    ForwardIn,
    NoteIn,
    ReasonIn,
    ReceiveIn,
    ReceiveRegisteredIn,
    RegisterIn,
    ReturnResultIn,
    ReturnStepIn,
    SupplementIn,
)
from twotier.dossiers.services import closing, pauses, receipt, steps
from twotier.org.models import Unit

router = Router(tags=["dossiers"])
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 409: ErrorOut, **READ_ERRORS}


class WorklistQuery(Schema):
    box: str = "all"
    procedure: str | None = None
    channel: int | None = None
    status: int | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str = ""


def _unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise InvalidInput("Unknown unit", [FieldIssue("unit", "known_unit", f"No unit with code {code!r}")])
    return unit


def _submission(payload: ReceiveIn | RegisterIn) -> receipt.Submission:
    fees = getattr(payload, "fees", None)
    return receipt.Submission(
        procedure_code=payload.procedure_code,
        applicant=receipt.Applicant(**payload.applicant.dict()),
        components=list(payload.components),
        fees=[receipt.FeeChoice(code=f.code, quantity=f.quantity) for f in fees] if fees is not None else None,
        result_delivery=payload.result_delivery,
        sets=getattr(payload, "sets", 1),
    )


def _key(request: HttpRequest) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 100:
        raise InvalidInput("Idempotency-Key is too long", [FieldIssue("Idempotency-Key", "max_length", "≤ 100")])
    return key or None


@router.post("/dossiers", response={201: CreatedOut, **WRITE_ERRORS}, summary="Receive a dossier at the desk")
def receive_at_desk(request: HttpRequest, payload: ReceiveIn) -> Status:
    """Receive in person or by post; send `Idempotency-Key` so a retry returns the same dossier."""
    dossier = receipt.dossier_receive(
        actor=request.auth,  # type: ignore[attr-defined]
        unit=_unit(payload.unit),
        submission=_submission(payload),
        channel=payload.channel,
        on_behalf=payload.on_behalf,
        idempotency_key=_key(request),
    )
    return Status(201, dossier)


@router.post(
    "/dossiers/online",
    response={201: CreatedOut, **WRITE_ERRORS},
    auth=None,
    summary="Register a dossier online",
)
def register_online(request: HttpRequest, payload: RegisterIn) -> Status:
    """A citizen's online submission (status 1); the response holds the code and a secret to follow it."""
    user = request.user if request.user.is_authenticated else None
    dossier = receipt.dossier_register_online(
        actor=user,
        citizen=user if user is not None and getattr(user, "kind", "") == "citizen" else None,
        unit=_unit(payload.unit),
        submission=_submission(payload),
        idempotency_key=_key(request),
    )
    return Status(201, dossier)


@router.get("/dossiers", response={200: list[DossierOut], **READ_ERRORS}, summary="Worklists and search")
@paginate(Page)
def list_dossiers(request: HttpRequest, filters: Query[WorklistQuery]):  # type: ignore[no-untyped-def]
    """`box`: all, to_receive, my_step, waiting_supplement, due_soon, overdue, done; search by code, name or id."""
    if filters.box not in selectors.BOXES:
        raise InvalidInput("Unknown worklist", [FieldIssue("box", "choice", ", ".join(selectors.BOXES))])
    return selectors.worklist(user=request.auth, f=selectors.WorklistFilter(**filters.dict()))  # type: ignore[attr-defined]


@router.get("/dossiers/{code}", response={200: DossierOut, **READ_ERRORS}, summary="One dossier")
def get_dossier(request: HttpRequest, code: str) -> Dossier:
    """One dossier visible to the caller (404 otherwise)."""
    return selectors.dossier_get(user=request.auth, code=code)  # type: ignore[attr-defined]


def _transition(path: str, summary: str, schema: type, call: Callable[..., Dossier]) -> None:
    def endpoint(request: HttpRequest, code: str, payload: Any) -> Dossier:
        user = request.auth  # type: ignore[attr-defined]
        dossier = selectors.dossier_get(user=user, code=code)
        data = payload.dict()
        return call(user, dossier.pk, data, request)

    endpoint.__annotations__["payload"] = schema
    name = path.replace("-", "_").replace("/", "_")
    endpoint.__name__ = name
    endpoint.__doc__ = summary
    router.post(
        f"/dossiers/{{code}}/{path}",
        response={200: DossierOut, **WRITE_ERRORS},
        summary=summary,
        operation_id=f"dossier_{name}",
    )(endpoint)


_transition(
    "receive",
    "Receive an online registration (1 → 2)",
    ReceiveRegisteredIn,
    lambda u, i, d, r: receipt.dossier_receive_registered(actor=u, dossier_id=i, **d),
)
_transition(
    "refuse",
    "Refuse at reception (form 03)",
    ReasonIn,
    lambda u, i, d, r: receipt.dossier_refuse(actor=u, dossier_id=i, **d),
)
_transition(
    "forward",
    "Forward to the next step (send Idempotency-Key to make a retry safe)",
    ForwardIn,
    lambda u, i, d, r: steps.dossier_forward(actor=u, dossier_id=i, request_key=_key(r) or "", **d),
)
_transition(
    "return",
    "Return to an earlier step",
    ReturnStepIn,
    lambda u, i, d, r: steps.dossier_return_step(actor=u, dossier_id=i, request_key=_key(r) or "", **d),
)
_transition(
    "request-supplement",
    "Request a supplement, once only (form 02); the clock pauses",
    SupplementIn,
    lambda u, i, d, r: pauses.dossier_request_supplement(actor=u, dossier_id=i, **d),
)
_transition(
    "supplement-received",
    "Record the supplement; the clock resumes",
    NoteIn,
    lambda u, i, d, r: pauses.dossier_supplement_received(actor=u, dossier_id=i, **d),
)
_transition(
    "request-payment",
    "Request payment of the fees",
    NoteIn,
    lambda u, i, d, r: pauses.dossier_request_payment(actor=u, dossier_id=i, **d),
)
_transition(
    "payments/cash",
    "Record a cash payment at the desk",
    CashIn,
    lambda u, i, d, r: pauses.dossier_record_cash_payment(actor=u, dossier_id=i, **d),
)
_transition(
    "apologise",
    "Apologise and reschedule, once only (form 04)",
    ApologyIn,
    lambda u, i, d, r: closing.dossier_apologise(actor=u, dossier_id=i, **d),
)
_transition(
    "stop",
    "Stop processing (form 05)",
    ReasonIn,
    lambda u, i, d, r: closing.dossier_stop(actor=u, dossier_id=i, **d),
)
_transition(
    "withdraw",
    "Withdraw at the applicant's request",
    ReasonIn,
    lambda u, i, d, r: closing.dossier_withdraw(actor=u, dossier_id=i, **d),
)
_transition(
    "approve",
    "Mark processed with the result attached",
    ApproveIn,
    lambda u, i, d, r: closing.dossier_approve(actor=u, dossier_id=i, **d),
)
_transition(
    "return-result",
    "Return the result (desk, post or electronic)",
    ReturnResultIn,
    lambda u, i, d, r: closing.dossier_return_result(actor=u, dossier_id=i, **d),
)
