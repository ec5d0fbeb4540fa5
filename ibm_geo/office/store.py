"""Opening the office database (one URL) and the calls the app and CLI make on it.

:class:`Office` bundles the accounts, the audit log, the workspace and the roster store over one
SQLAlchemy engine whose schema Alembic brings up to date on open. :meth:`Office.analyze` and
:meth:`Office.export` are where scope and logging are enforced for a signed-in user, so the app
cannot forget either: analysis runs on the user's area only, and every export is checked
against that area and logged (kind, hash, size) before its bytes are handed out.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event

from ..errors import UserError
from ..pipeline import analyze_joined
from .accounts import Accounts, Principal
from .audit import AuditLog, scenario_hash, sha256
from .auditkey import key_id, load_key
from .models import office_settings, reading
from .rosters import RosterStore
from .scope import Scope, scope_joined, scope_scenario
from .settings import OfficeSettings
from .workspace import Workspace

MIGRATIONS = Path(__file__).with_name("migrations")
#: admin-editable settings kept in the database, with their defaults
DB_SETTINGS = {"store_rosters": "false", "roster_retention_days": "30"}
#: the office_settings row holding the record-key secret (never shown, never exported)
RECORD_SECRET = "record_key_secret"
#: the office_settings row naming the audit key the log is written with (its public fingerprint)
AUDIT_KEY_ID = "audit_key_id"


def _redact(url: sa.engine.URL) -> str:
    return url.render_as_string(hide_password=True)


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; a bad or unreachable URL is a one-line :class:`UserError`."""
    try:
        u = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise UserError("office.db_url", url=str(url).split("@")[-1]) from None
    kw: dict = {"pool_pre_ping": True}
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            private_store(Path(u.database).expanduser())
        kw["connect_args"] = {"timeout": 30, "check_same_thread": False}
    try:
        engine = sa.create_engine(u, **kw)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError):
        raise UserError("office.db_url", url=_redact(u)) from None
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as e:
        raise UserError(
            "office.db_unreachable", url=_redact(u), detail=str(e.orig or e).splitlines()[0]
        ) from None
    return engine


