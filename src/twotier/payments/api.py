"""Payments API: start an online payment, a dossier's fees and payments, and the gateway's signed callback."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import APIKeyHeader

from twotier.accounts import api_auth
from twotier.accounts.api_auth import TokenAuth
from twotier.core.schemas import READ_ERRORS, ErrorOut
from twotier.dossiers.models import Dossier, Payment
from twotier.payments import selectors, services
from twotier.payments.policies import payer
from twotier.payments.schemas import CallbackAckOut, DossierPaymentsOut, PaymentOut, StartOnlineIn

router = Router(tags=["payments"])
SECRET_HEADER = "X-Dossier-Secret"  # noqa: S105 (a header name, not a secret)
ANONYMOUS = AnonymousUser()


class SessionAuth(api_auth.SessionAuth):
    """The same session scheme, tried only when a session cookie was sent (so anonymous calls skip the CSRF check)."""

    def __call__(self, request: HttpRequest) -> Any:
        if self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)


class DossierSecretAuth(APIKeyHeader):
    """No account: the caller proves access with the dossier's secret (this header, or `secret` in the body)."""

    param_name = SECRET_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """Let the call through as anonymous; the service checks the secret. A sent but invalid token stays a 401."""
        if request.headers.get("Authorization"):
            return None
        return ANONYMOUS


PAYER_AUTH = [TokenAuth(), SessionAuth(), DossierSecretAuth()]
START_ERRORS: dict[int, Any] = {403: ErrorOut, 409: ErrorOut, 503: ErrorOut, **READ_ERRORS}
ACK_RESPONSES: dict[int, Any] = {code: CallbackAckOut for code in (200, 400, 403, 404, 409, 422)}


@router.post(
    "/dossiers/{code}/payments/online",
    response={200: PaymentOut, **START_ERRORS},
    auth=PAYER_AUTH,
    summary="Start or resume the online payment of a dossier's fees",
)
def start_online(request: HttpRequest, code: str, payload: StartOnlineIn) -> Payment:
    """Returns the pending payment and its `checkout_url` (the same one on a retry). Allowed: the desk of the
    receiving unit, the citizen owning the dossier, or anyone with the dossier's access secret (`secret` in the
    body or the `X-Dossier-Secret` header). The dossier must be waiting for payment (status 6)."""
    secret = payload.secret or request.headers.get(SECRET_HEADER) or None
    actor = request.auth  # type: ignore[attr-defined]
    dossier_id = selectors.dossier_pk_by_code(code)
    if dossier_id is None:
        payer(actor, None, secret)  # raises the 401 or 404 any invisible dossier gives
    assert dossier_id is not None
    return services.payment_start_online(actor=actor, dossier_id=dossier_id, secret=secret)


@router.get(
    "/dossiers/{code}/payments",
    response={200: DossierPaymentsOut, **READ_ERRORS},
    auth=PAYER_AUTH,
    summary="A dossier's fee lines and payments",
)
def dossier_payments(request: HttpRequest, code: str) -> Dossier:
    """Visible to whoever sees the dossier, and to the holder of its access secret (`X-Dossier-Secret` header)."""
    return selectors.dossier_with_payments(
        user=request.auth,  # type: ignore[attr-defined]
        code=code,
        secret=request.headers.get(SECRET_HEADER) or None,
    )


@router.post(
    "/payments/callback",
    response=ACK_RESPONSES,
    auth=None,
    summary="Signed payment result from the gateway (server to server)",
)
def gateway_callback(request: HttpRequest) -> Status:
    """Body: the signed JSON message of docs/payments.md. Answers `{"RspCode", "Message"}`: 200 with 00 (applied or
    recorded) or 02 (already confirmed); 400/99 malformed; 403/97 bad signature, merchant or timestamp; 404/01 unknown
    reference; 409/98 replayed nonce; 422/04 amount mismatch. Refused callbacks change nothing."""
    ack = services.payment_handle_callback(headers=request.headers, body=request.body)
    return Status(ack.http_status, {"RspCode": ack.code, "Message": ack.message})
