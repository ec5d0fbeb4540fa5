"""Office settings: where the database lives, the roster key, the OpenID Connect allow-list.

One URL chooses the database (``sqlite:///...`` embedded default in a data folder, or
``postgresql+psycopg://...`` for an office server). Settings come from the app's secrets (an
``[office]`` table in ``.streamlit/secrets.toml``) or from environment variables, so the CLI and the
app read the same ones; secrets never go into the database.

The audit log's key (:mod:`ibm_geo.office.auditkey`) is one of those secrets: ``audit_key`` /
``IBM_GEO_AUDIT_KEY`` (the key itself), else ``audit_key_file`` / ``IBM_GEO_AUDIT_KEY_FILE``, else
``audit.key`` next to the SQLite file (or in the data folder for PostgreSQL).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError

DEFAULT_DATA_DIR = ".ibm-geo"


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed sign-ins allowed before a wait, and how that wait grows (per user name)."""

    free_failures: int = 5
    window_s: float = 15 * 60
    base_lock_s: float = 30.0
    max_lock_s: float = 15 * 60

    def lock_seconds(self, failures: int) -> float:
        """No wait for the first ``free_failures``, then 30 s doubling up to 15 min."""
        over = failures - self.free_failures - 1
        if over < 0:
            return 0.0
        return min(self.max_lock_s, self.base_lock_s * 2 ** min(over, 20))


@dataclass(frozen=True)
class OfficeSettings:
    db_url: str
    roster_keys: tuple[str, ...] = ()
    oidc_allow: tuple[Mapping[str, Any], ...] = ()
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    #: the audit log's HMAC key itself (>= 32 characters), or the file holding it (mode 0600)
    audit_key: str | None = field(default=None, repr=False)
    audit_key_file: str | None = None
    data_dir: str | None = None

    def audit_key_path(self) -> Path:
        """Where the audit key file is read (and, for a new log, created)."""
        if self.audit_key_file:
            return Path(self.audit_key_file).expanduser().resolve()
        import sqlalchemy as sa

        try:
            u = sa.engine.make_url(self.db_url)
        except sa.exc.ArgumentError:
            u = None
        if (
            u is not None
            and u.get_backend_name() == "sqlite"
            and u.database not in (None, "", ":memory:")
        ):
            return Path(u.database).expanduser().resolve().parent / "audit.key"
        return Path(self.data_dir or DEFAULT_DATA_DIR).expanduser().resolve() / "audit.key"

    @classmethod
    def load(
        cls, secrets: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> OfficeSettings:
        """``[office]`` in secrets first, then ``IBM_GEO_*`` environment variables, then defaults."""
        env = os.environ if env is None else env
        office = dict((secrets or {}).get("office", {}) or {})
        url = office.get("db_url") or env.get("IBM_GEO_DB_URL")
        data_dir = Path(office.get("data_dir") or env.get("IBM_GEO_DATA_DIR") or DEFAULT_DATA_DIR)
        if not url:
            url = sqlite_url(data_dir)
        keys = (
            office.get("roster_keys") or office.get("roster_key") or env.get("IBM_GEO_ROSTER_KEY")
        )
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        allow = office.get("oidc_allow") or []
        if not isinstance(allow, list | tuple) or not all(isinstance(a, Mapping) for a in allow):
            raise UserError(
                "office.config", key="office.oidc_allow", detail="must be a list of tables"
            )
        return cls(
            db_url=str(url),
            roster_keys=tuple(keys or ()),
            oidc_allow=tuple(allow),
            audit_key=office.get("audit_key") or env.get("IBM_GEO_AUDIT_KEY") or None,
            audit_key_file=office.get("audit_key_file")
            or env.get("IBM_GEO_AUDIT_KEY_FILE")
            or None,
            data_dir=str(data_dir),
        )


def sqlite_url(data_dir: str | Path) -> str:
    """The embedded default: one SQLite file in a data folder (created when missing)."""
    d = Path(data_dir).expanduser().resolve()
    return f"sqlite:///{d / 'office.sqlite'}"
