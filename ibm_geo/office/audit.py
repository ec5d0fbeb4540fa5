"""Append-only audit log: who did what, when, on which inputs, scenario and export.

It records *fingerprints*, never data: input content hashes and row counts, the scenario's hash
(and file name), an export's kind and hash, sign-in and failed sign-in. Every entry carries the
hash of the previous one (a hash chain), so :meth:`AuditLog.verify` finds an entry changed or
removed behind the database's back; UPDATE and DELETE are refused by triggers (see the migration).

Why keyed: an unkeyed SHA-256 chain is recomputed by anyone who can write the database, so an edit
plus a recomputed chain, or a deleted entry, passed verification. Each hash is an HMAC-SHA256 with
a key kept outside the database (:mod:`.auditkey`). Removing the newest entries leaves a valid
shorter chain, so :meth:`AuditLog.checkpoint` signs the head (id, hash, count) for a file the admin
keeps elsewhere, and :meth:`AuditLog.check` holds the log against it.

Entries written before the key existed (a database older than migration 0002) were chained with
plain SHA-256; the migration seals them with one keyed ``audit_keyed`` entry that names their
count and follows the last of them, so they can no longer be rewritten unnoticed either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..errors import UserError
from .auditkey import key_id
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
    "audit_keyed",
    "audit_checkpoint",
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


def _payload(
    prev: str, at: dt.datetime, actor: str, role: str, action: str, scope: str, details: str
) -> bytes:
    at_s = _utc(at).isoformat(timespec="microseconds")
    payload = json.dumps([prev, at_s, actor, role, action, scope, details], ensure_ascii=False)
    return payload.encode("utf-8")


def legacy_hash(prev, at, actor, role, action, scope, details) -> str:
    """The unkeyed hash of entries written before migration 0002 (anyone can recompute it)."""
    return sha256(_payload(prev, at, actor, role, action, scope, details))


def entry_mac(key: bytes, prev, at, actor, role, action, scope, details) -> str:
    """The keyed hash of an entry: HMAC-SHA256 over the same canonical payload."""
    return hmac.new(
        key, _payload(prev, at, actor, role, action, scope, details), "sha256"
    ).hexdigest()


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


CHECKPOINT_FORMAT = "ibm-geo-audit-checkpoint/1"


@dataclass(frozen=True)
class Verdict:
    """What :meth:`AuditLog.check` found. ``problem``: ``None`` (intact), ``altered`` (an entry
    does not match its keyed hash or the previous one: edited, inserted or removed), ``missing``
    (fewer entries up to a checkpoint's head than it counted: the tail or others deleted),
    ``checkpoint`` (the checkpoint is not signed by this key: edited, or another office's)."""

    ok: bool
    entry: int | None = None
    problem: str | None = None
    entries: int = 0
    legacy: int = 0  #: entries sealed by the ``audit_keyed`` entry of migration 0002
    checkpoints: int = 0


@dataclass
class AuditLog:
    engine: sa.Engine
    key: bytes = field(repr=False, default=b"")

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
        with _LOCK, self.engine.begin() as conn:
            return append(conn, self.key, actor, action, role=role, scope=scope, at=at, **details)

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

    def verify(self, checkpoints: Iterable[Mapping[str, Any]] = ()) -> tuple[bool, int | None]:
        """(True, None) when intact, else (False, the first bad or missing entry id)."""
        v = self.check(checkpoints)
        return v.ok, v.entry

    def check(self, checkpoints: Iterable[Mapping[str, Any]] = ()) -> Verdict:
        """Walk the keyed chain, and hold it against signed checkpoints (see :class:`Verdict`)."""
        cps = list(checkpoints)
        for cp in cps:
            if not self.checkpoint_signed(cp):
                return Verdict(False, None, "checkpoint", checkpoints=len(cps))
        heads = {int(cp["head_id"]): cp for cp in cps if int(cp["entries"]) > 0}
        prev, n, legacy, keyed = GENESIS, 0, 0, False
        first_legacy = None
        with reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(*[audit_log.c[c] for c in COLUMNS]).order_by(audit_log.c.id)
            )
            for r in rows:
                n += 1
                fields = (prev, r.at, r.actor, r.role, r.action, r.scope, r.details)
                if r.prev_hash != prev:
                    return Verdict(False, int(r.id), "altered", n, legacy, len(cps))
                if _same(r.hash, entry_mac(self.key, *fields)):
                    if not keyed and legacy:  # the seal must follow the old entries directly
                        seal = json.loads(r.details or "{}")
                        if r.action != "audit_keyed" or seal.get("count") != legacy:
                            return Verdict(False, first_legacy, "altered", n, legacy, len(cps))
                    keyed = True
                elif not keyed and r.hash == legacy_hash(*fields):
                    legacy += 1
                    first_legacy = first_legacy or int(r.id)
                else:
                    return Verdict(False, int(r.id), "altered", n, legacy, len(cps))
                cp = heads.pop(int(r.id), None)
                if cp is not None and (cp["head_hash"] != r.hash or int(cp["entries"]) != n):
                    problem = "altered" if cp["head_hash"] != r.hash else "missing"
                    return Verdict(False, int(r.id), problem, n, legacy, len(cps))
                prev = r.hash
        if legacy and not keyed:  # old entries nothing seals: rewritten as "old" by someone
            return Verdict(False, first_legacy, "altered", n, legacy, len(cps))
        if heads:  # a checkpoint's head is gone: the tail (at least) was deleted
            return Verdict(False, min(heads), "missing", n, legacy, len(cps))
        return Verdict(True, None, None, n, legacy, len(cps))

    # -- checkpoints ---------------------------------------------------------------------------
    def _sign(self, body: Mapping[str, Any]) -> str:
        return hmac.new(self.key, _canonical(body), "sha256").hexdigest()

    def checkpoint_signed(self, cp: Mapping[str, Any]) -> bool:
        """The checkpoint is this office's (same key) and unaltered."""
        if not isinstance(cp, Mapping) or cp.get("format") != CHECKPOINT_FORMAT:
            return False
        body = {k: v for k, v in cp.items() if k != "mac"}
        try:
            int(cp["head_id"]), int(cp["entries"]), str(cp["head_hash"])
        except (KeyError, TypeError, ValueError):
            return False
        return _same(cp.get("mac", ""), self._sign(body))

    def checkpoint(self, actor: str = "cli", **kw: Any) -> dict[str, Any]:
        """A signed note of the log's head: its id, hash and the number of entries up to it. Kept
        off the server, it lets :meth:`check` see entries deleted from the end, which a chain
        alone cannot. Taking it is logged first, so the checkpoint covers its own entry."""
        self.record(actor, "audit_checkpoint", **kw)
        a, b = audit_log.alias("a"), audit_log.alias("b")
        upto = sa.select(sa.func.count()).select_from(b).where(b.c.id <= a.c.id)
        q = (  # one statement: the head and its count from the same snapshot
            sa.select(a.c.id, a.c.hash, a.c.at, upto.scalar_subquery().label("n"))
            .order_by(a.c.id.desc())
            .limit(1)
        )
        with reading(self.engine) as conn:
            r = conn.execute(q).first()
        body = {
            "format": CHECKPOINT_FORMAT,
            "head_id": int(r.id),
            "head_hash": r.hash,
            "head_at": _utc(r.at).isoformat(),
            "entries": int(r.n),
            "key_id": _key_id(self.key),
        }
        return {**body, "mac": self._sign(body)}

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


def _same(a: object, b: str) -> bool:
    """Constant-time comparison that also takes what an attacker wrote (any text, non-ASCII)."""
    return hmac.compare_digest(str(a).encode("utf-8"), b.encode("utf-8"))


def _key_id(key: bytes) -> str:
    return key_id(key)


def append(
    conn: sa.Connection,
    key: bytes,
    actor: str,
    action: str,
    *,
    role: str = "",
    scope: str = "",
    at: dt.datetime | None = None,
    **details: Any,
) -> int:
    """Append one keyed entry inside ``conn``'s transaction (the caller holds the write lock);
    also what migration 0002 uses to seal the unkeyed entries before it."""
    if not key:
        raise ValueError("the audit log needs its key (ibm_geo.office.auditkey)")
    at = _utc(at or dt.datetime.now(dt.UTC))
    det = json.dumps(
        {k: v for k, v in details.items() if v is not None}, sort_keys=True, ensure_ascii=False
    )
    actor = str(actor)[:200]
    if conn.dialect.name == "postgresql":  # one writer at a time across processes
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(151515)")
    prev = conn.execute(
        sa.select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).scalar()
    prev = prev or GENESIS
    h = entry_mac(key, prev, at, actor, role, action, scope, det)
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
