"""The office database schema (SQLAlchemy Core). Alembic migrations create it; a test checks
that the migrated database and these tables agree, so the schema has one definition."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(200), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("provinsi", sa.Text, nullable=False, server_default="[]"),
    sa.Column("kab_kota", sa.Text, nullable=False, server_default="[]"),
    sa.Column("password_hash", sa.String(300), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# per user name typed (known or not): a wrong password is throttled by name, not by account, so
# probing names learns nothing and a lock survives a restart of the app
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("username", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False, server_default=""),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("scope", sa.Text, nullable=False, server_default=""),
    sa.Column("details", sa.Text, nullable=False, server_default="{}"),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_log_at", "at"),
    sa.Index("ix_audit_log_action", "action"),
)

workspace_items = sa.Table(
    "workspace_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("provinsi", sa.Text, nullable=False, server_default="[]"),
    sa.Column("kab_kota", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Index("ix_workspace_kind", "kind", "created_at"),
)

rosters = sa.Table(
    "rosters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("provinsi", sa.Text, nullable=False, server_default="[]"),
    sa.Column("kab_kota", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Index("ix_rosters_expires", "expires_at"),
)

office_settings = sa.Table(
    "office_settings",
    metadata,
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def reading(engine: sa.Engine) -> sa.Connection:
    """A connection for reads only. On SQLite every other transaction starts with BEGIN IMMEDIATE
    (the write lock, see ``store._sqlite_pragmas``); a read does not need it, and taking it made
    ten signing-in planners queue behind each other for a user count."""
    return engine.connect().execution_options(ibm_geo_read_only=True)
