from twotier.core.models.audit import AuditEvent, AuditHead
from twotier.core.models.calendar import CalendarDay, CalendarDayKind

__all__ = ["AuditEvent", "AuditHead", "CalendarDay", "CalendarDayKind"]
