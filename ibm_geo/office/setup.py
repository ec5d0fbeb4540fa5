"""The first admin of an office database, created in the app with a one-time setup token.

Why a token and not "only from 127.0.0.1": behind the reverse proxy of ``docs/deploy.md`` every
request reaches Streamlit from 127.0.0.1, so the address says nothing about who is asking. The
token is printed by ``ibm-geo office init`` on the server (only someone with a shell there sees
it), kept in the database as a SHA-256 hash only, valid for :data:`TOKEN_HOURS`, and spent by
the first admin it creates; issuing, every refusal and the creation are in the audit log.

A token is void once any admin account exists, however it came (the command line, the app's
user page, a role change): making or promoting an admin deletes the token in the same
transaction, and the token is checked, spent and the admin inserted in one transaction that first
looks for an admin. An office whose admins are all disabled re-enables one on the command line
(``ibm-geo users set NAME --enable``), which needs the same shell the token needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

import sqlalchemy as sa

from ..errors import UserError
from .accounts import (
    MIN_PASSWORD,
    SETUP_KEY,
    Accounts,
    Principal,
    _principal,
    normalize_username,
)
from .models import office_settings, reading, users
from .scope import Scope

TOKEN_HOURS = 24
#: the first admin's password: longer than other accounts' and of at least three kinds of
#: character (lower, upper, digit, other), or a passphrase of 20 characters
ADMIN_MIN_PASSWORD = 12
PASSPHRASE = 20


def _admins(conn: sa.Connection) -> int:
    q = sa.select(sa.func.count()).select_from(users).where(users.c.role == "admin")
    return int(conn.execute(q).scalar() or 0)


def has_admin(engine: sa.Engine) -> bool:
    """An admin account exists, active or not (then the setup page is gone for good)."""
    with reading(engine) as conn:
        return _admins(conn) > 0


def _digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def issue_token(accounts: Accounts, *, now: dt.datetime | None = None) -> str | None:
    """A new setup token (replacing any earlier one), or None when an admin already exists."""
    if has_admin(accounts.engine):
        return None
    now = now or dt.datetime.now(dt.UTC)
    token = secrets.token_urlsafe(24)
    until = now + dt.timedelta(hours=TOKEN_HOURS)
    value = json.dumps({"sha256": _digest(token), "until": until.isoformat()})
    with accounts.engine.begin() as conn:
        conn.execute(office_settings.delete().where(office_settings.c.key == SETUP_KEY))
        conn.execute(
            office_settings.insert().values(
                key=SETUP_KEY, value=value, updated_by="cli", updated_at=now
            )
        )
    accounts.audit.record("cli", "setup_token_issued", at=now, value=f"valid until {until:%F %T}Z")
    return token


def check_admin_password(password: str, username: str) -> None:
    """Refuse a first-admin password that is short, of one or two kinds of character, or
    contains the user name (:class:`UserError` ``office.setup_weak_password``)."""
    pw = password or ""
    kinds = sum(
        (
            any(c.islower() for c in pw),
            any(c.isupper() for c in pw),
            any(c.isdigit() for c in pw),
            any(not c.isalnum() for c in pw),
        )
    )
    name = normalize_username(username)
    if (
        len(pw) < max(ADMIN_MIN_PASSWORD, MIN_PASSWORD)
        or (kinds < 3 and len(pw) < PASSPHRASE)
        or (name and name in pw.lower())
    ):
        raise UserError("office.setup_weak_password", n=ADMIN_MIN_PASSWORD, long=PASSPHRASE)


def create_first_admin(
    accounts: Accounts,
    token: str,
    username: str,
    password: str,
    *,
    now: dt.datetime | None = None,
) -> Principal:
    """Spend the setup token on the first admin. Refused (and logged) when an admin exists or
    the token is wrong or expired; the token is deleted in the same transaction that checks
    it, so two people holding it cannot both use it."""
    now = now or dt.datetime.now(dt.UTC)
    name = normalize_username(username)
    if has_admin(accounts.engine):
        accounts.audit.record(name or "?", "sign_in_failed", at=now, reason="setup_done")
        raise UserError("office.setup_done")
    check_admin_password(password, name)
    if not name:
        raise UserError("office.bad_username", username=username)
    pw_hash = accounts.hasher.hash(password)
    with accounts.engine.begin() as conn:  # BEGIN IMMEDIATE on SQLite, a row lock elsewhere
        row = conn.execute(
            sa.select(office_settings.c.value)
            .where(office_settings.c.key == SETUP_KEY)
            .with_for_update()
        ).scalar()
        done = _admins(conn) > 0
        stored = json.loads(row) if row else None
        ok = (
            not done
            and stored is not None
            and hmac.compare_digest(stored["sha256"], _digest(token or ""))
            and now < dt.datetime.fromisoformat(stored["until"])
        )
        if ok:  # spent, and the admin made, in the transaction that checked both
            conn.execute(office_settings.delete().where(office_settings.c.key == SETUP_KEY))
            accounts._insert(conn, name, "admin", Scope.everything(), pw_hash, name)
            user = conn.execute(sa.select(users).where(users.c.username == name)).first()
    if done:
        accounts.audit.record(name or "?", "sign_in_failed", at=now, reason="setup_done")
        raise UserError("office.setup_done")
    if not ok:
        accounts.audit.record(name or "?", "sign_in_failed", at=now, reason="bad_setup_token")
        raise UserError("office.setup_token", hours=TOKEN_HOURS)
    p = _principal(user)
    accounts.audit.record(
        "setup", "user_created", at=now, target=name, value=f"admin {p.scope.label()}"
    )
    accounts.audit.record(p.username, "admin_setup", at=now, via="setup_token", **p.audit_kw)
    return p
