"""API schemas for payments: separate inputs and outputs."""

import datetime as dt

from ninja import Field, Schema

from twotier.dossiers.models import Dossier, DossierFee, Payment, PaymentStatus


class StartOnlineIn(Schema):
    secret: str | None = Field(
        None,
        max_length=64,
        description="The dossier's access secret (from the receipt slip), for applicants without an account",
    )


class PaymentOut(Schema):
    reference: str
    method: str = Field(..., description="cash or online")
    provider: str
    amount_vnd: int
    status: str = Field(..., description="pending, paid, failed or cancelled")
    status_label: str
    checkout_url: str = Field(..., description="Where to pay; empty unless the payment is pending")
    provider_transaction: str
    created_at: dt.datetime
    paid_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj: Payment) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_checkout_url(obj: Payment) -> str:
        return obj.checkout_url if obj.status == PaymentStatus.PENDING else ""


class FeeOut(Schema):
    code: str
    name: str
    amount_vnd: int
    quantity: int
    total_vnd: int

    @staticmethod
    def resolve_total_vnd(obj: DossierFee) -> int:
        return obj.total


class DossierPaymentsOut(Schema):
    code: str
    status: int
    fee_total: int = Field(..., description="Sum of the fee lines, in VND")
    paid_online: int = Field(..., description="0 no, 1 paid on the national portal, 2 paid through the local gateway")
    fees: list[FeeOut]
    payments: list[PaymentOut]

    @staticmethod
    def resolve_fees(obj: Dossier) -> list[DossierFee]:
        return list(obj.fees.all())

    @staticmethod
    def resolve_payments(obj: Dossier) -> list[Payment]:
        return list(obj.payments.all())


class CallbackAckOut(Schema):
    """The answer the gateway expects (VNPay IPN style)."""

    RspCode: str = Field(..., description="00 confirmed, 01 not found, 02 already confirmed, 04 bad amount, "
                         "97 bad signature/merchant/timestamp, 98 replayed nonce, 99 malformed")  # fmt: skip
    Message: str
