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
from ..i18n import register, t

#: help and output of the office commands in both languages: ``help.<command path>`` (and
#: ``help.<command path> <--option>``) are read by the CLI's help in the run's language
#: (``ibm_geo.cli``), ``office.cli.*`` are the lines the commands print.
TEXTS: dict[str, dict[str, str]] = {
    "help.audit": {
        "id": "Tampilkan, ekspor, atau periksa log audit.",
        "en": "List, export or verify the audit log.",
    },
    "help.users": {
        "id": "Akun kantor: tambah, ubah, tampilkan.",
        "en": "Office accounts: add, change, list.",
    },
    "help.office": {
        "id": "Basis data kantor: inisialisasi, pengaturan, kunci, masa simpan.",
        "en": "Office database: init, settings, keys, retention.",
    },
    "help.--db": {
        "id": "URL basis data (sqlite:///... atau postgresql+psycopg://...).",
        "en": "Database URL (sqlite:///... or postgresql+psycopg://...).",
    },
    "help.--secrets": {
        "id": "Berkas rahasia dengan tabel office (seperti yang dibaca aplikasi).",
        "en": "Secrets file with an office table (as the app reads it).",
    },
    "help.--since": {
        "id": "Sejak tanggal/waktu ini (UTC), mis. 2026-11-01.",
        "en": "From this date/time (UTC), e.g. 2026-11-01.",
    },
    "help.--until": {
        "id": "Sebelum tanggal/waktu ini (UTC).",
        "en": "Before this date/time (UTC).",
    },
    "help.audit list": {
        "id": "Tampilkan entri terbaru: id, waktu, pengguna, tindakan, wilayah dan rincian.",
        "en": "Print the newest entries: id, time, user, action, area and details.",
    },
    "help.audit list --actor": {"id": "Hanya pengguna ini.", "en": "Only this user."},
    "help.audit list --action": {
        "id": "Hanya tindakan ini (boleh diulang).",
        "en": "Only these actions (repeatable).",
    },
    "help.audit list --limit": {
        "id": "n entri terbaru (0 = semua).",
        "en": "Newest n entries (0 = all).",
    },
    "help.audit export": {
        "id": "Tulis log (dengan rantai hash-nya, agar salinan dapat diperiksa) sebagai CSV "
        "atau baris JSON.",
        "en": "Write the log (with its hash chain, so the copy can be checked) as CSV or JSON "
        "lines.",
    },
    "help.audit export --out": {
        "id": "Berkas tujuan (bawaan: keluaran standar).",
        "en": "File to write (default: stdout).",
    },
    "help.audit export --format": {"id": "csv atau jsonl", "en": "csv or jsonl"},
    "help.audit verify": {
        "id": "Periksa rantai hash berkunci (dan titik periksa bertanda tangan): keluar 0 bila "
        "utuh, 1 dengan entri pertama yang diubah atau hilang.",
        "en": "Check the keyed hash chain (and signed checkpoints): exit 0 when intact, 1 with "
        "the first altered or missing entry.",
    },
    "help.audit verify --checkpoint": {
        "id": "Berkas dari 'ibm-geo audit checkpoint' (boleh diulang): entri yang dihapus dari "
        "akhir log pun ketahuan.",
        "en": "A file from 'ibm-geo audit checkpoint' (repeatable): entries deleted from the end "
        "of the log are caught too.",
    },
    "help.audit checkpoint": {
        "id": "Tulis kepala log (id, hash, jumlah entri), ditandatangani dengan kunci audit; "
        "simpan di luar server dan berikan ke 'audit verify --checkpoint'.",
        "en": "Write the log's head (id, hash, number of entries), signed with the audit key; "
        "keep it off the server and give it to 'audit verify --checkpoint'.",
    },
    "help.audit checkpoint --out": {
        "id": "Berkas tujuan, mode 600 (bawaan: keluaran standar).",
        "en": "File to write, mode 600 (default: stdout).",
    },
    "help.users add": {
        "id": "Tambah akun, mis. `ibm-geo users add budi --role perencana --provinsi Bali "
        '--kab-kota "Kota Denpasar"`.',
        "en": "Add an account, e.g. `ibm-geo users add budi --role perencana --provinsi Bali "
        '--kab-kota "Kota Denpasar"`.',
    },
    "help.users add --role": {
        "id": "admin, perencana atau pembaca.",
        "en": "admin, perencana or pembaca.",
    },
    "help.users add --provinsi": {
        "id": "Provinsi akun (boleh diulang).",
        "en": "Province of the account (repeatable).",
    },
    "help.users add --kab-kota": {
        "id": "Kab/kota untuk akun BNNK (boleh diulang).",
        "en": "Kab/kota for a BNNK account (repeatable).",
    },
    "help.users add --oidc": {
        "id": "Masuk lewat OpenID Connect (nama pengguna = e-mail), tanpa kata sandi.",
        "en": "Signs in through OpenID Connect (username = e-mail), no password.",
    },
    "help.--password-stdin": {
        "id": "Baca kata sandi dari masukan standar.",
        "en": "Read the password from standard input.",
    },
    "help.users set": {
        "id": "Ubah peran, wilayah, kata sandi, atau nonaktifkan akun.",
        "en": "Change role, area, password, or disable an account.",
    },
    "help.users set --role": {"id": "Peran baru.", "en": "New role."},
    "help.users set --provinsi": {"id": "Provinsi baru.", "en": "New province(s)."},
    "help.users set --kab-kota": {"id": "Kab/kota baru.", "en": "New kab/kota."},
    "help.users set --disable": {
        "id": "Nonaktifkan akun (tetap disimpan untuk log).",
        "en": "Disable the account (kept for the log).",
    },
    "help.users set --enable": {"id": "Aktifkan kembali.", "en": "Enable it again."},
    "help.users set --password": {
        "id": "Tetapkan kata sandi baru (ditanyakan).",
        "en": "Set a new password (prompted).",
    },
    "help.users list": {
        "id": "Setiap akun dengan peran, wilayah, cara masuk dan status aktif.",
        "en": "Every account with role, area, login kind and whether it is active.",
    },
    "help.office init": {
        "id": "Buat atau perbarui skema basis data (Alembic) dan tampilkan lokasinya; selama "
        "belum ada admin, cetak juga token penyiapan sekali pakai untuk admin pertama.",
        "en": "Create or upgrade the database schema (Alembic) and print where it is; while there "
        "is no admin, also print a one-time setup token for the first admin.",
    },
    "help.office new-key": {
        "id": "Tampilkan kunci enkripsi daftar klien baru (untuk office.roster_keys).",
        "en": "Print a new roster encryption key (for office.roster_keys).",
    },
    "help.office set": {
        "id": "Ubah pengaturan kantor: store_rosters true/false, roster_retention_days N.",
        "en": "Change an office setting: store_rosters true/false, roster_retention_days N.",
    },
    "help.office purge": {
        "id": "Hapus daftar klien yang melewati masa simpannya (jalankan harian, mis. timer "
        "systemd).",
        "en": "Delete client rosters past their retention period (run daily, e.g. a systemd "
        "timer).",
    },
    "help.office rotate-key": {
        "id": "Enkripsi ulang daftar klien tersimpan dengan kunci pertama di office.roster_keys.",
        "en": "Re-encrypt stored rosters with the first of office.roster_keys.",
    },
    "office.cli.entries": {"id": "{n} entri", "en": "{n} entries"},
    "office.cli.wrote": {"id": "ditulis: {path}", "en": "wrote {path}"},
    "office.cli.intact": {
        "id": "log audit utuh ({n} entri, {cps} titik periksa cocok)",
        "en": "audit log intact ({n} entries, {cps} checkpoints matched)",
    },
    "office.cli.missing": {
        "id": "log audit kehilangan entri: titik periksa mencatat entri {entry} dan semua entri "
        "sebelumnya, log tidak lagi memuatnya",
        "en": "audit log is missing entries: a checkpoint counted entry {entry} and all before "
        "it, the log no longer holds them",
    },
    "office.cli.checkpoint_bad": {
        "id": "titik periksa tidak ditandatangani dengan kunci audit kantor ini (diubah, atau "
        "dari kantor lain)",
        "en": "checkpoint not signed with this office's audit key (altered, or another office's)",
    },
    "office.cli.checkpoint": {
        "id": "ditulis: {path} ({n} entri, kepala entri {entry}); simpan di luar server",
        "en": "wrote {path} ({n} entries, head entry {entry}); keep it off the server",
    },
    "office.cli.altered": {
        "id": "log audit diubah pada entri {entry}",
        "en": "audit log altered at entry {entry}",
    },
    "office.cli.password": {"id": "Kata sandi", "en": "Password"},
    "office.cli.password_again": {"id": "Ulangi kata sandi", "en": "Repeat for confirmation"},
    "office.cli.added": {
        "id": "ditambahkan {user}: {role} {scope}",
        "en": "added {user}: {role} {scope}",
    },
    "office.cli.changed": {
        "id": "diubah {user}: {role} {scope}",
        "en": "changed {user}: {role} {scope}",
    },
    "office.cli.active": {"id": "aktif", "en": "active"},
    "office.cli.disabled": {"id": "nonaktif", "en": "disabled"},
    "office.cli.login.password": {"id": "sandi", "en": "password"},
    "office.cli.login.oidc": {"id": "oidc", "en": "oidc"},
    "office.cli.revision": {"id": "{url} pada revisi {rev}", "en": "{url} at revision {rev}"},
    "office.cli.setup_token": {
        "id": "Belum ada admin. Buka aplikasi dan buat admin pertama dengan token penyiapan "
        "sekali pakai ini (berlaku {hours} jam; menjalankan init lagi menggantinya):\n{token}",
        "en": "No admin yet. Open the app and create the first admin with this one-time setup "
        "token (valid {hours} h; running init again replaces it):\n{token}",
    },
    "office.cli.purged": {
        "id": "{n} daftar klien kedaluwarsa dihapus",
        "en": "deleted {n} expired rosters",
    },
    "office.cli.rotated": {
        "id": "{n} daftar klien dienkripsi ulang",
        "en": "re-encrypted {n} rosters",
    },
}
register(TEXTS)


def _h(key: str) -> str:
    """The English help of ``key`` (shown as is with --lang en; the CLI swaps in ``id``)."""
    return TEXTS[f"help.{key}"]["en"]


def _lang() -> str:
    from ..cli import cli_lang

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
    from .settings import OfficeSettings

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
    from .setup import TOKEN_HOURS, issue_token
    from .store import current_revision

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
    from .rosters import new_key

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
