"""Getting a dossier in: online registration, receipt at the desk / online / by post, refusal."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction

from twotier.core.calendar import configured_cutoff, current_calendar
from twotier.core.citizen_id import parse_citizen_id
from twotier.core.errors import Conflict, FieldIssue, Forbidden, InvalidInput
from twotier.core.text import fold, nfc
from twotier.dossiers.codes import next_dossier_code
from twotier.dossiers.models import Dossier, DossierComponent, DossierFee, Handover, IdempotencyRecord
from twotier.dossiers.policies import can_receive
from twotier.dossiers.process import steps_of
from twotier.dossiers.services.common import lock, now, record_transition, repeated, require_text
from twotier.dossiers.status import Channel, ResultDelivery, Status
from twotier.org.access import held_post_for
from twotier.org.models import Unit
from twotier.org.permissions import P
from twotier.procedures.deadlines import promised_return_at
from twotier.procedures.models import Procedure, ProcedureVersion, VersionStatus


@dataclass
class Applicant:
    """Who the dossier is for."""

    name: str
    id_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class FeeChoice:
    code: str
    quantity: int = 1


@dataclass
class Submission:
    """What the desk or the citizen submits."""

    procedure_code: str
    applicant: Applicant
    components: list[str] = field(default_factory=list)
    fees: list[FeeChoice] | None = None
    result_delivery: str = ResultDelivery.DESK
    sets: int = 1


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def published_version(code: str) -> ProcedureVersion:
    """The currently published version of procedure `code` (InvalidInput naming `procedure_code`)."""
    version = (
        ProcedureVersion.objects.select_related("procedure")
        .prefetch_related("components", "fee_lines")
        .filter(procedure__code=code, status=VersionStatus.PUBLISHED)
        .first()
    )
    if version is None:
        known = Procedure.objects.filter(code=code).exists()
        raise InvalidInput(
            "Unknown procedure" if not known else "The procedure has no published version",
            [FieldIssue("procedure_code", "published_procedure", f"No published procedure with code {code!r}")],
        )
    return version


def _validate(sub: Submission, version: ProcedureVersion) -> Applicant:
    issues: list[FieldIssue] = []
    applicant = Applicant(**{k: nfc(str(v).strip()) for k, v in asdict(sub.applicant).items()})
    if not applicant.name:
        issues.append(FieldIssue("applicant.name", "required", "Enter the applicant's full name"))
    if applicant.id_number:
        try:
            parse_citizen_id(applicant.id_number, field="applicant.id_number")
        except InvalidInput as exc:
            issues.extend(exc.fields)
    if sub.result_delivery not in ResultDelivery.values:
        issues.append(FieldIssue("result_delivery", "choice", f"Choose one of {', '.join(ResultDelivery.values)}"))
    if not 1 <= sub.sets <= 20:
        issues.append(FieldIssue("sets", "range", "Between 1 and 20 sets"))
    specs = {c.code: c for c in version.components.all()}
    unknown = [c for c in sub.components if c not in specs]
    if unknown:
        issues.append(FieldIssue("components", "known_component", f"Unknown component codes: {', '.join(unknown)}"))
    missing = [s.name for code, s in specs.items() if s.required and code not in sub.components]
    if missing:
        issues.append(
            FieldIssue("components", "required_components", "Missing required components: " + "; ".join(missing))
        )
    fee_codes = {f.code: f for f in version.fee_lines.all()}
    for choice in sub.fees or []:
        if choice.code not in fee_codes:
            issues.append(FieldIssue("fees", "known_fee", f"Unknown fee code {choice.code!r}"))
        elif fee_codes[choice.code].amount_vnd is None:
            issues.append(FieldIssue("fees", "fee_amount_set", f"Fee {choice.code!r} has no amount set yet"))
        elif not 1 <= choice.quantity <= 100:
            issues.append(FieldIssue("fees", "quantity_range", "Fee quantity must be between 1 and 100"))
    if issues:
        raise InvalidInput("The dossier is not complete or not valid", issues)
    return applicant


def _attach(dossier: Dossier, sub: Submission, version: ProcedureVersion) -> None:
    specs = {c.code: c for c in version.components.all()}
    DossierComponent.objects.bulk_create(
        [
            DossierComponent(
                dossier=dossier,
                spec=specs[code],
                code=code,
                name=specs[code].name,
                form=specs[code].form,
                quantity=specs[code].quantity,
            )
            for code in dict.fromkeys(sub.components)
        ]
    )
    lines = {f.code: f for f in version.fee_lines.all()}
    chosen = sub.fees
    if chosen is None:  # default: every fee with a fixed amount that is not charged per item
        chosen = [FeeChoice(code) for code, f in lines.items() if f.amount_vnd is not None and not f.per]
    fees = [
        DossierFee(
            dossier=dossier,
            code=c.code,
            name=lines[c.code].name,
            amount_vnd=lines[c.code].amount_vnd or 0,
            quantity=c.quantity,
        )
        for c in chosen
    ]
    DossierFee.objects.bulk_create(fees)
    dossier.fee_total = sum(f.amount_vnd * f.quantity for f in fees)


def _idempotent(scope: str, actor: Any, key: str | None, data: Any) -> Dossier | None:
    if not key:
        return None
    record = (
        IdempotencyRecord.objects.select_related("dossier")
        .filter(scope=scope, actor_id=getattr(actor, "pk", None), key=key)
        .first()
    )
    if record is None:
        return None
    if record.request_digest != _digest(data):
        raise Conflict("This idempotency key was already used for a different request", code="idempotency_mismatch")
    return record.dossier


def _remember(scope: str, actor: Any, key: str | None, data: Any, dossier: Dossier) -> None:
    if key:
        IdempotencyRecord.objects.create(
            scope=scope,
            actor_id=getattr(actor, "pk", None),
            key=key,
            request_digest=_digest(data),
            dossier=dossier,
        )


def end_of_working_day(at: dt.datetime, *, cutoff: dt.time | None) -> dt.datetime:
    """The end of the working day on which work received at `at` counts (the next one after the cut-off)."""
    cal = current_calendar()
    start = cal.next_working_start(at, cutoff=cutoff).astimezone(cal.tz)
    return dt.datetime.combine(start.date(), cal.periods[-1][1], tzinfo=cal.tz)


def _start_clock(dossier: Dossier, version: ProcedureVersion, at: dt.datetime) -> None:
    dossier.received_at = at
    dossier.promised_at = promised_return_at(version, at)
    dossier.original_promised_at = dossier.promised_at
    first = steps_of(version)[0]
    dossier.current_step = first["key"]
    dossier.step_started_at = at
    # Paper dossiers move on the same working day, or the next one when received after the cut-off.
    dossier.step_due_at = end_of_working_day(at, cutoff=configured_cutoff() if version.cutoff_applies else None)


def _provisional_code() -> str:
    """A unique placeholder until the real code is taken at the end of the receipt transaction."""
    return f"pending-{secrets.token_hex(12)}"


def _new_secret(dossier: Dossier) -> str:
    secret = secrets.token_urlsafe(9)
    dossier.access_secret_digest = hashlib.sha256(secret.encode()).hexdigest()
    dossier.access_secret = secret  # type: ignore[attr-defined]  # shown once (receipt slip)
    return secret


@transaction.atomic
def dossier_receive(
    *,
    actor: Any,
    unit: Unit,
    submission: Submission,
    channel: int = Channel.IN_PERSON,
    on_behalf: bool = False,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
    is_demo: bool = False,
) -> Dossier:
    """Receive a new dossier at `unit`'s desk (in person or by post): code, receipt slip facts, clock starts."""
    if not can_receive(actor, unit.pk):
        raise Forbidden("You cannot receive dossiers at this unit")
    data = {"unit": unit.pk, "channel": channel, "on_behalf": on_behalf, "submission": asdict(submission)}
    again = _idempotent("receive", actor, idempotency_key, data)
    if again is not None:
        return again
    if channel not in (Channel.IN_PERSON, Channel.POST):
        raise InvalidInput(
            "Online dossiers are registered by the citizen and then received",
            [FieldIssue("channel", "desk_channel", "Use 1 (in person) or 3 (post) at the desk")],
        )
    if not unit.agency_id:
        raise InvalidInput("The unit has no electronic agency id", [FieldIssue("unit", "agency_id", "Set it first")])
    version = published_version(submission.procedure_code)
    applicant = _validate(submission, version)
    at = at or now()
    dossier = Dossier(
        code=_provisional_code(),
        procedure_version=version,
        receiving_unit=unit,
        channel=channel,
        on_behalf=on_behalf,
        applicant_name=applicant.name,
        applicant_name_folded=fold(applicant.name),
        applicant_id_number=applicant.id_number,
        applicant_address=applicant.address,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        result_delivery=submission.result_delivery,
        sets=submission.sets,
        submitted_at=at,
        received_by=actor if getattr(actor, "pk", None) else None,
        current_unit=unit,
        current_post_id=held_post_for(actor, P.DOSSIER_RECEIVE, unit.pk),
        full_process_online=False,
        is_demo=is_demo,
        status=Status.RECEIVED,
    )
    _start_clock(dossier, version, at)
    _new_secret(dossier)
    dossier.save()
    _attach(dossier, submission, version)
    Handover.objects.create(
        dossier=dossier,
        seq=1,
        to_step=dossier.current_step,
        to_unit=unit,
        to_post=dossier.current_post,
        at=at,
    )
    # The daily series is taken last: its row lock (per agency) is then held only until the commit.
    dossier.code = next_dossier_code(unit.agency_id, at)
    record_transition(dossier, actor=actor, action="receive", at=at, status=Status.RECEIVED, created=True)
    _remember("receive", actor, idempotency_key, data, dossier)
    return dossier


