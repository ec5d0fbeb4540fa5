"""Errors that name the table and column at fault, so a planner knows what to fix."""

from __future__ import annotations


class IbmGeoError(Exception):
    """Base class: anything the CLI turns into a one-line reason and a non-zero exit."""


class InputError(IbmGeoError):
    """An input file cannot be used at all (as opposed to bad rows, which go to DataQuality)."""

    def __init__(self, table: str, message: str, column: str | None = None) -> None:
        self.table = table
        self.column = column
        where = f"{table}" + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")
