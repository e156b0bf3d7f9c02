"""API schemas for dossiers: separate inputs and outputs."""

import datetime as dt

from ninja import Field, Schema

from twotier.dossiers.models import Dossier


class ApplicantIn(Schema):
    name: str = Field(..., max_length=200)
    id_number: str = Field("", max_length=12)
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class FeeChoiceIn(Schema):
    code: str
    quantity: int = 1


class ReceiveIn(Schema):
    unit: str = Field(..., description="Code of the receiving unit")
    procedure_code: str
    applicant: ApplicantIn
    components: list[str] = []
    fees: list[FeeChoiceIn] | None = None
    channel: int = Field(1, description="1 in person, 3 post")
    on_behalf: bool = False
    result_delivery: str = "desk"
    sets: int = 1


class RegisterIn(Schema):
    unit: str
    procedure_code: str
    applicant: ApplicantIn
    components: list[str] = []
    result_delivery: str = "electronic"


class VersionIn(Schema):
    expected_version: int | None = Field(None, description="Fails with 409 when the dossier changed since")


class ReasonIn(VersionIn):
    reason: str = Field(..., max_length=4000)


class ForwardIn(VersionIn):
    to_post: str | None = None
    note: str = Field("", max_length=4000)


class ReturnStepIn(VersionIn):
    to_step: str
    reason: str = Field(..., max_length=4000)


class SupplementIn(VersionIn):
    reason: str = Field(..., max_length=4000)
    items: list[str] = []


class NoteIn(VersionIn):
    note: str = Field("", max_length=4000)


class CashIn(VersionIn):
    amount_vnd: int = Field(..., ge=0)


class ApologyIn(VersionIn):
    reason: str = Field(..., max_length=4000)
    new_promised_at: dt.datetime


class ApproveIn(VersionIn):
    result_name: str = Field(..., max_length=300)
    result_number: str = Field("", max_length=64)
    issue_electronic: bool = Field(False, description="Render the result and sign it (PAdES) as the agency")


class ReturnResultIn(VersionIn):
    delivery: str | None = None


class ReceiveRegisteredIn(VersionIn):
    on_behalf: bool = False


class DossierOut(Schema):
    code: str
    procedure_code: str
    procedure_name: str
    receiving_unit: str
    channel: int
    on_behalf: bool
    status: int
    status_label: str
    applicant_name: str
    received_at: dt.datetime | None
    promised_at: dt.datetime | None
    original_promised_at: dt.datetime | None
    ended_at: dt.datetime | None
    returned_at: dt.datetime | None
    on_time: bool | None
    current_step: str
    current_unit: str | None
    supplement_count: int
    apology_count: int
    fee_total: int
    paid_online: int
    version: int

    @staticmethod
    def resolve_procedure_code(obj: Dossier) -> str:
        return obj.procedure_version.procedure.code

    @staticmethod
    def resolve_procedure_name(obj: Dossier) -> str:
        return obj.procedure_version.procedure.name

    @staticmethod
    def resolve_receiving_unit(obj: Dossier) -> str:
        return obj.receiving_unit.code

    @staticmethod
    def resolve_status_label(obj: Dossier) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_current_unit(obj: Dossier) -> str | None:
        return obj.current_unit.code if obj.current_unit_id and obj.current_unit else None


class CreatedOut(DossierOut):
    access_secret: str | None = Field(None, description="Shown once: lets the applicant follow the dossier")

    @staticmethod
    def resolve_access_secret(obj: Dossier) -> str | None:
        return getattr(obj, "access_secret", None)
