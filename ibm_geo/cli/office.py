"""``ibm-geo audit``, ``ibm-geo users`` and ``ibm-geo office``: the office database from the
command line (same settings as the app: ``--db`` URL, else ``[office]`` in the secrets file,
else ``IBM_GEO_DB_URL`` / ``IBM_GEO_DATA_DIR``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from ..errors import IbmGeoError, UserError
from ..i18n import t
from ..office.accounts import Principal
from ..office.rosters import new_key
from ..office.scope import Scope
from ..office.settings import OfficeSettings
from ..office.setup import TOKEN_HOURS, issue_token
from ..office.store import Office, current_revision
from .context import cli_lang

#: help and output of the office commands are ``help.<command path>`` (and
#: ``help.<command path> <--option>``) and ``office.cli.*`` texts of the catalogue
#: (``ibm_geo/locales``); the CLI's help reads them in the run's language (``ibm_geo.cli.boundary``)


def _h(key: str) -> str:
    """The English help of ``key`` (shown as is with --lang en; the CLI swaps in ``id``)."""
    return t(f"help.{key}", "en")


def _lang() -> str:
    """The run's language (the :class:`~ibm_geo.cli.context.RunContext` of this command)."""
    return cli_lang()


def _say(key: str, err: bool = False, **fmt: object) -> None:
    typer.echo(t(f"office.cli.{key}", _lang(), **fmt), err=err)


DbOpt = Annotated[
    str | None,
    typer.Option("--db", help=_h("--db")),
]
SecretsOpt = Annotated[
    Path,
    typer.Option("--secrets", help=_h("--secrets")),
]
DEFAULT_SECRETS = Path(".streamlit/secrets.toml")

audit_app = typer.Typer(no_args_is_help=True, help=_h("audit"))
users_app = typer.Typer(no_args_is_help=True, help=_h("users"))
office_app = typer.Typer(no_args_is_help=True, help=_h("office"))


def _fail(e: IbmGeoError) -> None:
    lang = _lang()
    typer.echo(t("cli.error", lang, message=e.message(lang)), err=True)
    raise typer.Exit(code=2)


def _settings(db: str | None, secrets: Path):
    data = {}
    if secrets.is_file():
        try:
            data = tomllib.loads(secrets.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise UserError("office.config", key=str(secrets), detail=str(e)) from None
    s = OfficeSettings.load(data)
    if db:
        s = dataclasses.replace(s, db_url=db)
    return s


def _office(db, secrets):
    return Office(_settings(db, secrets))


def _admin():
    return Principal("cli", "admin", Scope.everything(), "command line", via="cli")


def _when(s: str | None) -> dt.datetime | None:
    if not s:
        return None
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        raise UserError("office.bad_date", value=s) from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------ audit
@audit_app.command("list", help=_h("audit list"))
def audit_list(
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
    since: Annotated[str | None, typer.Option(help=_h("--since"))] = None,
    until: Annotated[str | None, typer.Option(help=_h("--until"))] = None,
    actor: Annotated[str | None, typer.Option(help=_h("audit list --actor"))] = None,
    action: Annotated[list[str] | None, typer.Option(help=_h("audit list --action"))] = None,
    limit: Annotated[int, typer.Option(help=_h("audit list --limit"))] = 50,
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
    _say("entries", n=len(df))


@audit_app.command("export", help=_h("audit export"))
def audit_export(
    out: Annotated[Path | None, typer.Option("--out", "-o", help=_h("audit export --out"))] = None,
    fmt: Annotated[str, typer.Option("--format", help=_h("audit export --format"))] = "csv",
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
    since: Annotated[str | None, typer.Option(help=_h("--since"))] = None,
    until: Annotated[str | None, typer.Option(help=_h("--until"))] = None,
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
        _say("wrote", path=out)


def _read_checkpoint(path: Path) -> dict:
    import json

    try:
        cp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError("office.checkpoint_file", file=str(path), detail=str(e)[:120]) from None
    if not isinstance(cp, dict):
        raise UserError("office.checkpoint_file", file=str(path), detail="not a JSON object")
    return cp


@audit_app.command("verify", help=_h("audit verify"))
def audit_verify(
    checkpoint: Annotated[
        list[Path] | None, typer.Option("--checkpoint", "-c", help=_h("audit verify --checkpoint"))
    ] = None,
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
) -> None:
    """Check the keyed hash chain (and signed checkpoints): exit 0 when intact, 1 when not."""
    try:
        cps = [_read_checkpoint(p) for p in checkpoint or ()]
        v = _office(db, secrets).audit.check(cps)
    except IbmGeoError as e:
        _fail(e)
    if v.ok:
        _say("intact", n=v.entries, cps=v.checkpoints)
        return
    if v.problem == "checkpoint":
        _say("checkpoint_bad", err=True)
    elif v.problem == "missing":
        _say("missing", err=True, entry=v.entry)
    else:
        _say("altered", err=True, entry=v.entry)
    raise typer.Exit(code=1)


@audit_app.command("checkpoint", help=_h("audit checkpoint"))
def audit_checkpoint(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help=_h("audit checkpoint --out"))
    ] = None,
    db: DbOpt = None,
    secrets: SecretsOpt = DEFAULT_SECRETS,
) -> None:
    """Write the log's head (id, hash, count), signed with the audit key, for safe keeping."""
    import json
    import os

    try:
        cp = _office(db, secrets).audit.checkpoint("cli", role="admin", via="cli")
    except IbmGeoError as e:
        _fail(e)
    text = json.dumps(cp, indent=1, sort_keys=True) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    tmp = out.with_name(out.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out)
    _say("checkpoint", path=out, n=cp["entries"], entry=cp["head_id"])


# ------------------------------------------------------------------------------------ users
def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    lang = _lang()
    return typer.prompt(
        t("office.cli.password", lang),
        hide_input=True,
        confirmation_prompt=t("office.cli.password_again", lang),
    )


@users_app.command("add", help=_h("users add"))
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help=_h("users add --role"))],
    provinsi: Annotated[list[str] | None, typer.Option(help=_h("users add --provinsi"))] = None,
    kab_kota: Annotated[
        list[str] | None, typer.Option("--kab-kota", help=_h("users add --kab-kota"))
    ] = None,
    oidc: Annotated[bool, typer.Option(help=_h("users add --oidc"))] = False,
    password_stdin: Annotated[bool, typer.Option(help=_h("--password-stdin"))] = False,
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
    _say("added", user=p.username, role=p.role, scope=p.scope.label())


