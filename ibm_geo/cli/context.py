"""What one CLI run knows before any command runs: its language and whether bugs show their
traceback. Built once by the error boundary from the command line and the environment and handed
to click as the root context's ``obj``, so the main and the office commands read the same frozen
object instead of a module global that one sets and the other imports back."""

from __future__ import annotations

import os
from dataclasses import dataclass

import typer
from typer._click.globals import get_current_context

from ..i18n import t

#: languages of CLI messages: --lang, else IBM_GEO_LANG, else Indonesian
LANGS = ("id", "en")


def lang_from(args: list[str]) -> str:
    """The run's language: ``--lang`` anywhere on the line, else IBM_GEO_LANG, else ``id``
    (read before click parses, so usage errors and help are in it too)."""
    lang = os.environ.get("IBM_GEO_LANG", "id")
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            lang = args[i + 1]
        elif a.startswith("--lang="):
            lang = a.split("=", 1)[1]
    return lang if lang in LANGS else "id"


def command_word(args: list[str]) -> str:
    """The command named on the line: the first word that is neither an option nor the value
    of ``--lang`` (``ibm-geo --lang en plan ...`` runs ``plan``, not ``en``)."""
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a == "--lang":
            skip = True
        elif not a.startswith("-"):
            return a
    return ""


@dataclass(frozen=True)
class RunContext:
    """One run of ``ibm-geo``: ``lang`` of every printed line and error, ``command`` the first
    word on the line (named in usage errors), ``debug`` whether a bug re-raises with its
    traceback (IBM_GEO_DEBUG)."""

    lang: str = "id"
    command: str = ""
    debug: bool = False

    @classmethod
    def from_argv(cls, argv: list[str]) -> RunContext:
        return cls(
            lang=lang_from(argv),
            command=command_word(argv),
            debug=bool(os.environ.get("IBM_GEO_DEBUG")),
        )

    def say(self, key: str, err: bool = False, **fmt: object) -> None:
        """Print catalogue text ``key`` in the run's language (every line for people is one)."""
        typer.echo(t(key, self.lang, **fmt), err=err)


def current() -> RunContext:
    """The context of the command being run (the root click context's ``obj``); outside a run
    (a command function called directly) the defaults."""
    ctx = get_current_context(silent=True)
    run = ctx.find_object(RunContext) if ctx is not None else None
    return run if run is not None else RunContext()


def cli_lang() -> str:
    """The language chosen for this run."""
    return current().lang
