"""Append-only audit log: who did what, when, on which inputs, scenario and export.

It records *fingerprints*, never data: input content hashes and row counts, the scenario's hash
(and file name), an export's kind and hash, sign-in and failed sign-in. Every entry carries the
hash of the previous one (a hash chain), so :meth:`AuditLog.verify` finds an entry changed or
removed behind the database's back; UPDATE and DELETE are refused by triggers (see the migration).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..errors import UserError
from .models import audit_log, reading

GENESIS = "0" * 64

#: every action the log knows; an unknown action is a programming error (caught by tests)
ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "access_denied",
    "inputs_loaded",
    "analysis",
    "export",
    "scenario_saved",
    "plan_published",
    "run_saved",
    "targets_saved",
    "workspace_opened",
    "user_created",
    "user_changed",
    "settings_changed",
    "roster_stored",
    "roster_deleted",
    "audit_exported",
    "setup_token_issued",
    "admin_setup",
)

#: keys allowed in ``details``: a whitelist, so no caller can put data into the log by accident
DETAIL_KEYS = frozenset(
    {
        "inputs",
        "scenario_hash",
        "scenario_name",
        "scenario_file",
        "export_kind",
        "export_sha256",
        "export_bytes",
        "units",
        "reason",
        "via",
        "target",
        "item_id",
        "item_kind",
        "item_name",
        "setting",
        "value",
        "rows",
        "sha256",
        "count",
        "format",
        "permission",
        "retention_days",
    }
)
COLUMNS = ["id", "at", "actor", "role", "action", "scope", "details", "prev_hash", "hash"]
_LOCK = threading.Lock()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def input_fingerprint(kind: str, name: str | None, data: bytes, rows: int | None) -> dict:
    """What the log keeps about an uploaded file: kind, file name, content hash, row count."""
    return {"kind": kind, "name": (name or "")[:200], "sha256": sha256(data), "rows": rows}


def scenario_hash(scenario) -> str:
    """Hash of the scenario's canonical JSON: the same settings always give the same hash."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return sha256(text.encode("utf-8"))


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def _entry_hash(
    prev: str, at: dt.datetime, actor: str, role: str, action: str, scope: str, details: str
) -> str:
    at_s = _utc(at).isoformat(timespec="microseconds")
    payload = json.dumps([prev, at_s, actor, role, action, scope, details], ensure_ascii=False)
    return sha256(payload.encode("utf-8"))


@dataclass
class AuditLog:
    engine: sa.Engine

    def record(
        self,
        actor: str,
        action: str,
        *,
        role: str = "",
        scope: str = "",
        at: dt.datetime | None = None,
        **details: Any,
    ) -> int:
        """Append one entry; returns its id. ``details`` keys must be in :data:`DETAIL_KEYS`."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        bad = set(details) - DETAIL_KEYS
        if bad:
            raise ValueError(f"audit details not allowed: {sorted(bad)}")
        at = _utc(at or dt.datetime.now(dt.UTC))
        det = json.dumps(
            {k: v for k, v in details.items() if v is not None}, sort_keys=True, ensure_ascii=False
        )
        actor = str(actor)[:200]
        with _LOCK, self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one writer at a time across processes
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(151515)")
            prev = conn.execute(
                sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
            ).scalar()
            prev = prev or GENESIS
            h = _entry_hash(prev, at, actor, role, action, scope, det)
            res = conn.execute(
                audit_log.insert().values(
                    at=at,
                    actor=actor,
                    role=role,
                    action=action,
                    scope=scope,
                    details=det,
                    prev_hash=prev,
                    hash=h,
                )
            )
            return int(res.inserted_primary_key[0])

    def entries(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        actor: str | None = None,
        action: str | Iterable[str] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Entries oldest first (``limit`` keeps the newest n), as a table with :data:`COLUMNS`."""
        q = sa.select(*[audit_log.c[c] for c in COLUMNS])
        if since is not None:
            q = q.where(audit_log.c.at >= _utc(since))
        if until is not None:
            q = q.where(audit_log.c.at < _utc(until))
        if actor:
            q = q.where(audit_log.c.actor == actor)
        if action:
            acts = [action] if isinstance(action, str) else list(action)
            q = q.where(audit_log.c.action.in_(acts))
        q = q.order_by(audit_log.c.id.desc())
        if limit:
            q = q.limit(limit)
        with reading(self.engine) as conn:
            rows = conn.execute(q).all()
        df = pd.DataFrame([tuple(r) for r in reversed(rows)], columns=COLUMNS)
        if len(df):
            df["at"] = pd.to_datetime([_utc(t) for t in df["at"]], utc=True)
        return df

    def details(self, entry_id: int) -> Mapping[str, Any]:
        with reading(self.engine) as conn:
            d = conn.execute(
                sa.select(audit_log.c.details).where(audit_log.c.id == entry_id)
            ).scalar()
        return json.loads(d) if d else {}

    def verify(self) -> tuple[bool, int | None]:
        """Walk the hash chain: (True, None) when intact, else (False, first bad entry id)."""
        prev = GENESIS
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(*[audit_log.c[c] for c in COLUMNS]).order_by(audit_log.c.id)
            )
            for r in rows:
                expect = _entry_hash(prev, r.at, r.actor, r.role, r.action, r.scope, r.details)
                if r.prev_hash != prev or r.hash != expect:
                    return False, int(r.id)
                prev = r.hash
        return True, None

    def export(self, fmt: str = "csv", **filters: Any) -> bytes:
        """The log as CSV or JSON lines (with the chain hashes, so a copy can be checked too)."""
        df = self.entries(**filters)
        if fmt == "csv":
            out = df.assign(at=df["at"].map(lambda t: t.isoformat()) if len(df) else df["at"])
            buf = io.StringIO()
            out.to_csv(buf, index=False, lineterminator="\n")
            return buf.getvalue().encode("utf-8")
        if fmt in ("json", "jsonl"):
            lines = []
            for r in df.itertuples(index=False):
                d = r._asdict()
                d["at"] = d["at"].isoformat()
                d["details"] = json.loads(d["details"])
                d["id"] = int(d["id"])
                lines.append(json.dumps(d, ensure_ascii=False))
            return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
        raise UserError("office.audit_format", value=fmt)
