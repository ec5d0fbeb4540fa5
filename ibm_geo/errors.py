"""Typed errors with a code and parameters: the one place where every user-facing failure is
declared, so the CLI prints one line and the app shows it in the chosen language. The texts
are the catalogue's ``err.<code>`` entries (``ibm_geo/locales/<lang>.json``).

A failure caused by user input (a file, a scenario, a CLI option, a quota) is raised as
``UserError("code", **params)``. Its message is looked up in :data:`MESSAGES` by code and language
and formatted with the parameters, so no caller ever matches an English sentence by substring and
adding an error touches the catalogue only. ``tests`` check that every code raised exists here and
that both languages name the same parameters.
"""

from __future__ import annotations

import string
from typing import Any

from ibm_geo.i18n import LOCALES, load_catalogue

#: code -> {"id": template, "en": template}, read from the catalogue's ``err.<code>`` texts
#: (``ibm_geo/locales``); templates use ``{param}`` fields. Every message says what is wrong,
#: where (file/table, column or key) and what to do.
MESSAGES: dict[str, dict[str, str]] = {
    key.removeprefix("err."): dict(langs)
    for key, langs in load_catalogue(LOCALES).items()
    if key.startswith("err.")
}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


class IbmGeoError(Exception):
    """Base class: anything the CLI turns into a one-line reason and exit 2.

    ``code`` selects the message in :data:`MESSAGES`; ``params`` fill it. ``str(err)`` is the
    English line (logs, tests); :meth:`message` gives either language.
    """

    code: str = "input.generic"

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        if code is not None:
            self.code = code
        if self.code not in MESSAGES:
            raise KeyError(f"unknown error code {self.code!r}: declare it in ibm_geo.errors")
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "id") -> str:
        """The one-line message in ``lang`` (``id`` or ``en``), parameters filled in."""
        return message(self.code, lang, **self.params)

    def __reduce__(self):
        # pickled by code and parameters: readers run in a child process (ibm_geo.io.guard)
        # and their errors travel back; the default (message as the only argument) would not
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type, state: dict) -> IbmGeoError:
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    Exception.__init__(obj, obj.message("en"))
    return obj


def message(code: str, lang: str = "id", /, **params: Any) -> str:
    """The catalog's text for ``code`` in ``lang``, parameters filled in: also for notes that
    are not failures (a solver's fallback reason), so they are declared here too."""
    tpl = MESSAGES[code].get(lang) or MESSAGES[code]["en"]
    values = {k: _text(v) for k, v in params.items()}
    missing = _fields(tpl) - values.keys()
    values.update(dict.fromkeys(missing, ""))
    return " ".join(tpl.format(**values).split())


def _text(v: Any) -> str:
    if isinstance(v, list | tuple | set):
        return ", ".join(str(x) for x in v)
    return str(v)


class UserError(IbmGeoError):
    """A failure caused by what the user gave: raise ``UserError("code", **params)``."""


class InputError(UserError):
    """An input file or table cannot be used at all (bad rows go to DataQuality instead).

    Kept for the existing call sites ``InputError(table, detail, column)``; new code should raise
    :class:`UserError` with a specific code.
    """

    def __init__(self, table: str, message: str, column: str | None = None) -> None:
        self.table = table
        self.column = column
        where = f", column '{column}'" if column else ""
        super().__init__("input.generic", table=table, where=where, detail=message)