@users_app.command("set", help=_h("users set"))
def users_set(
    username: str,
    role: Annotated[str | None, typer.Option(help=_h("users set --role"))] = None,
    provinsi: Annotated[list[str] | None, typer.Option(help=_h("users set --provinsi"))] = None,
    kab_kota: Annotated[
        list[str] | None, typer.Option("--kab-kota", help=_h("users set --kab-kota"))
    ] = None,
    disable: Annotated[bool, typer.Option(help=_h("users set --disable"))] = False,
    enable: Annotated[bool, typer.Option(help=_h("users set --enable"))] = False,
    password: Annotated[bool, typer.Option(help=_h("users set --password"))] = False,
    password_stdin: Annotated[bool, typer.Option(help=_h("--password-stdin"))] = False,
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
    _say("changed", user=p.username, role=p.role, scope=p.scope.label())


@users_app.command("list", help=_h("users list"))
def users_list(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Every account with role, area, login kind and whether it is active."""
    try:
        rows = _office(db, secrets).accounts.list_users()
    except IbmGeoError as e:
        _fail(e)
    lang = _lang()
    for r in rows:
        login = t(f"office.cli.login.{r['login']}", lang)
        state = t("office.cli.active" if r["active"] else "office.cli.disabled", lang)
        typer.echo(f"{r['username']:<30} {r['role']:<10} {r['scope']:<30} {login:<8} {state}")


# ----------------------------------------------------------------------------------- office
@office_app.command("init", help=_h("office init"))
def office_init(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Create or upgrade the database schema (Alembic) and print where it is. While the office
    has no admin, also print a one-time setup token for the app's first-admin page."""
    try:
        o = _office(db, secrets)
        token = issue_token(o.accounts)
    except IbmGeoError as e:
        _fail(e)
    url = o.engine.url.render_as_string(hide_password=True)
    _say("revision", url=url, rev=current_revision(o.engine))
    if token:
        _say("setup_token", hours=TOKEN_HOURS, token=token)


@office_app.command("new-key", help=_h("office new-key"))
def office_new_key() -> None:
    """Print a new roster encryption key (for [office] roster_keys)."""
    typer.echo(new_key())


@office_app.command("set", help=_h("office set"))
def office_set(
    key: str, value: str, db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS
) -> None:
    """Change an office setting: store_rosters true/false, roster_retention_days N."""
    try:
        _office(db, secrets).set_setting(_admin(), key, value)
    except IbmGeoError as e:
        _fail(e)
    typer.echo(f"{key} = {value}")


@office_app.command("purge", help=_h("office purge"))
def office_purge(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Delete client rosters past their retention period (run daily, e.g. a systemd timer)."""
    try:
        n = _office(db, secrets).rosters().purge_expired(actor="cli")
    except IbmGeoError as e:
        _fail(e)
    _say("purged", n=n)


@office_app.command("rotate-key", help=_h("office rotate-key"))
def office_rotate(db: DbOpt = None, secrets: SecretsOpt = DEFAULT_SECRETS) -> None:
    """Re-encrypt stored rosters with the first of [office] roster_keys."""
    try:
        n = _office(db, secrets).rosters().rotate(actor="cli")
    except IbmGeoError as e:
        _fail(e)
    _say("rotated", n=n)
