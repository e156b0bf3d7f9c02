"""The stand-in portal's own SQLite file: the latest document per dossier and each progress event once."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    ma_ho_so TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    received INTEGER NOT NULL DEFAULT 1,
    unchanged INTEGER NOT NULL DEFAULT 0,
    first_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS progress (
    arrival INTEGER PRIMARY KEY AUTOINCREMENT,
    ma_ho_so TEXT NOT NULL,
    stt INTEGER NOT NULL,
    document TEXT NOT NULL,
    duplicates INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL,
    UNIQUE (ma_ho_so, stt)
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    service TEXT NOT NULL,
    records INTEGER NOT NULL,
    http_status INTEGER NOT NULL,
    injected TEXT NOT NULL DEFAULT ''
);
"""


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Store:
    """Thread-safe access to the stand-in's SQLite file (one connection behind a lock: simple and fast enough)."""

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def known(self, codes: set[str]) -> set[str]:
        """The dossier codes among `codes` that have a document."""
        if not codes:
            return set()
        marks = ",".join("?" * len(codes))
        with self._lock:
            rows = self._db.execute(f"SELECT ma_ho_so FROM documents WHERE ma_ho_so IN ({marks})", sorted(codes))  # noqa: S608
            return {r[0] for r in rows}

    def upsert(self, records: list[dict[str, Any]]) -> list[str]:
        """Keep the latest document per MaHoSo; return created / updated / unchanged per record, in order."""
        at = _stamp()
        outcomes = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for record in records:
                    code, blob = record["MaHoSo"], _dump(record)
                    row = self._db.execute("SELECT document FROM documents WHERE ma_ho_so = ?", (code,)).fetchone()
                    if row is None:
                        self._db.execute(
                            "INSERT INTO documents (ma_ho_so, document, first_at, updated_at) VALUES (?, ?, ?, ?)",
                            (code, blob, at, at),
                        )
                        outcomes.append("created")
                    elif row[0] == blob:
                        self._db.execute(
                            "UPDATE documents SET received = received + 1, unchanged = unchanged + 1 "
                            "WHERE ma_ho_so = ?",
                            (code,),
                        )
                        outcomes.append("unchanged")
                    else:
                        self._db.execute(
                            "UPDATE documents SET document = ?, received = received + 1, updated_at = ? "
                            "WHERE ma_ho_so = ?",
                            (blob, at, code),
                        )
                        outcomes.append("updated")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return outcomes

    def progress(self, records: list[dict[str, Any]]) -> list[str]:
        """Store each event once per MaHoSo+STT; return stored / duplicate per record, in order."""
        at = _stamp()
        outcomes = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for record in records:
                    cursor = self._db.execute(
                        "INSERT OR IGNORE INTO progress (ma_ho_so, stt, document, at) VALUES (?, ?, ?, ?)",
                        (record["MaHoSo"], int(record["STT"]), _dump(record), at),
                    )
                    if cursor.rowcount == 1:
                        outcomes.append("stored")
                    else:
                        self._db.execute(
                            "UPDATE progress SET duplicates = duplicates + 1 WHERE ma_ho_so = ? AND stt = ?",
                            (record["MaHoSo"], int(record["STT"])),
                        )
                        outcomes.append("duplicate")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return outcomes

    def log_call(self, service: str, records: int, http_status: int, injected: str = "") -> None:
        """Remember one data call (for the statistics endpoint)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO calls (at, service, records, http_status, injected) VALUES (?, ?, ?, ?, ?)",
                (_stamp(), service, records, http_status, injected),
            )

    def dossier(self, code: str) -> dict[str, Any]:
        """What the stand-in holds for one dossier: its document and its progress events in arrival order."""
        with self._lock:
            doc = self._db.execute(
                "SELECT document, received, unchanged, first_at, updated_at FROM documents WHERE ma_ho_so = ?",
                (code,),
            ).fetchone()
            events = self._db.execute(
                "SELECT arrival, stt, document, duplicates, at FROM progress WHERE ma_ho_so = ? ORDER BY arrival",
                (code,),
            ).fetchall()
        return {
            "MaHoSo": code,
            "document": json.loads(doc[0]) if doc else None,
            "upserts_received": doc[1] if doc else 0,
            "upserts_unchanged": doc[2] if doc else 0,
            "first_at": doc[3] if doc else None,
            "updated_at": doc[4] if doc else None,
            "progress": [
                {"arrival": a, "STT": stt, "document": json.loads(d), "duplicates": dup, "at": at}
                for a, stt, d, dup, at in events
            ],
        }

    def stats(self) -> dict[str, Any]:
        """Totals: documents, events, duplicates received, calls by service and HTTP status."""
        with self._lock:
            docs, received, unchanged = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(received), 0), COALESCE(SUM(unchanged), 0) FROM documents"
            ).fetchone()
            events, duplicates = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(duplicates), 0) FROM progress"
            ).fetchone()
            calls = self._db.execute(
                "SELECT service, http_status, COUNT(*), COALESCE(SUM(records), 0) FROM calls "
                "GROUP BY service, http_status ORDER BY service, http_status"
            ).fetchall()
        return {
            "documents": docs,
            "upserts_received": received,
            "upserts_unchanged": unchanged,
            "progress_events": events,
            "progress_duplicates": duplicates,
            "calls": [{"service": s, "http_status": h, "calls": n, "records": r} for s, h, n, r in calls],
        }

    def reset(self) -> None:
        """Forget everything received."""
        with self._lock:
            self._db.executescript("DELETE FROM documents; DELETE FROM progress; DELETE FROM calls;")
