"""The office admin commands (`ibm-geo users|audit|office`) speak the run's language: output
lines and --help in Bahasa Indonesia by default, English with --lang en (issue 14)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from ibm_geo.cli import app as cli_app
from ibm_geo.i18n import LOCALES, load_catalogue

#: the office commands' texts: help of the audit, users and office groups, and their lines
TEXTS = {
    k: v
    for k, v in load_catalogue(LOCALES).items()
    if k.startswith(("help.audit", "help.users", "help.office", "office.cli."))
}

PW = "kata-sandi-panjang-1"


def _run(args: list[str], **kw) -> tuple[int, str]:
    res = CliRunner().invoke(cli_app, args, **kw)
    return res.exit_code, res.output


def test_users_and_audit_lines_in_indonesian_then_english(tmp_path, monkeypatch):
    monkeypatch.delenv("IBM_GEO_LANG", raising=False)
    db = f"sqlite:///{tmp_path / 'o.sqlite'}"
    add = ["users", "add", "budi", "--role", "perencana", "--provinsi", "Bali"]
    code, out = _run([*add, "--password-stdin", "--db", db], input=PW + "\n")
    assert code == 0 and out.strip() == "ditambahkan budi: perencana Bali"
    code, out = _run(["users", "add", "ani@bnn.go.id", "--role", "pembaca", "--oidc",
                      "--provinsi", "Bali", "--db", db])  # fmt: skip
    assert code == 0
    code, out = _run(["users", "set", "ani@bnn.go.id", "--disable", "--db", db])
    assert code == 0 and out.strip() == "diubah ani@bnn.go.id: pembaca Bali"
    code, out = _run(["users", "list", "--db", db])
    rows = [line.split() for line in out.splitlines()]
    assert rows == [["ani@bnn.go.id", "pembaca", "Bali", "oidc", "nonaktif"],
                    ["budi", "perencana", "Bali", "sandi", "aktif"]]  # fmt: skip
    code, out = _run(["audit", "list", "--db", db])
    assert code == 0 and out.splitlines()[-1] == "3 entri"
    assert _run(["audit", "verify", "--db", db]) == (
        0,
        "log audit utuh (3 entri, 0 titik periksa cocok)\n",
    )
    code, out = _run(["audit", "export", "--db", db, "--out", str(tmp_path / "log.csv")])
    assert code == 0 and out.strip() == f"ditulis: {tmp_path / 'log.csv'}"
    code, out = _run(["audit", "list", "--since", "kemarin", "--db", db])
    assert code == 2 and out.strip() == (
        "kesalahan: --since/--until: 'kemarin' bukan tanggal; tulis TTTT-BB-HH, mis. 2026-11-01."
    )
    # the same commands in English
    code, out = _run(["--lang", "en", "users", "list", "--db", db])
    assert [line.split()[-1] for line in out.splitlines()] == ["disabled", "active"]
    code, out = _run(["--lang", "en", "audit", "list", "--db", db])
    assert out.splitlines()[-1] == "4 entries"  # + the export above
    code, out = _run(["--lang", "en", "audit", "list", "--since", "x", "--db", db])
    assert code == 2 and "'x' is not a date" in out


def test_help_of_every_office_command_follows_the_language(monkeypatch):
    monkeypatch.delenv("IBM_GEO_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # one help text per line
    commands = [k.split(".", 1)[1] for k in TEXTS if k.startswith("help.") and " --" not in k]
    commands = [c for c in commands if not c.startswith("--")]
    assert len(commands) == 15  # 3 groups, 12 commands
    for cmd in commands:
        for lang, flag in (("id", []), ("en", ["--lang", "en"])):
            code, out = _run([*flag, *cmd.split(), "--help"])
            assert code == 0, (cmd, out)
            text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", out).split())
            want = " ".join(TEXTS[f"help.{cmd}"][lang].split())
            assert want in text, (cmd, lang, text)
    code, out = _run(["audit", "list", "--help"])
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", out).split())
    assert "Hanya tindakan ini (boleh diulang)." in text and "Only these actions" not in text
