"""Data-quality report: every problem with an input row lands here, so nothing is dropped silently.

A problem and its action are recorded as a :class:`Msg`, a catalogue code with its parameters
(``quality.*`` texts of ``ibm_geo/locales``). The table keeps the English text in ``problem`` and
``action`` (the documented machine form) and the code with its parameters in ``_problem`` and
``_action``, so a reader's language is rendered at the edge (:func:`render`) and no sentence is
ever translated back from English.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ibm_geo.i18n import fmt_num, t

QUALITY_COLUMNS = ["file", "row", "column", "problem", "value", "action"]
#: the code and parameters behind ``problem`` / ``action`` (see :class:`Msg`)
CODE_COLUMNS = ["_problem", "_action"]
_SEP = "\x1f"


class Msg:
    """One quality text as a catalogue code (``quality.<code>``) and its parameters.

    Integers are written in the reader's number format; pass a year or a range as a string.
    """

    __slots__ = ("code", "params")

    def __init__(self, code: str, /, **params: object) -> None:
        self.code = code
        self.params = params

    @property
    def key(self) -> str:
        """Code and parameters as one string (what the ``_problem`` / ``_action`` cells hold)."""
        if not self.params:
            return self.code
        return self.code + _SEP + json.dumps(self.params, ensure_ascii=False, default=str)

    def render(self, lang: str = "en") -> str:
        values = {
            k: fmt_num(v, lang)
            if isinstance(v, int | np.integer) and not isinstance(v, bool)
            else v
            for k, v in self.params.items()
        }
        return t(f"quality.{self.code}", lang, **values)

    def __repr__(self) -> str:
        return f"Msg({self.key!r})"


def from_key(key: str) -> Msg:
    """The :class:`Msg` whose :attr:`Msg.key` is ``key``."""
    code, _, params = key.partition(_SEP)
    return Msg(code, **(json.loads(params) if params else {}))


def render(key: object, lang: str = "id") -> object:
    """A ``_problem`` / ``_action`` cell as text in ``lang`` (None/NaN pass through)."""
    if not isinstance(key, str) or not key:
        return key
    return from_key(key).render(lang)


def _text_and_key(m: Msg | str | None) -> tuple[object, object]:
    """(English text, code key) of a recorded problem or action; plain text has no code."""
    if isinstance(m, Msg):
        return m.render("en"), m.key
    return m, None


def msgs_frame(problems: Iterable[Msg | None], actions: Iterable[Msg | str | None]) -> dict:
    """Columns ``problem``, ``action``, ``_problem``, ``_action`` of per-row messages (each
    distinct message rendered once: a national table has many rows with the same text)."""
    out: dict[str, list] = {"problem": [], "_problem": [], "action": [], "_action": []}
    cache: dict[tuple, tuple[object, object]] = {}
    for name, seq in (("problem", problems), ("action", actions)):
        seq = list(seq)  # every Msg alive while ``seen`` keys on its id
        seen: dict[int, tuple[object, object]] = {}  # one Msg repeated: one look-up
        for m in seq:
            if isinstance(m, Msg):
                hit = seen.get(id(m))
                if hit is None:
                    k = (m.code, *m.params.items())
                    try:
                        hash(k)
                    except TypeError:  # a list among the parameters
                        k = (m.key,)
                    if k not in cache:
                        cache[k] = _text_and_key(m)
                    hit = seen[id(m)] = cache[k]
                text, key = hit
            else:
                text, key = m, None
            out[name].append(text)
            out["_" + name].append(key)
    return {k: np.asarray(v, dtype=object) for k, v in out.items()}


@dataclass
class DataQuality:
    """Collects row-numbered problems from every loader and matcher.

    ``row`` is the spreadsheet row a planner sees (header = row 1, first data row = 2), so a message
    can be found in Excel directly. Values are echoed only for the offending cell, and the report is
    an internal document (it may contain what a user typed); exports pass it through
    :func:`ibm_geo.privacy.public_quality` first.
    """

    rows: list[dict] = field(default_factory=list)
    frames: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        problem: Msg | str,
        value: object = None,
        action: Msg | str = "",
    ) -> None:
        problem, problem_key = _text_and_key(problem)
        action, action_key = _text_and_key(action)
        self.rows.append(
            {
                "file": file,
                "row": row,
                "column": column,
                "problem": problem,
                "value": None if value is None else str(value),
                "action": action,
                "_problem": problem_key,
                "_action": action_key,
            }
        )

    def add_many(
        self,
        file: str,
        rows: Iterable[int],
        column: str | None,
        problem: Msg | str,
        values: Iterable[object] | None = None,
        action: Msg | str = "",
    ) -> None:
        """Vectorised variant for large inputs (a million rows must not loop in Python)."""
        rows = pd.Series(list(rows) if not isinstance(rows, pd.Series) else rows, dtype="Int64")
        if rows.empty:
            return
        vals = (
            pd.Series([None] * len(rows), dtype=object)
            if values is None
            else pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy())
            .astype(object)
            .where(lambda s: s.notna(), None)
            .map(lambda v: None if v is None else str(v))
        )
        problem, problem_key = _text_and_key(problem)
        action, action_key = _text_and_key(action)
        self.frames.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": rows.to_numpy(),
                    "column": column,
                    "problem": problem,
                    "value": vals.to_numpy(),
                    "action": action,
                    "_problem": problem_key,
                    "_action": action_key,
                }
            )
        )

    def extend(self, other: DataQuality) -> None:
        self.rows.extend(other.rows)
        self.frames.extend(other.frames)

    def to_frame(self) -> pd.DataFrame:
        """Every row (``QUALITY_COLUMNS``, then the codes behind problem and action)."""
        cols = QUALITY_COLUMNS + CODE_COLUMNS
        parts = [pd.DataFrame(self.rows, columns=cols)] + self.frames
        parts = [p.reindex(columns=cols) for p in parts if not p.empty]
        if not parts:
            return pd.DataFrame(columns=cols)
        df = pd.concat(parts, ignore_index=True)[cols]
        df["row"] = df["row"].astype("Int64")
        return df.sort_values(["file", "row"], kind="stable", na_position="first").reset_index(
            drop=True
        )

    def __len__(self) -> int:
        return len(self.rows) + sum(len(f) for f in self.frames)
