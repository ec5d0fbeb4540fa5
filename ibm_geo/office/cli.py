"""``ibm-geo audit``, ``ibm-geo users`` and ``ibm-geo office``: the office database from the
command line (same settings as the app: ``--db`` URL, else ``[office]`` in the secrets file,
else ``IBM_GEO_DB_URL`` / ``IBM_GEO_DATA_DIR``)."""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from ..errors import IbmGeoError, UserError

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (sqlite:///... or postgresql+psycopg://...)."),
]
SecretsOpt = Annotated[
    Path,
    typer.Option("--secrets", help="Secrets file with an [office] table (as the app reads it)."),
]
DEFAULT_SECRETS = Path(".streamlit/secrets.toml")

audit_app = typer.Typer(no_args_is_help=True, help="List, export or verify the audit log.")
users_app = typer.Typer(no_args_is_help=True, help="Office accounts: add, change, list.")
office_app = typer.Typer(
    no_args_is_help=True, help="Office database: init, settings, keys, retention."
)


def _fail(e: IbmGeoError) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(code=2)


def _settings(db: str | None, secrets: Path):
    from .settings import OfficeSettings

    data = {}
    if secrets.is_file():
        try:
            data = tomllib.loads(secrets.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise UserError("office.config", key=str(secrets), detail=str(e)) from None
    s = OfficeSettings.load(data)
    if db:
        s = OfficeSettings(db_url=db, roster_keys=s.roster_keys, oidc_allow=s.oidc_allow)
    return s


def _office(db, secrets):
    from .store import Office

    return Office(_settings(db, secrets))


def _admin():
    from .accounts import Principal
    from .scope import Scope

    return Principal("cli", "admin", Scope.everything(), "command line", via="cli")


def _when(s: str | None) -> dt.datetime | None:
    if not s:
        return None
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        raise UserError(
            "office.config", key="--since/--until", detail=f"'{s}' is not a date (YYYY-MM-DD)"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------ audit
@audit_app.command("list")
def audit_list(
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
    since: Annotated[
        str | None, typer.Option(help="From this date/time (UTC), e.g. 2026-11-01.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this date/time (UTC).")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this user.")] = None,
    action: Annotated[
        list[str] | None, typer.Option(help="Only these actions (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Newest n entries (0 = all).")] = 50,
) -> None:
    """Print the newest entries: id, time, user, action, area and details."""
    try:
        o = _office(db, secrets)
        df = o.audit.entries(
            since=_when(since), until=_when(until), actor=actor, action=action, limit=limit or None
        )
    except IbmGeoError as e:
        _fail(e)
    for r in df.itertuples():
        typer.echo(
            f"{r.id:>6}  {r.at:%Y-%m-%d %H:%M:%S}Z  {r.actor:<24} {r.action:<16} {r.scope or '-':<20} {r.details}"
        )
    typer.echo(f"{len(df)} entries")


@audit_app.command("export")
def audit_export(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
    since: Annotated[str | None, typer.Option(help="From this date/time (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date/time (UTC).")] = None,
) -> None:
    """Write the log (with its hash chain, so the copy can be checked) as CSV or JSON lines."""
    try:
        o = _office(db, secrets)
        data = o.audit.export(fmt, since=_when(since), until=_when(until))
        o.audit.record(
            "cli",
            "audit_exported",
            format=fmt,
            export_sha256=__import__("hashlib").sha256(data).hexdigest(),
            role="admin",
        )
    except IbmGeoError as e:
        _fail(e)
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {out}")


@audit_app.command("verify")
def audit_verify(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Check the hash chain: exit 0 when intact, 1 with the first altered entry."""
    try:
        ok, bad = _office(db, secrets).audit.verify()
    except IbmGeoError as e:
        _fail(e)
    if ok:
        typer.echo("audit log intact")
    else:
        typer.echo(f"audit log altered at entry {bad}", err=True)
        raise typer.Exit(code=1)


# ------------------------------------------------------------------------------------ users
def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, perencana or pembaca.")],
    provinsi: Annotated[
        list[str] | None, typer.Option(help="Province of the account (repeatable).")
    ] = None,
    kab_kota: Annotated[
        list[str] | None,
        typer.Option("--kab-kota", help="Kab/kota for a BNNK account (repeatable)."),
    ] = None,
    oidc: Annotated[
        bool, typer.Option(help="Signs in through OpenID Connect (username = e-mail), no password.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input.")
    ] = False,
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
) -> None:
    """Add an account, e.g. `ibm-geo users add budi --role perencana --provinsi Bali --kab-kota "Kota Denpasar"`."""
    try:
        o = _office(db, secrets)
        pw = None if oidc else _password(password_stdin)
        p = o.accounts.add_user(
            username, role, password=pw, provinsi=provinsi or (), kab_kota=kab_kota or (), by="cli"
        )
    except IbmGeoError as e:
        _fail(e)
    typer.echo(f"added {p.username}: {p.role} {p.scope.label()}")


@users_app.command("set")
def users_set(
    username: str,
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    provinsi: Annotated[list[str] | None, typer.Option(help="New province(s).")] = None,
    kab_kota: Annotated[list[str] | None, typer.Option("--kab-kota", help="New kab/kota.")] = None,
    disable: Annotated[bool, typer.Option(help="Disable the account (kept for the log).")] = False,
    enable: Annotated[bool, typer.Option(help="Enable it again.")] = False,
    password: Annotated[bool, typer.Option(help="Set a new password (prompted).")] = False,
    password_stdin: Annotated[
        bool, typer.Option(help="Read the new password from standard input.")
    ] = False,
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
) -> None:
    """Change role, area, password, or disable an account."""
    try:
        o = _office(db, secrets)
        pw = _password(password_stdin) if (password or password_stdin) else None
        active = False if disable else (True if enable else None)
        p = o.accounts.update_user(
            username,
            role=role,
            provinsi=provinsi,
            kab_kota=kab_kota,
            active=active,
            password=pw,
            by="cli",
        )
    except IbmGeoError as e:
        _fail(e)
    typer.echo(f"changed {p.username}: {p.role} {p.scope.label()}")


@users_app.command("list")
def users_list(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Every account with role, area, login kind and whether it is active."""
    try:
        rows = _office(db, secrets).accounts.list_users()
    except IbmGeoError as e:
        _fail(e)
    for r in rows:
        typer.echo(
            f"{r['username']:<30} {r['role']:<10} {r['scope']:<30} {r['login']:<8} {'active' if r['active'] else 'disabled'}"
        )


# ----------------------------------------------------------------------------------- office
@office_app.command("init")
def office_init(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Create or upgrade the database schema (Alembic) and print where it is."""
    from .store import current_revision

    try:
        o = _office(db, secrets)
    except IbmGeoError as e:
        _fail(e)
    typer.echo(
        f"{o.engine.url.render_as_string(hide_password=True)} at revision {current_revision(o.engine)}"
    )


@office_app.command("new-key")
def office_new_key() -> None:
    """Print a new roster encryption key (for [office] roster_keys)."""
    from .rosters import new_key

    typer.echo(new_key())


@office_app.command("set")
def office_set(
    key: str, value: str, db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS
) -> None:
    """Change an office setting: store_rosters true/false, roster_retention_days N."""
    try:
        _office(db, secrets).set_setting(_admin(), key, value)
    except IbmGeoError as e:
        _fail(e)
    typer.echo(f"{key} = {value}")


@office_app.command("purge")
def office_purge(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Delete client rosters past their retention period (run daily, e.g. a systemd timer)."""
    try:
        n = _office(db, secrets).rosters().purge_expired(actor="cli")
    except IbmGeoError as e:
        _fail(e)
    typer.echo(f"deleted {n} expired rosters")


@office_app.command("rotate-key")
def office_rotate(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Re-encrypt stored rosters with the first of [office] roster_keys."""
    try:
        n = _office(db, secrets).rosters().rotate(actor="cli")
    except IbmGeoError as e:
        _fail(e)
    typer.echo(f"re-encrypted {n} rosters")
