"""The CLI's error boundary and the language of its help: one place for the main and the office
commands."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer import rich_utils
from typer._click import formatting
from typer._click.core import Context
from typer.core import TyperGroup

from ..errors import IbmGeoError, UserError
from ..i18n import has, t
from .context import RunContext, current

#: every line the CLI prints for people is a ``cli.*`` text of the catalogue
#: (``ibm_geo/locales``); errors are its ``err.*`` texts; help of the commands and click's
#: frame words are its ``help.*`` texts


def _option_name(param: Any) -> str:
    if param is None:
        return "?"
    opts = getattr(param, "opts", None) or [getattr(param, "name", "?")]
    return " / ".join(opts)


def _kinds(e: BaseException) -> set[str]:
    """Class names in the MRO: typer >= 0.20 vendors its own click, so the usage errors are
    recognised by name rather than by importing one click's classes."""
    return {c.__name__ for c in type(e).__mro__}


def _usage_error(e: Exception, command: str, commands: list[str]) -> UserError:
    """click's English usage errors as catalog errors (one line, either language)."""
    kinds = _kinds(e)
    msg = getattr(e, "message", "") or str(e)
    if "MissingParameter" in kinds:
        return UserError("cli.missing_option", option=_option_name(e.param), command=command)
    if "NoSuchOption" in kinds:
        return UserError("cli.no_such_option", option=e.option_name, command=command)
    if "BadParameter" in kinds:
        return UserError("cli.bad_value", option=_option_name(e.param), detail=msg, command=command)
    if "No such command" in msg:
        name = msg.split("'")[1] if "'" in msg else "?"
        return UserError("cli.no_such_command", name=name, commands=commands)
    return UserError("cli.usage", detail=msg, command=command)


def _say(err: IbmGeoError, lang: str) -> None:
    typer.echo(t("cli.error", lang, message=err.message(lang)), err=True)


def _swap(obj: Any, key: str, lang: str) -> None:
    """Put the help of ``key`` in ``lang`` on ``obj`` (a command or option); a command or
    option without a ``help.*`` text keeps the help written in the code."""
    if has(key):
        obj.help = t(key, lang)


def _localize_help(group: Any, lang: str, path: tuple[str, ...] = ()) -> None:
    """Help of every command and option in the run's language, from the registered
    ``help.<command path>`` / ``help.<command path> <--option>`` texts (else the shared
    ``help.<--option>``); commands without such texts keep their English help. The
    ``--help`` option itself reads ``help.frame.help``."""
    for name, cmd in (getattr(group, "commands", None) or {}).items():
        here = (*path, name)
        key = "help." + " ".join(here)
        _swap(cmd, key, lang)
        _localize_params(cmd, key, lang)
        _localize_help(cmd, lang, here)


def _localize_params(cmd: Any, key: str, lang: str) -> None:
    help_opt = cmd.get_help_option(Context(cmd))
    if help_opt is not None:
        help_opt.help = t("help.frame.help", lang)
    for param in getattr(cmd, "params", []):
        opt = max(getattr(param, "opts", None) or [""], key=len)
        for k in (f"{key} {opt}", f"help.{opt}"):
            if opt and has(k):
                _swap(param, k, lang)
                break


def _localize_frame(lang: str) -> None:
    """click's and typer's own words around the help (Usage, Options, Commands, Arguments,
    [default], [required]) in the run's language: one place for every command, main and office."""
    rich_utils.OPTIONS_PANEL_TITLE = t("help.frame.options", lang)
    rich_utils.COMMANDS_PANEL_TITLE = t("help.frame.commands", lang)
    rich_utils.ARGUMENTS_PANEL_TITLE = t("help.frame.arguments", lang)
    rich_utils.DEFAULT_STRING = t("help.frame.default", lang)
    rich_utils.REQUIRED_LONG_STRING = t("help.frame.required", lang)
    if not getattr(formatting.HelpFormatter.write_usage, "_ibm_geo", False):
        plain = formatting.HelpFormatter.write_usage

        def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
            usage = t("help.frame.usage", current().lang) if prefix is None else prefix
            plain(self, prog, args, usage)

        write_usage._ibm_geo = True  # type: ignore[attr-defined]
        formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


class Boundary(TyperGroup):
    """Every way the CLI can fail becomes one line on stderr: exit 2 for anything the user gave
    (files, scenario, options), exit 1 for a bug (with IBM_GEO_DEBUG=1 for the traceback).
    The run's :class:`RunContext` rides on the root click context (``obj``)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        run = RunContext.from_argv(argv)
        lang = run.lang
        _localize_frame(lang)
        _swap(self, "help.ibm-geo", lang)
        _localize_params(self, "help.ibm-geo", lang)
        _localize_help(self, lang)
        extra.setdefault("obj", run)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except (KeyboardInterrupt, SystemExit):
            raise
        except IbmGeoError as e:
            _say(e, lang)
            rv = 2
        except Exception as e:
            rv = self._failed(e, run)
        rv = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(rv)
        return rv

    def _failed(self, e: Exception, run: RunContext) -> int:
        """The exit code of anything but a user error, after its one line (if any)."""
        kinds = _kinds(e)
        if "NoArgsIsHelpError" in kinds:  # `ibm-geo` alone: the help (typer printed it)
            return 0
        if "Exit" in kinds:
            return getattr(e, "exit_code", 0)
        if "Abort" in kinds:
            typer.echo(t("cli.aborted", run.lang), err=True)
            return 1
        if "ClickException" in kinds or "UsageError" in kinds:
            _say(_usage_error(e, run.command, self.command_names()), run.lang)
            return 2
        if run.debug:
            if getattr(e, "child_traceback", ""):  # a reader's bug, from its child process
                sys.stderr.write(e.child_traceback)
            raise e
        # a bug, not the user's fault: still one line, no traceback on screen
        detail = f"{type(e).__name__}: {e}"[:300]
        _say(UserError("cli.internal", detail=detail), run.lang)
        return 1

    def command_names(self) -> list[str]:
        """The main commands (not the office groups), as usage errors list them."""
        return sorted(n for n, c in self.commands.items() if not hasattr(c, "commands"))
