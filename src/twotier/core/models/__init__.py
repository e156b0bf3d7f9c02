from twotier.core.models.audit import AuditEvent, AuditHead
from twotier.core.models.calendar import CalendarDay, CalendarDayKind
from twotier.core.models.outbox import OutboxMessage, OutboxStatus

__all__ = ["AuditEvent", "AuditHead", "CalendarDay", "CalendarDayKind", "OutboxMessage", "OutboxStatus"]
