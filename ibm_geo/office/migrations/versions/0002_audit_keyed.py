"""Keyed audit chain: seal the entries written with the old unkeyed SHA-256 chain.

No schema change. Entries from here on carry an HMAC-SHA256 (key outside the database,
``ibm_geo.office.auditkey``); the unkeyed entries already in the log are sealed by one keyed
``audit_keyed`` entry that follows the last of them and names their count, so rewriting them (and
recomputing their plain hashes) breaks the seal. ``ibm_geo.office.store.migrate`` hands the key in.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import context, op

from ibm_geo.office.audit import append
from ibm_geo.office.models import audit_log

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    n = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() or 0
    if not n:
        return
    key = context.config.attributes.get("audit_key")
    if not key:
        raise RuntimeError(
            "migration 0002 needs the audit key (run it through ibm-geo office init)"
        )
    append(conn, key, "system", "audit_keyed", count=int(n), reason="unkeyed_entries_sealed")


def downgrade() -> None:
    pass  # the seal is an audit entry: append-only, it stays