@transaction.atomic
def dossier_register_online(
    *,
    actor: Any,
    unit: Unit,
    submission: Submission,
    citizen: Any = None,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
    is_demo: bool = False,
) -> Dossier:
    """A citizen's online submission (status 1): coded now, received later by the desk."""
    data = {"unit": unit.pk, "submission": asdict(submission)}
    again = _idempotent("register", actor, idempotency_key, data)
    if again is not None:
        return again
    if unit.type not in ("commune", "ward", "special_zone", "province_department", "province") or not unit.agency_id:
        raise InvalidInput("This unit does not receive dossiers", [FieldIssue("unit", "receiving_unit", "Pick a desk")])
    version = published_version(submission.procedure_code)
    if not version.online_submission:
        raise InvalidInput(
            "This procedure cannot be submitted online",
            [FieldIssue("procedure_code", "online_submission", "Submit it at the desk")],
        )
    applicant = _validate(submission, version)
    at = at or now()
    dossier = Dossier(
        code=_provisional_code(),
        procedure_version=version,
        receiving_unit=unit,
        channel=Channel.ONLINE,
        applicant_name=applicant.name,
        applicant_name_folded=fold(applicant.name),
        applicant_id_number=applicant.id_number,
        applicant_address=applicant.address,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        result_delivery=submission.result_delivery,
        sets=submission.sets,
        submitted_at=at,
        citizen=citizen if getattr(citizen, "pk", None) else None,
        current_unit=unit,
        full_process_online=version.full_process_eligible,
        is_demo=is_demo,
        status=Status.REGISTERED,
    )
    _new_secret(dossier)
    dossier.save()
    _attach(dossier, submission, version)
    dossier.code = next_dossier_code(unit.agency_id, at)
    record_transition(dossier, actor=actor, action="register_online", at=at, status=Status.REGISTERED, created=True)
    _remember("register", actor, idempotency_key, data, dossier)
    return dossier


