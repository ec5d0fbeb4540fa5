"""Accounts, roles and sign-in: local passwords (argon2) with throttling, or OpenID Connect with
an allow-list. No role, no access.

Roles: ``admin`` (BNNP: users, settings, the log; every area), ``perencana`` (planner, scoped to a
province or to kab/kota of it) and ``pembaca`` (viewer of published results only, scoped the same
way). What each role may do is :data:`PERMISSIONS`, the one table the app and the library check.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import UserError
from .audit import AuditLog
from .models import login_throttle, office_settings, reading, users
from .scope import Scope
from .settings import ThrottlePolicy

ROLES = ("admin", "perencana", "pembaca")

#: permission -> roles holding it
PERMISSIONS: dict[str, frozenset[str]] = {
    "upload": frozenset({"admin", "perencana"}),  # give client/agent files
    "client_views": frozenset({"admin", "perencana"}),  # data quality rows, client points, matches
    "analyze": frozenset({"admin", "perencana"}),
    "export": frozenset({"admin", "perencana"}),
    "publish": frozenset({"admin", "perencana"}),  # save scenarios, plans, runs, targets
    "view_published": frozenset({"admin", "perencana", "pembaca"}),
    "export_published": frozenset({"admin", "perencana", "pembaca"}),
    "manage_users": frozenset({"admin"}),
    "view_audit": frozenset({"admin"}),
    "settings": frozenset({"admin"}),
}
MIN_PASSWORD = 10
#: the office_settings row holding the first-admin setup token's hash (``office.setup``); every
#: admin account made or re-enabled deletes it, so a printed token is void once any admin exists
SETUP_KEY = "setup_token"

#: argon2id, 46 MiB, t=2, one lane: above OWASP's minimum (46 MiB, t=1) and about 0.1 s of one
#: core per sign-in on the office's 2-core server. The library default (64 MiB, t=3, 4 lanes)
#: cost 0.35-0.45 s and both cores, so ten planners signing in at once waited seconds for it.
#: Hashes made with other parameters are re-hashed with these at the next sign-in.
DEFAULT_HASHER = PasswordHasher(time_cost=2, memory_cost=47104, parallelism=1)


@dataclass(frozen=True)
class Principal:
    """A signed-in user: who, which role, which area."""

    username: str
    role: str
    scope: Scope
    display_name: str = ""
    via: str = "local"

    def can(self, permission: str) -> bool:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise UserError(
                "office.forbidden", user=self.username, role=self.role, permission=permission
            )

    @property
    def audit_kw(self) -> dict[str, str]:
        return {"role": self.role, "scope": self.scope.label()}


def normalize_username(name: str) -> str:
    return str(name or "").strip().lower()[:200]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    if t is None:
        return None
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def check_role_scope(role: str, scope: Scope) -> None:
    """A planner or viewer must have a province; a kab/kota list narrows it. Admins see all."""
    if role not in ROLES:
        raise UserError("office.bad_role", role=role, roles=list(ROLES))
    if role != "admin" and not scope.provinsi:
        raise UserError("office.scope_required", role=role)
    if scope.kab_kota and not scope.provinsi:
        raise UserError("office.scope_required", role=role)


def _principal(row) -> Principal:
    scope = (
        Scope.everything()
        if row.role == "admin"
        else Scope.of(json.loads(row.provinsi or "[]"), json.loads(row.kab_kota or "[]"))
    )
    return Principal(row.username, row.role, scope, row.display_name or row.username)


@dataclass
class Accounts:
    engine: sa.Engine
    audit: AuditLog
    throttle: ThrottlePolicy = ThrottlePolicy()
    hasher: PasswordHasher = DEFAULT_HASHER

    def _dummy(self) -> str:
        """Verified when the name is unknown, so a wrong name costs the time of a wrong password."""
        h = self.__dict__.get("_dummy_hash")
        if h is None or not h.startswith(f"$argon2id$v=19$m={self.hasher.memory_cost},"):
            h = self.__dict__["_dummy_hash"] = self.hasher.hash("ibm-geo-dummy-password")
        return h

    # -- administration ----------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        role: str,
        *,
        password: str | None = None,
        provinsi=(),
        kab_kota=(),
        display_name: str = "",
        by: str = "system",
    ) -> Principal:
        """Create a user. ``password=None`` makes an OpenID Connect account (e-mail as name)."""
        name = normalize_username(username)
        if not name:
            raise UserError("office.bad_username", username=username)
        scope = Scope.everything() if role == "admin" else Scope.of(provinsi, kab_kota)
        check_role_scope(role, scope)
        pw_hash = self._hash(password) if password is not None else None
        with self.engine.begin() as conn:
            self._insert(conn, name, role, scope, pw_hash, display_name)
        self.audit.record(by, "user_created", target=name, value=f"{role} {scope.label()}")
        return Principal(name, role, scope, display_name or name)

    def _insert(
        self, conn: sa.Connection, name: str, role: str, scope: Scope, pw_hash, display_name=""
    ) -> None:
        """One new account inside ``conn``'s transaction; an admin voids any setup token."""
        exists = conn.execute(sa.select(users.c.id).where(users.c.username == name)).first()
        if exists:
            raise UserError("office.user_exists", username=name)
        now = _now()
        conn.execute(
            users.insert().values(
                username=name,
                display_name=display_name or name,
                role=role,
                provinsi=json.dumps(list(scope.provinsi)),
                kab_kota=json.dumps(list(scope.kab_kota)),
                password_hash=pw_hash,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        if role == "admin":
            conn.execute(office_settings.delete().where(office_settings.c.key == SETUP_KEY))

    def update_user(
        self,
        username: str,
        *,
        role: str | None = None,
        provinsi=None,
        kab_kota=None,
        active: bool | None = None,
        password: str | None = None,
        by: str = "system",
    ) -> Principal:
        name = normalize_username(username)
        cur = self.get(name)
        if cur is None:
            raise UserError("office.unknown_user", username=name)
        role = role or cur.role
        scope = (
            Scope.everything()
            if role == "admin"
            else Scope.of(
                cur.scope.provinsi if provinsi is None else provinsi,
                cur.scope.kab_kota if kab_kota is None else kab_kota,
            )
        )
        check_role_scope(role, scope)
        vals: dict[str, Any] = {
            "role": role,
            "provinsi": json.dumps(list(scope.provinsi)),
            "kab_kota": json.dumps(list(scope.kab_kota)),
            "updated_at": _now(),
        }
        changed = [f"{role} {scope.label()}"]
        if active is not None:
            vals["active"] = bool(active)
            changed.append("active" if active else "disabled")
        if password is not None:
            vals["password_hash"] = self._hash(password)
            changed.append("password")
        with self.engine.begin() as conn:
            conn.execute(users.update().where(users.c.username == name).values(**vals))
            if role == "admin":
                conn.execute(office_settings.delete().where(office_settings.c.key == SETUP_KEY))
        self.audit.record(by, "user_changed", target=name, value=", ".join(changed))
        return Principal(name, role, scope, cur.display_name)

    def get(self, username: str) -> Principal | None:
        with reading(self.engine) as conn:
            row = conn.execute(
                sa.select(users).where(users.c.username == normalize_username(username))
            ).first()
        return _principal(row) if row else None

    def list_users(self) -> list[dict[str, Any]]:
        with reading(self.engine) as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.username)).all()
        return [
            {
                "username": r.username,
                "display_name": r.display_name,
                "role": r.role,
                "scope": _principal(r).scope.label(),
                "active": bool(r.active),
                "login": "password" if r.password_hash else "oidc",
            }
            for r in rows
        ]

    def count(self) -> int:
        with reading(self.engine) as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() or 0)

    def _hash(self, password: str) -> str:
        if len(password or "") < MIN_PASSWORD:
            raise UserError("office.weak_password", n=MIN_PASSWORD)
        return self.hasher.hash(password)

    # -- sign-in -------------------------------------------------------------------------------
    def wait_seconds(self, username: str, now: dt.datetime | None = None) -> float:
        """Seconds before ``username`` may try again (0 when not throttled)."""
        now = _utc(now) or _now()
        with reading(self.engine) as conn:
            row = conn.execute(
                sa.select(login_throttle.c.locked_until).where(
                    login_throttle.c.username == normalize_username(username)
                )
            ).first()
        until = _utc(row.locked_until) if row else None
        return max(0.0, (until - now).total_seconds()) if until else 0.0

    def authenticate(
        self, username: str, password: str, *, now: dt.datetime | None = None
    ) -> Principal:
        """The user for a correct name and password; otherwise a :class:`UserError` that does not
        say which of the two was wrong. Failures are counted per name and throttled.

        Why the attempt is counted *before* the password is checked: checking first and counting
        after let parallel tries all pass the "not locked" test while the others were still being
        checked (12 sessions got 10 checks against a limit of 6). :meth:`_reserve` is one
        transaction holding the row's lock; a right password then clears the count."""
        now = _utc(now) or _now()
        name = normalize_username(username)
        wait = self._reserve(name, now)
        if wait > 0:
            self.audit.record(
                name or "?", "sign_in_failed", at=now, reason="throttled", via="password"
            )
            raise UserError("office.login_throttled", seconds=math.ceil(wait))
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(users).where(users.c.username == name)).first()
        ok = False
        try:
            if row is not None and row.password_hash:
                ok = self.hasher.verify(row.password_hash, password or "")
            else:
                self.hasher.verify(self._dummy(), password or "")
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and not row.active:
            ok = False
        if not ok:
            self.audit.record(
                name or "?", "sign_in_failed", at=now, reason="bad_credentials", via="password"
            )
            raise UserError("office.login_failed")
        with self.engine.begin() as conn:
            conn.execute(login_throttle.delete().where(login_throttle.c.username == name))
            if self.hasher.check_needs_rehash(row.password_hash):
                conn.execute(
                    users.update()
                    .where(users.c.username == name)
                    .values(password_hash=self.hasher.hash(password))
                )
        p = _principal(row)
        self.audit.record(p.username, "sign_in", at=now, via="password", **p.audit_kw)
        return p

    def _reserve(self, name: str, now: dt.datetime) -> float:
        """Atomic check-and-increment: 0 and the attempt counted as a failure (and the lock its
        count earns set) when ``name`` may try now, else the seconds to wait (nothing counted).
        SQLite: the transaction holds the write lock from BEGIN; PostgreSQL: the row is made to
        exist, then locked FOR UPDATE, so concurrent tries queue on it."""
        pol = self.throttle
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                conn.execute(
                    pg_insert(login_throttle)
                    .values(username=name, failures=0)
                    .on_conflict_do_nothing(index_elements=["username"])
                )
            row = conn.execute(
                sa.select(login_throttle).where(login_throttle.c.username == name).with_for_update()
            ).first()
            until = _utc(row.locked_until) if row else None
            if until is not None and until > now:
                return (until - now).total_seconds()
            first = _utc(row.first_failed_at) if row else None
            failures = int(row.failures) if row else 0
            if first is None or (now - first).total_seconds() > pol.window_s:
                first, failures = now, 0
            failures += 1
            lock = pol.lock_seconds(failures)
            vals = {
                "failures": failures,
                "first_failed_at": first,
                "locked_until": now + dt.timedelta(seconds=lock) if lock else None,
            }
            if row:
                conn.execute(
                    login_throttle.update().where(login_throttle.c.username == name).values(**vals)
                )
            else:
                conn.execute(login_throttle.insert().values(username=name, **vals))
        return 0.0

    def resolve_oidc(
        self, claims: Mapping[str, Any], allow: tuple[Mapping[str, Any], ...] = ()
    ) -> Principal | None:
        """Role and scope for an identity-provider login: an account with that e-mail in the
        database first, else the first allow-list entry matching the e-mail, then a group, then
        the e-mail's domain. ``None`` (and a logged refusal) when nothing matches."""
        email = normalize_username(claims.get("email", ""))
        if not email or claims.get("email_verified") is False:
            self.audit.record(
                email or "?", "sign_in_failed", via="oidc", reason="no_verified_email"
            )
            return None
        p = self.get(email)
        with reading(self.engine) as conn:
            active = conn.execute(
                sa.select(users.c.active).where(users.c.username == email)
            ).scalar()
        if p is not None and not active:
            p = None
            self.audit.record(email, "sign_in_failed", via="oidc", reason="disabled")
            return None
        if p is None:
            p = principal_from_allow_list(email, claims.get("groups") or [], allow)
        if p is None:
            self.audit.record(email, "sign_in_failed", via="oidc", reason="not_on_allow_list")
            return None
        p = Principal(p.username, p.role, p.scope, claims.get("name") or p.display_name, via="oidc")
        self.audit.record(p.username, "sign_in", via="oidc", **p.audit_kw)
        return p


def principal_from_allow_list(
    email: str, groups, allow: tuple[Mapping[str, Any], ...]
) -> Principal | None:
    """Match ``[[office.oidc_allow]]`` entries (``email``, ``group`` or ``domain`` + ``role``,
    ``provinsi``, ``kab_kota``): exact e-mail beats group beats domain."""
    email = normalize_username(email)
    groups = {
        str(g).strip().lower() for g in (groups if isinstance(groups, list | tuple) else [groups])
    }
    domain = email.rsplit("@", 1)[-1] if "@" in email else ""
    for key, hit in (
        ("email", lambda v: normalize_username(v) == email),
        ("group", lambda v: str(v).strip().lower() in groups),
        ("domain", lambda v: str(v).strip().lower().lstrip("@") == domain),
    ):
        for entry in allow:
            if key in entry and hit(entry[key]):
                role = str(entry.get("role", ""))
                scope = (
                    Scope.everything()
                    if role == "admin"
                    else Scope.of(entry.get("provinsi", ()), entry.get("kab_kota", ()))
                )
                check_role_scope(role, scope)
                return Principal(email, role, scope, email, via="oidc")
    return None