def private_store(path: Path) -> None:
    """The SQLite file 0600 in a folder created 0700: accounts, the audit log and the workspace
    are nobody else's to read on a shared server. SQLite gives the -wal and -shm files the
    database file's mode. A file made looser by hand is tightened when we own it."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # whatever the umask
    if not path.exists():
        try:  # an empty file is an empty SQLite database
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError:
            return  # unwritable folder: SQLite says so when it opens the file
    for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = f.stat()
            if st.st_mode & 0o077 and st.st_uid == os.geteuid():
                os.chmod(f, 0o600)
        except OSError:
            continue


def _sqlite_pragmas(engine: sa.Engine) -> None:
    """WAL (readers do not block the writer), a busy timeout, and write transactions that take
    the write lock at BEGIN, so two app processes never interleave the audit hash chain."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _rec):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # a plain BEGIN for reads (models.reading): with WAL they see a snapshot, need no lock
        read = conn.get_execution_options().get("ibm_geo_read_only")
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: sa.Engine, audit_key: bytes | None = None) -> str:
    """Bring the schema to the newest revision; returns it. ``audit_key`` seals the unkeyed
    entries of an older log (migration 0002)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["audit_key"] = audit_key
        command.upgrade(cfg, "head")
    return current_revision(engine)


def current_revision(engine: sa.Engine) -> str | None:
    with reading(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class Office:
    """The office database and everything stored in it."""

    def __init__(self, settings: OfficeSettings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.db_url)
        key = self._audit_key()
        migrate(self.engine, key)
        self._remember_key(key)
        self.audit = AuditLog(self.engine, key)
        self.accounts = Accounts(self.engine, self.audit, settings.throttle)

    @classmethod
    def open(cls, url_or_settings: str | OfficeSettings | None = None) -> Office:
        if url_or_settings is None:
            return cls(OfficeSettings.load())
        if isinstance(url_or_settings, str):
            return cls(OfficeSettings(db_url=url_or_settings))
        return cls(url_or_settings)

    def _stored_key_id(self) -> str | None:
        if not sa.inspect(self.engine).has_table("office_settings"):
            return None
        with reading(self.engine) as conn:
            return conn.execute(
                sa.select(office_settings.c.value).where(office_settings.c.key == AUDIT_KEY_ID)
            ).scalar()

    def _audit_key(self) -> bytes:
        """The audit key; a new key file only for a log never written with a key, and a key
        other than the log's is refused before it writes one entry the log cannot verify."""
        stored = self._stored_key_id()
        key = load_key(self.settings, create=stored is None)
        if stored is not None and stored != key_id(key):
            where = (
                "IBM_GEO_AUDIT_KEY"
                if self.settings.audit_key
                else str(self.settings.audit_key_path())
            )
            raise UserError(
                "office.audit_key_mismatch", where=where, stored=stored, got=key_id(key)
            )
        return key

    def _remember_key(self, key: bytes) -> None:
        if self._stored_key_id() is not None:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    office_settings.insert().values(
                        key=AUDIT_KEY_ID,
                        value=key_id(key),
                        updated_by="system",
                        updated_at=dt.datetime.now(dt.UTC),
                    )
                )
        except sa.exc.IntegrityError:
            pass  # another process wrote it first (the same key: the same file)

    def close(self) -> None:
        self.engine.dispose()

    # -- the record-key secret of the cell key method (docs/PRIVACY.md) ----------------------
    def record_secret(self) -> bytes:
        """The office's secret for clients' record keys (:mod:`ibm_geo.record_keys`), kept in
        its store so every planner of the office, on every server, perturbs the same cell the
        same way; made on first use, never written into an output or the audit log."""
        cached = getattr(self, "_record_secret", None)
        if cached is not None:
            return cached
        with reading(self.engine) as conn:
            v = conn.execute(
                sa.select(office_settings.c.value).where(office_settings.c.key == RECORD_SECRET)
            ).scalar()
        if v is None:
            import os

            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        office_settings.insert().values(
                            key=RECORD_SECRET,
                            value=os.urandom(32).hex(),
                            updated_by="system",
                            updated_at=dt.datetime.now(dt.UTC),
                        )
                    )
            except sa.exc.IntegrityError:
                pass  # another process made it first: read theirs
            return self.record_secret()
        self._record_secret = bytes.fromhex(v)
        return self._record_secret

    # -- settings kept in the database (admin) ----------------------------------------------
    def get_setting(self, key: str) -> str:
        with reading(self.engine) as conn:
            v = conn.execute(
                sa.select(office_settings.c.value).where(office_settings.c.key == key)
            ).scalar()
        return DB_SETTINGS[key] if v is None else v

    def set_setting(self, principal: Principal, key: str, value: str) -> None:
        principal.require("settings")
        if key not in DB_SETTINGS:
            raise UserError("office.bad_setting", key=key, keys=list(DB_SETTINGS))
        value = str(value).strip().lower()
        if key == "store_rosters" and value not in ("true", "false"):
            raise UserError("office.bad_setting_value", key=key, value=value)
        if key == "roster_retention_days" and not (value.isdigit() and 1 <= int(value) <= 3650):
            raise UserError("office.bad_setting_value", key=key, value=value)
        if key == "store_rosters" and value == "true" and not self.settings.roster_keys:
            raise UserError("office.no_roster_key")
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(office_settings.delete().where(office_settings.c.key == key))
            conn.execute(
                office_settings.insert().values(
                    key=key, value=value, updated_by=principal.username, updated_at=now
                )
            )
        self.audit.record(
            principal.username, "settings_changed", setting=key, value=value, **principal.audit_kw
        )

    # -- parts -------------------------------------------------------------------------------
    def workspace(self, principal: Principal) -> Workspace:
        return Workspace(self.engine, self.audit, principal)

    def rosters(self) -> RosterStore:
        return RosterStore(
            self.engine,
            self.audit,
            self.settings.roster_keys,
            self.get_setting("store_rosters") == "true",
            int(self.get_setting("roster_retention_days")),
        )

    # -- scoped work ---------------------------------------------------------------------------
    def log_inputs(self, principal: Principal, fingerprints: list[dict]) -> None:
        """Which files a user gave (hashes and row counts, never the content)."""
        principal.require("upload")
        self.audit.record(
            principal.username, "inputs_loaded", inputs=fingerprints, **principal.audit_kw
        )

    def scoped(self, principal: Principal, joined, scenario):
        """(joined, scenario) cut to the user's area: what every analysis of theirs starts from."""
        principal.require("analyze")
        return scope_joined(joined, principal.scope), scope_scenario(scenario, principal.scope)

    def analyze(self, principal: Principal, joined, scenario, *, log: bool = True):
        """Coverage, counts and score of the user's area only (logged with the scenario hash)."""
        j, sc = self.scoped(principal, joined, scenario)
        result = analyze_joined(j, sc, secret=self.record_secret())
        if log:
            self.audit.record(
                principal.username,
                "analysis",
                scenario_hash=scenario_hash(sc),
                scenario_name=sc.name[:200],
                units=len(result.kelurahan),
                **principal.audit_kw,
            )
        return result

    def export(
        self,
        principal: Principal,
        kind: str,
        data: bytes,
        *,
        kelurahan=None,
        scenario=None,
        published: bool = False,
    ) -> bytes:
        """Check and log one export, then hand its bytes back. ``kelurahan`` (the table it was
        built from) must lie inside the user's scope; ``published`` exports (from the workspace)
        need only the viewer's right."""
        principal.require("export_published" if published else "export")
        if kelurahan is not None and not principal.scope.is_everything:
            inside = principal.scope.unit_mask(kelurahan)
            if not inside.all():
                self.audit.record(
                    principal.username,
                    "access_denied",
                    export_kind=kind,
                    reason="outside_scope",
                    **principal.audit_kw,
                )
                raise UserError(
                    "office.scope_denied",
                    field="kab_kota",
                    areas=sorted(set(kelurahan.loc[~inside, "kab_kota"].astype(str)))[:5],
                    scope=principal.scope.label(),
                )
        self.audit.record(
            principal.username,
            "export",
            export_kind=kind,
            export_sha256=sha256(data),
            export_bytes=len(data),
            scenario_hash=scenario_hash(scenario) if scenario is not None else None,
            **principal.audit_kw,
        )
        return data


def scope_from_json(provinsi: str, kab_kota: str) -> Scope:
    return Scope.of(json.loads(provinsi or "[]"), json.loads(kab_kota or "[]"))
