"""Client rosters kept between sessions: off unless an admin turns it on; then encrypted at rest
(Fernet, key from the secrets, several keys for rotation), deleted after a retention period, and
every storing and deletion logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ..errors import UserError
from .accounts import Principal
from .audit import AuditLog
from .models import reading, rosters
from .scope import Scope

ROSTER_KINDS = ("clients", "agents", "service_points")


def new_key() -> str:
    """A fresh key for ``[office] roster_keys`` (put the new one first to rotate)."""
    return Fernet.generate_key().decode("ascii")


def cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise UserError("office.no_roster_key")
    try:
        return MultiFernet([Fernet(k.encode("ascii") if isinstance(k, str) else k) for k in keys])
    except (ValueError, TypeError) as e:
        raise UserError("office.bad_roster_key", detail=str(e)) from None


@dataclass
class RosterStore:
    engine: sa.Engine
    audit: AuditLog
    keys: tuple[str, ...]
    enabled: bool
    retention_days: int

    def put(
        self,
        principal: Principal,
        kind: str,
        data: bytes,
        rows: int,
        *,
        now: dt.datetime | None = None,
    ) -> int:
        principal.require("upload")
        if not self.enabled:
            raise UserError("office.rosters_off")
        if kind not in ROSTER_KINDS:
            raise ValueError(kind)
        now = now or dt.datetime.now(dt.UTC)
        token = cipher(self.keys).encrypt(data)
        digest = hashlib.sha256(data).hexdigest()
        sc = principal.scope
        with self.engine.begin() as conn:
            res = conn.execute(
                rosters.insert().values(
                    kind=kind,
                    provinsi=json.dumps(list(sc.provinsi)),
                    kab_kota=json.dumps(list(sc.kab_kota)),
                    created_by=principal.username,
                    created_at=now,
                    expires_at=now + dt.timedelta(days=self.retention_days),
                    rows=int(rows),
                    sha256=digest,
                    ciphertext=token,
                )
            )
            rid = int(res.inserted_primary_key[0])
        self.audit.record(
            principal.username,
            "roster_stored",
            item_id=rid,
            item_kind=kind,
            rows=int(rows),
            sha256=digest,
            retention_days=self.retention_days,
            **principal.audit_kw,
        )
        return rid

    def list(self, principal: Principal) -> list[dict]:
        principal.require("upload")
        with reading(self.engine) as conn:
            rs = conn.execute(
                sa.select(
                    rosters.c.id,
                    rosters.c.kind,
                    rosters.c.provinsi,
                    rosters.c.kab_kota,
                    rosters.c.created_by,
                    rosters.c.created_at,
                    rosters.c.expires_at,
                    rosters.c.rows,
                ).order_by(rosters.c.id)
            ).all()
        out = []
        for r in rs:
            if principal.scope.contains(Scope.of(json.loads(r.provinsi), json.loads(r.kab_kota))):
                out.append(
                    {
                        k: getattr(r, k)
                        for k in ("id", "kind", "created_by", "created_at", "expires_at", "rows")
                    }
                )
        return out

    def get(self, principal: Principal, roster_id: int) -> bytes:
        principal.require("upload")
        with reading(self.engine) as conn:
            r = conn.execute(sa.select(rosters).where(rosters.c.id == int(roster_id))).first()
        if r is None or not principal.scope.contains(
            Scope.of(json.loads(r.provinsi), json.loads(r.kab_kota))
        ):
            raise UserError("office.not_found", item=roster_id)
        try:
            return cipher(self.keys).decrypt(r.ciphertext)
        except InvalidToken:
            raise UserError(
                "office.bad_roster_key", detail="no configured key opens this roster"
            ) from None

    def delete(self, principal: Principal, roster_id: int, reason: str = "manual") -> bool:
        principal.require("upload")
        with self.engine.begin() as conn:
            r = conn.execute(
                sa.select(rosters.c.id, rosters.c.provinsi, rosters.c.kab_kota).where(
                    rosters.c.id == int(roster_id)
                )
            ).first()
            if r is None or not principal.scope.contains(
                Scope.of(json.loads(r.provinsi), json.loads(r.kab_kota))
            ):
                return False
            conn.execute(rosters.delete().where(rosters.c.id == int(roster_id)))
        self.audit.record(
            principal.username,
            "roster_deleted",
            item_id=int(roster_id),
            reason=reason,
            **principal.audit_kw,
        )
        return True

    def purge_expired(self, now: dt.datetime | None = None, actor: str = "system") -> int:
        """Delete every roster past its retention date; one log entry per roster."""
        now = now or dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            ids = [
                int(i)
                for i in conn.execute(
                    sa.select(rosters.c.id).where(rosters.c.expires_at <= now)
                ).scalars()
            ]
            if ids:
                conn.execute(rosters.delete().where(rosters.c.id.in_(ids)))
        for i in ids:
            self.audit.record(actor, "roster_deleted", item_id=i, reason="retention")
        return len(ids)

    def rotate(self, actor: str = "system") -> int:
        """Re-encrypt every roster with the first key (after adding a new key in front)."""
        f = cipher(self.keys)
        n = 0
        with self.engine.begin() as conn:
            for rid, tok in conn.execute(sa.select(rosters.c.id, rosters.c.ciphertext)).all():
                try:
                    new = f.rotate(tok)
                except InvalidToken:
                    raise UserError(
                        "office.bad_roster_key", detail=f"roster {rid}: no configured key opens it"
                    ) from None
                conn.execute(rosters.update().where(rosters.c.id == rid).values(ciphertext=new))
                n += 1
        self.audit.record(actor, "settings_changed", setting="roster_key_rotated", count=n)
        return n
