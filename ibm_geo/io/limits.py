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
``IBM_GEO_MAX_PARSE_MB``                  4000          memory one reader may add (child process)
``IBM_GEO_MAX_PARSE_SECONDS``             300           time one reader may take (child process)
``IBM_GEO_MAX_CELLS``                     60000000      rows x columns a sheet spans (XLSX)
``IBM_GEO_MAX_COLUMNS``                   1000          columns a sheet spans (XLSX)
``IBM_GEO_MAX_CELL_CHARS``                32767         characters of one cell (Excel's own limit)
========================================  ============  ==============================================

Compressed content is checked from metadata before it is inflated: ZIP members and Parquet
column chunks by their declared sizes, ``.bz2``/``.gz`` streams by inflating the first part with a
bounded decompressor (the ratio says "bomb" long before the memory does).
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
    "max_parse_mb": "IBM_GEO_MAX_PARSE_MB",
    "max_parse_seconds": "IBM_GEO_MAX_PARSE_SECONDS",
    "max_cells": "IBM_GEO_MAX_CELLS",
    "max_columns": "IBM_GEO_MAX_COLUMNS",
    "max_cell_chars": "IBM_GEO_MAX_CELL_CHARS",
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
    max_parse_mb: float = 4000.0
    max_parse_seconds: float = 300.0
    max_cells: int = 60_000_000
    max_columns: int = 1000
    max_cell_chars: int = 32767


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


# -- compressed content, from metadata (issue 21) ---------------------------------------------


def _too_large(fname: str, member: str, size: int, compressed: int) -> None:
    lim = limits()
    if size > lim.max_uncompressed_mb * 1e6:
        raise UserError(
            "input.member_too_large",
            file=fname,
            member=member,
            size_mb=_mb(size),
            limit_mb=f"{lim.max_uncompressed_mb:g}",
            env=ENV["max_uncompressed_mb"],
        )
    ratio = size / max(compressed, 1)
    if size > RATIO_FLOOR_BYTES and ratio > lim.max_ratio:
        raise UserError(
            "input.member_ratio",
            file=fname,
            member=member,
            ratio=f"{ratio:,.0f}",
            limit=f"{lim.max_ratio:g}",
            env=ENV["max_ratio"],
        )


def check_parquet(path: str | Path, fname: str) -> None:
    """Declared uncompressed size and ratio of every column chunk (the footer only: nothing is
    inflated), and of each column over all row groups: a 0.5 MB GeoParquet can declare GBs."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(str(path)).metadata
    except Exception:  # noqa: BLE001 - not Parquet: the reader reports it
        return
    totals: dict[str, list[int]] = {}
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        for c in range(rg.num_columns):
            col = rg.column(c)
            name = col.path_in_schema
            _too_large(
                fname, f"{name} (row group {g + 1})", col.total_uncompressed_size,
                col.total_compressed_size,
            )  # fmt: skip
            t = totals.setdefault(name, [0, 0])
            t[0] += col.total_uncompressed_size
            t[1] += col.total_compressed_size
    for name, (size, comp) in totals.items():
        _too_large(fname, name, size, comp)


#: compressed bytes of a .bz2/.gz stream inflated up front to measure its ratio
STREAM_PROBE_BYTES = 8 << 20


def check_stream(path: str | Path, fname: str) -> None:
    """A ``.bz2``/``.gz`` stream's ratio from inflating its first :data:`STREAM_PROBE_BYTES`
    with a bounded decompressor (at most 1 MB of output per step, concatenated streams
    followed): a 3.8 MB bz2 that expands to 16 GB shows a ratio in the thousands after its
    first blocks. A file that is not compressed passes; a broken one is left to the reader."""
    import bz2
    import zlib

    with open(path, "rb") as fh:
        magic = fh.read(3)
        fh.seek(0)
        if magic.startswith(b"BZh"):

            def new():
                return bz2.BZ2Decompressor()
        elif magic.startswith(b"\x1f\x8b"):

            def new():
                return zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            return
        lim = limits()
        dec = new()
        read = out = 0
        pending = b""
        try:
            while read < STREAM_PROBE_BYTES or pending:
                if not pending:
                    pending = fh.read(1 << 16)
                    if not pending:
                        return
                    read += len(pending)
                if isinstance(dec, bz2.BZ2Decompressor):
                    got = dec.decompress(pending, max_length=1 << 20)
                    pending = b""
                    while not dec.eof and not dec.needs_input and len(got) < 1 << 24:
                        got += dec.decompress(b"", max_length=1 << 20)
                    if dec.eof:
                        pending, dec = dec.unused_data, new()
                else:
                    got = dec.decompress(pending, 1 << 20)
                    pending = dec.unconsumed_tail
                    if dec.eof:
                        pending, dec = dec.unused_data + pending, new()
                out += len(got)
                if out > RATIO_FLOOR_BYTES and out / max(read, 1) > lim.max_ratio:
                    raise UserError(
                        "input.stream_ratio",
                        file=fname,
                        ratio=f"{out / max(read, 1):,.0f}",
                        limit=f"{lim.max_ratio:g}",
                        env=ENV["max_ratio"],
                    )
                if read >= STREAM_PROBE_BYTES and out > 64 * RATIO_FLOOR_BYTES:
                    return
        except (OSError, EOFError, ValueError, zlib.error):
            return
