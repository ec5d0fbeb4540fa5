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
    # --- score, plan, pilots, matching (issue 11) --------------------------------------------
    "plan.quota_unknown_kab": {
        "id": "Skenario, plan.{option}: kab/kota '{kab}' tidak ada di antara lokasi kandidat. "
        "Tulis salah satu nama ini persis: {valid}.",
        "en": "Scenario, plan.{option}: kab/kota '{kab}' is not among the candidate sites. "
        "Write one of these names exactly: {valid}.",
    },
    "plan.quota_min_above_max": {
        "id": "Skenario, plan.min_per_kab: minimal {min} kelompok di {kab} melebihi "
        "plan.max_per_kab {max}. Turunkan minimum atau naikkan maksimum.",
        "en": "Scenario, plan.min_per_kab: at least {min} groups in {kab} exceeds "
        "plan.max_per_kab {max}. Lower the minimum or raise the maximum.",
    },
    "plan.quota_min_above_candidates": {
        "id": "Skenario, plan.min_per_kab: minimal {min} kelompok di {kab}, tetapi hanya {n} "
        "lokasi kandidat yang boleh dipilih di sana. Turunkan minimum atau kurangi "
        "plan.forbidden.",
        "en": "Scenario, plan.min_per_kab: at least {min} groups in {kab}, but only {n} "
        "candidate sites there may be chosen. Lower the minimum or shorten plan.forbidden.",
    },
    "plan.quota_min_above_p": {
        "id": "Skenario, plan.min_per_kab: jumlah minimum {total} kelompok ({mins}) melebihi "
        "plan.p = {p} kelompok baru. Naikkan jumlah kelompok (--groups) atau turunkan minimum.",
        "en": "Scenario, plan.min_per_kab: the minimums add up to {total} groups ({mins}), more "
        "than plan.p = {p} new groups. Raise the number of groups (--groups) or lower the "
        "minimums.",
    },
    "whynot.unknown": {
        "id": "Kelurahan/desa '{name}' tidak ada di batas wilayah. Mungkin maksudnya: {options}. "
        "Tulis nama persis atau kodenya.",
        "en": "Kelurahan/desa '{name}' is not in the boundaries. Did you mean: {options}? "
        "Write the exact name or its kode.",
    },
    "whynot.ambiguous": {
        "id": "Ada beberapa kelurahan/desa bernama '{name}': {options}. Tambahkan --kecamatan "
        "atau tulis kodenya.",
        "en": "Several kelurahan/desa are called '{name}': {options}. Add --kecamatan or write "
        "its kode.",
    },
    "plan.quota_min_above_budget": {
        "id": "Skenario, plan.min_per_kab: {total} kelompok minimum berbiaya {cost}, melebihi "
        "plan.budget {budget}. Naikkan anggaran atau turunkan minimum.",
        "en": "Scenario, plan.min_per_kab: the {total} minimum groups cost {cost}, more than "
        "plan.budget {budget}. Raise the budget or lower the minimums.",
    },
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
