"""Data-quality report: every problem with an input row lands here, so nothing is dropped silently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

QUALITY_COLUMNS = ["file", "row", "column", "problem", "value", "action"]


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
        problem: str,
        value: object = None,
        action: str = "",
    ) -> None:
        self.rows.append(
            {
                "file": file,
                "row": row,
                "column": column,
                "problem": problem,
                "value": None if value is None else str(value),
                "action": action,
            }
        )

    def add_many(
        self,
        file: str,
        rows: Iterable[int],
        column: str | None,
        problem: str,
        values: Iterable[object] | None = None,
        action: str = "",
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
        self.frames.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": rows.to_numpy(),
                    "column": column,
                    "problem": problem,
                    "value": vals.to_numpy(),
                    "action": action,
                }
            )
        )

    def extend(self, other: DataQuality) -> None:
        self.rows.extend(other.rows)
        self.frames.extend(other.frames)

    def to_frame(self) -> pd.DataFrame:
        parts = [pd.DataFrame(self.rows, columns=QUALITY_COLUMNS)] + self.frames
        parts = [p for p in parts if not p.empty]
        if not parts:
            return pd.DataFrame(columns=QUALITY_COLUMNS)
        df = pd.concat(parts, ignore_index=True)[QUALITY_COLUMNS]
        df["row"] = df["row"].astype("Int64")
        return df.sort_values(["file", "row"], kind="stable", na_position="first").reset_index(
            drop=True
        )

    def __len__(self) -> int:
        return len(self.rows) + sum(len(f) for f in self.frames)
