"""National dossier status codes (TrangThaiHoSo) and channels (KenhThucHien)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.IntegerChoices):
    REGISTERED = 1, _("Registered online, not yet received")
    RECEIVED = 2, _("Received")
    REFUSED = 3, _("Refused")
    PROCESSING = 4, _("Processing")
    SUPPLEMENT_REQUESTED = 5, _("Supplement requested")
    PAYMENT_REQUESTED = 6, _("Payment requested")
    WITHDRAWN = 7, _("Withdrawn by the applicant")
    STOPPED = 8, _("Processing stopped")
    PROCESSED = 9, _("Processed, result ready")
    RETURNED = 10, _("Result returned")


TERMINAL = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})
# Statuses after which processing has ended (NgayKetThucXuLy is set).
ENDED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.PROCESSED, Status.RETURNED})


class Channel(models.IntegerChoices):
    IN_PERSON = 1, _("In person")
    ONLINE = 2, _("Online")
    POST = 3, _("Public postal service")


class ResultDelivery(models.TextChoices):
    DESK = "desk", _("At the desk")
    POST = "post", _("By post")
    ELECTRONIC = "electronic", _("Electronically")


class PaidOnline(models.IntegerChoices):
    NO = 0, _("Not paid online")
    NATIONAL_PORTAL = 1, _("Paid on the national portal")
    LOCAL_GATEWAY = 2, _("Paid through the local gateway")
