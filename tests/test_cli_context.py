"""The CLI's run context (issue 24): the run's language travels in one frozen object on click's
context, read by the main and the office commands; no module keeps it between runs."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from ibm_geo.cli import app
from ibm_geo.cli.context import RunContext, cli_lang, current, lang_from


def test_the_context_is_frozen_and_read_from_the_command_line(monkeypatch):
    monkeypatch.delenv("IBM_GEO_LANG", raising=False)
    monkeypatch.delenv("IBM_GEO_DEBUG", raising=False)
    run = RunContext.from_argv(["plan", "--lang", "en", "-b", "x"])
    assert run == RunContext(lang="en", command="plan", debug=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.lang = "id"  # type: ignore[misc]
    # the language before the command is not the command (usage errors name `plan`, not `en`)
    assert RunContext.from_argv(["--lang", "en", "plan", "--bogus"]).command == "plan"
    assert RunContext.from_argv(["--lang=en", "why-not"]).command == "why-not"
    assert lang_from(["users", "list", "--lang=en"]) == "en"
    assert lang_from(["--lang", "fr"]) == "id"  # an unknown language falls back
    monkeypatch.setenv("IBM_GEO_LANG", "en")
    assert lang_from([]) == "en" and lang_from(["--lang", "id"]) == "id"


def test_no_language_is_left_behind_between_runs(monkeypatch):
    """An English run, then one without --lang: the second is Indonesian (the old CLI kept the
    language in a module dict that the office commands imported back)."""
    monkeypatch.delenv("IBM_GEO_LANG", raising=False)
    runner = CliRunner()
    en = runner.invoke(app, ["--lang", "en", "scenario", "--preset", "nope"])
    assert en.exit_code == 2 and en.output.startswith("error: ")
    assert current() == RunContext() and cli_lang() == "id"  # outside a run: the defaults
    plain = runner.invoke(app, ["scenario", "--preset", "nope"])
    assert plain.exit_code == 2 and plain.output.startswith("kesalahan: ")


def test_office_commands_read_the_same_context(monkeypatch, tmp_path):
    """`office set` with a bad value fails in the run's language, from the shared context."""
    monkeypatch.setenv("IBM_GEO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IBM_GEO_LANG", raising=False)
    runner = CliRunner()
    sec = ["--secrets", str(tmp_path / "none.toml")]
    en = runner.invoke(app, ["--lang", "en", "office", "set", "store_rosters", "maybe", *sec])
    idn = runner.invoke(app, ["office", "set", "store_rosters", "maybe", *sec])
    assert en.exit_code == idn.exit_code == 2
    assert en.output.startswith("error: ") and idn.output.startswith("kesalahan: ")
