"""Database-level guards that make audit events append-only (pure SQL; used by a migration)."""

from __future__ import annotations

from typing import Any

SQLITE_UP = [
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
]

PG_UP = [
    "CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON core_auditevent;",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON core_auditevent;",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON core_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_audit_append_only();",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON core_auditevent;",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON core_auditevent;",
]


def _statements(vendor: str, up: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if vendor == "postgresql":
        return PG_UP if up else PG_DOWN
    return []


def install(connection: Any) -> None:
    """Create the append-only triggers on `connection`'s database."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection: Any) -> None:
    """Drop the append-only triggers (test teardown, restore from backup)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)
