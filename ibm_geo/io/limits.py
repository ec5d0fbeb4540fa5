"""Resource limits checked before any parsing, so a small hostile file cannot exhaust the machine.

A 3 MB XLSX can declare a 1 GB sheet; a CSV can hold more rows than the office PC has memory for.
Each limit is read from an environment variable (not from the scenario: a scenario travels between
offices with the results, a limit belongs to the machine that runs them) and every message names
the variable to raise.

========================================  ============  ==============================================
environment variable                      default       what it bounds
========================================  ============  ==============================================
``IBM_GEO_MAX_FILE_MB``                   1000          size of any input file
``IBM_GEO_MAX_UNCOMPRESSED_MB``           300           declared size of one XLSX/ZIP member
``IBM_GEO_MAX_COMPRESSION_RATIO``         200           declared size / compressed size of a member
``IBM_GEO_MAX_ROWS``                      5000000       data rows of one table
``IBM_GEO_MAX_VERTICES``                  50000000      polygon vertices of one boundary file
========================================  ============  ==============================================
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

from ibm_geo.errors import UserError

ENV = {
    "max_file_mb": "IBM_GEO_MAX_FILE_MB",
    "max_uncompressed_mb": "IBM_GEO_MAX_UNCOMPRESSED_MB",
    "max_ratio": "IBM_GEO_MAX_COMPRESSION_RATIO",
    "max_rows": "IBM_GEO_MAX_ROWS",
    "max_vertices": "IBM_GEO_MAX_VERTICES",
}
#: members smaller than this may compress as well as they like (a sheet of one repeated value)
RATIO_FLOOR_BYTES = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Machine limits; :func:`limits` reads them from the environment at each call."""

    max_file_mb: float = 1000.0
    max_uncompressed_mb: float = 300.0
    max_ratio: float = 200.0
    max_rows: int = 5_000_000
    max_vertices: int = 50_000_000


def limits() -> Limits:
    """The limits in force: defaults overridden by ``IBM_GEO_MAX_*`` variables (bad values
    fall back to the default rather than disabling the check)."""
    kw = {}
    for f in fields(Limits):
        raw = os.environ.get(ENV[f.name])
        if raw is None:
            continue
        try:
            val = float(raw)
        except ValueError:
            continue
        if val > 0:
            kw[f.name] = int(val) if f.type in ("int", int) else val
    return Limits(**kw)


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f}"


def check_size(size: int, fname: str) -> None:
    lim = limits()
    if size > lim.max_file_mb * 1e6:
        raise UserError(
            "input.file_too_large",
            file=fname,
            size_mb=_mb(size),
            limit_mb=f"{lim.max_file_mb:g}",
            env=ENV["max_file_mb"],
        )


def check_source_size(source: str | Path | bytes, fname: str) -> None:
    if isinstance(source, bytes | bytearray):
        check_size(len(source), fname)
        return
    try:
        size = Path(source).stat().st_size
    except OSError as exc:
        raise UserError("input.not_found", file=fname, detail=exc.strerror or str(exc)) from exc
    check_size(size, fname)


def check_zip(source: str | Path | bytes, fname: str) -> None:
    """Declared uncompressed size and ratio of every member, from the central directory only
    (nothing is inflated). A file that is not a ZIP passes (the reader reports it)."""
    lim = limits()
    try:
        zf = zipfile.ZipFile(
            io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray) else source
        )
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with zf:
        for info in zf.infolist():
            if info.file_size > lim.max_uncompressed_mb * 1e6:
                raise UserError(
                    "input.member_too_large",
                    file=fname,
                    member=info.filename,
                    size_mb=_mb(info.file_size),
                    limit_mb=f"{lim.max_uncompressed_mb:g}",
                    env=ENV["max_uncompressed_mb"],
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR_BYTES and ratio > lim.max_ratio:
                raise UserError(
                    "input.member_ratio",
                    file=fname,
                    member=info.filename,
                    ratio=f"{ratio:,.0f}",
                    limit=f"{lim.max_ratio:g}",
                    env=ENV["max_ratio"],
                )


def check_rows(n: int, fname: str) -> None:
    lim = limits()
    if n > lim.max_rows:
        raise UserError(
            "input.too_many_rows",
            file=fname,
            rows=f"{n:,}",
            limit=f"{lim.max_rows:,}",
            env=ENV["max_rows"],
        )


def check_vertices(n: int, fname: str) -> None:
    lim = limits()
    if n > lim.max_vertices:
        raise UserError(
            "input.too_many_vertices",
            file=fname,
            vertices=f"{n:,}",
            limit=f"{lim.max_vertices:,}",
            env=ENV["max_vertices"],
        )