@transaction.atomic
def dossier_receive_registered(
    *, actor: Any, dossier_id: int, on_behalf: bool = False, expected_version: int | None = None
) -> Dossier:
    """Receive an online registration (1 → 2): the clock starts now."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "receive"):
        return dossier
    if not can_receive(actor, dossier.receiving_unit_id):
        raise Forbidden("You cannot receive dossiers at this unit")
    if dossier.status != Status.REGISTERED:
        from twotier.dossiers.workflow import next_status

        next_status(dossier.status, "receive")
    at = now()
    _start_clock(dossier, dossier.procedure_version, at)
    dossier.on_behalf = on_behalf
    dossier.received_by = actor if getattr(actor, "pk", None) else None
    dossier.current_post_id = held_post_for(actor, P.DOSSIER_RECEIVE, dossier.receiving_unit_id)
    Handover.objects.create(
        dossier=dossier,
        seq=1,
        to_step=dossier.current_step,
        to_unit=dossier.receiving_unit,
        to_post_id=dossier.current_post_id,
        at=at,
    )
    record_transition(dossier, actor=actor, action="receive", at=at)
    return dossier


@transaction.atomic
def dossier_refuse(*, actor: Any, dossier_id: int, reason: str, expected_version: int | None = None) -> Dossier:
    """Refuse a dossier at reception (form 03): terminal, with the reason."""
    dossier = lock(dossier_id, actor, expected_version=expected_version)
    if repeated(dossier, "refuse"):
        return dossier
    if not can_receive(actor, dossier.receiving_unit_id):
        raise Forbidden("Only the receiving desk can refuse a dossier")
    reason = require_text(reason, "reason", "Reason")
    at = now()
    from twotier.dossiers.services.closing import close

    dossier.refusal_reason = nfc(reason)
    close(dossier, at)
    record_transition(dossier, actor=actor, action="refuse", at=at, note=dossier.refusal_reason)
    return dossier
