"""Serving a BNNP office: accounts with roles and scope, an append-only audit log and a
persistent workspace on a real database (SQLite by default, PostgreSQL by one URL).

No streamlit here: the app (``ibm_geo_app``/``app.py``) and the CLI (``ibm-geo audit``,
``ibm-geo users``) are thin shells over :class:`Office`.
"""

from .accounts import PERMISSIONS, ROLES, Accounts, Principal
from .audit import ACTIONS, AuditLog, input_fingerprint, scenario_hash
from .scope import Scope, scope_joined, scope_scenario
from .settings import OfficeSettings, ThrottlePolicy
from .store import Office, make_engine, migrate
from .workspace import Workspace, published_files

__all__ = [
    "ACTIONS",
    "PERMISSIONS",
    "ROLES",
    "Accounts",
    "AuditLog",
    "Office",
    "OfficeSettings",
    "Principal",
    "Scope",
    "ThrottlePolicy",
    "Workspace",
    "input_fingerprint",
    "make_engine",
    "migrate",
    "published_files",
    "scenario_hash",
    "scope_joined",
    "scope_scenario",
]
