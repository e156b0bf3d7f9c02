from twotier.dossiers.models.components import DossierComponent
from twotier.dossiers.models.dossier import Dossier, DossierCodeCounter, IdempotencyRecord
from twotier.dossiers.models.fees import DossierFee, Payment, PaymentStatus
from twotier.dossiers.models.history import Apology, Handover, StatusChange, SupplementRequest
from twotier.dossiers.models.results import DossierResult

__all__ = [
    "Apology",
    "Dossier",
    "DossierCodeCounter",
    "DossierComponent",
    "DossierFee",
    "DossierResult",
    "Handover",
    "IdempotencyRecord",
    "Payment",
    "PaymentStatus",
    "StatusChange",
    "SupplementRequest",
]
