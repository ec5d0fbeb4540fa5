"""Typed errors with a code and parameters: the one place where every user-facing failure is
declared, so the CLI prints one line and the app shows it in the chosen language.

A failure caused by user input (a file, a scenario, a CLI option, a quota) is raised as
``UserError("code", **params)``. Its message is looked up in :data:`MESSAGES` by code and language
and formatted with the parameters, so no caller ever matches an English sentence by substring and
adding an error touches this file only. ``tests`` check that every code raised exists here and
that both languages name the same parameters.

Sections below are per domain (one per issue area) so that parallel work adds codes without
touching each other's lines.
"""

from __future__ import annotations

import string
from typing import Any

#: code -> {"id": template, "en": template}; templates use ``{param}`` fields. Every message
#: says what is wrong, where (file/table, column or key) and what to do.
MESSAGES: dict[str, dict[str, str]] = {
    # --- generic -----------------------------------------------------------------------------
    "input.generic": {
        "id": "{table}{where}: {detail}",
        "en": "{table}{where}: {detail}",
    },
    # --- inputs: files, tables, boundaries (issue 10) ----------------------------------------
    # --- scenario and CLI options (issue 10) --------------------------------------------------
    # --- privacy / disclosure control (issue 9) -----------------------------------------------
    "privacy.k_floor": {
        "id": "Skenario, kunci 'suppression_k': {k} terlalu kecil; angka 1 sampai k-1 akan "
        "menunjukkan orang per orang. Gunakan {floor} atau lebih (bawaan 5).",
        "en": "Scenario, key 'suppression_k': {k} is too small; counts 1 to k-1 would show single "
        "people. Use {floor} or more (default 5).",
    },
    "privacy.scope_too_small": {
        "id": "Filter skenario menyisakan kurang dari {k} klien ({where}); hasil seperti ini "
        "menunjukkan orang per orang. Perluas filter (tahun, status, wilayah).",
        "en": "The scenario filters leave fewer than {k} clients ({where}); such a result would "
        "show single people. Widen the filters (years, statuses, area).",
    },
    # --- score, plan, pilots, matching (issue 11) --------------------------------------------
    # --- roads (issue 12) ---------------------------------------------------------------------
    # --- monitoring: targets, previous runs (issue 13) ---------------------------------------
    # --- office: accounts, scope, audit, storage (issue 15) ----------------------------------
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
        tpl = MESSAGES[self.code].get(lang) or MESSAGES[self.code]["en"]
        values = {k: _text(v) for k, v in self.params.items()}
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
