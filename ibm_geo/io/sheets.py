"""Find the table inside a spreadsheet as offices send it: title rows above the header, a header
merged over two rows, data split over several sheets after a "Petunjuk" sheet, formulas saved
without values.

The header is the row (or pair of rows) among the first :data:`SCAN_ROWS` whose cells match the
most known column names of the table's kind, so "DATA KLIEN PASCAREHABILITASI BNNP BALI 2024"
above it is skipped, and a merged "Lokasi" over "Kelurahan | Kecamatan" reads as both columns.
Only the structure is decided here; :mod:`ibm_geo.io.tables` parses the values.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ibm_geo.errors import UserError
from ibm_geo.io import limits as _limits
from ibm_geo.io.limits import check_rows

#: rows searched for the header (title blocks of BNN/Dinkes registers are 1-6 rows)
SCAN_ROWS = 30
#: sheets that explain how to fill the workbook rather than hold data
INSTRUCTION_SHEET = re.compile(
    r"petunjuk|panduan|instruksi|keterangan|cara|readme|read me|info|referensi|catatan|legend",
    re.I,
)


@dataclass
class Header:
    """Where the table starts: ``names`` of the columns, the 0-based index of the first data
    row, the 1-based spreadsheet row of the (last) header row and how many known names it hit."""

    names: list[str]
    data_start: int
    header_row: int
    hits: int
    n_rows: int = 1

    @property
    def label(self) -> str:
        """'4' or '4-5' (a header over two rows), as a planner finds it in Excel."""
        first = self.header_row - self.n_rows + 1
        return str(first) if self.n_rows == 1 else f"{first}-{self.header_row}"


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, _dt.datetime) and v.time() == _dt.time(0):
        return v.date().isoformat()
    return str(v).strip()


def find_header(
    rows: Sequence[Sequence[object]], is_known: Callable[[str], bool], scan: int = SCAN_ROWS
) -> Header | None:
    """The best header among the first ``scan`` rows: a single row, or two rows flattened (a
    merged upper cell is carried right over its blank neighbours; the lower cell wins when it
    is a known name, else "upper lower" is tried). None when no row names a known column."""
    rows = [[_cell_text(c) for c in r] for r in rows[:scan]]
    best: Header | None = None

    def consider(names: list[str], start: int, hits: int, n_rows: int = 1) -> None:
        nonlocal best
        if hits > 0 and (best is None or hits > best.hits):
            best = Header(names, start, start, hits, n_rows)

    for i, row in enumerate(rows):
        if sum(1 for c in row if c) < 2:
            continue
        consider(list(row), i + 1, sum(1 for c in row if c and is_known(c)))
        if i + 1 < len(rows):
            names = _flatten(row, rows[i + 1], is_known)
            hits = sum(1 for c in names if c and is_known(c))
            lower_hits = sum(1 for c in rows[i + 1] if c and is_known(c))
            # a second header row must add names, not be the first data row
            if hits > sum(1 for c in row if c and is_known(c)) and lower_hits > 0:
                consider(names, i + 2, hits, 2)
    return best


def _flatten(upper: list[str], lower: list[str], is_known: Callable[[str], bool]) -> list[str]:
    n = max(len(upper), len(lower))
    upper = list(upper) + [""] * (n - len(upper))
    lower = list(lower) + [""] * (n - len(lower))
    filled, last = [], ""
    for u in upper:
        last = u or last
        filled.append(last)
    out = []
    for j in range(n):
        u, lo = filled[j], lower[j]
        if not lo:
            out.append(upper[j] or u)
        elif is_known(f"{u} {lo}") and not is_known(lo):
            out.append(f"{u} {lo}")
        elif is_known(lo) or not u:
            out.append(lo)
        else:
            out.append(f"{u} {lo}")
    return out


def unique_names(names: list[str]) -> list[str]:
    """Blank headers as ``Unnamed: i`` and repeats as ``x.1`` (what pandas does), so columns
    keep their positions and a repeated header is still recognised."""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(names):
        h = h or f"Unnamed: {i}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


# -- CSV ---------------------------------------------------------------------------------------


def csv_header(
    text: str, is_known: Callable[[str], bool], default_sep: str, max_cols: int = 1000
) -> tuple[Header, str]:
    """Header and separator of a CSV whose first lines may be titles: each separator is tried on
    the first lines and the one whose best header names the most known columns wins. Rows are
    looked at up to ``max_cols + 1`` cells (a line of half a million cells is refused by the
    caller, not matched cell by cell)."""
    lines = [ln.rstrip("\r") for ln in text.split("\n")[:SCAN_ROWS]]
    best: tuple[Header, str] | None = None
    for sep in dict.fromkeys([default_sep, ";", ",", "\t", "|"]):
        try:  # line by line, so row i is line i even around blank lines
            rows = [next(csv.reader([ln], delimiter=sep), [])[: max_cols + 1] for ln in lines]
        except csv.Error:
            continue
        h = find_header(rows, is_known)
        if h is not None and (best is None or h.hits > best[0].hits):
            best = (h, sep)
    if best is not None:
        return best
    first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    row = next(csv.reader(io.StringIO(lines[first] if lines else ""), delimiter=default_sep), [])
    return Header([c.strip() for c in row], first + 1, first + 1, 0), default_sep


# -- XLSX --------------------------------------------------------------------------------------


@dataclass
class SheetTable:
    """One sheet's table: header, rows of text cells (None = empty) and their sheet row numbers."""

    sheet: str
    header: Header
    rows: list[list[str | None]]
    row_numbers: list[int]
    uncached: list[tuple[int, str]] = field(default_factory=list)  # (row, column) formula cells
    merged: list[tuple[str, int, int]] = field(default_factory=list)  # vertical merges filled
    #: data rows holding a value per the sheet's own row index (None: not scanned)
    index_rows: list[int] | None = None


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet XML holds a formula (streamed, nothing kept): only then is the
    workbook read a second time for formulas whose value Excel did not save."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for p in zf.namelist():
            if not (p.startswith("xl/worksheets/") and p.endswith(".xml")):
                continue
            tail = b""
            with zf.open(p) as fh:
                while chunk := fh.read(1 << 20):
                    if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                        return True
                    tail = chunk[-3:]
    return False


_ROW_SPLIT = re.compile(rb"<(?:\w+:)?row\b")
_LETTERS = re.compile(rb"([A-Z]{1,3})\d")
_ROW_R = re.compile(rb'\br="(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def col_index(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class SheetScan:
    """What a sheet's XML says before openpyxl reads it: its extent (from the cells' own
    references, not the ``<dimension>`` a writer may get wrong), the rows holding a value (the
    independent row index used for accounting) and its merged ranges."""

    max_row: int = 0
    max_col: int = 0
    far_cell: str = ""
    value_rows: list[int] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet XML path, from workbook.xml and its relationships."""
    try:
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)/?>", rels):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        if b"Id" in attrs and b"Target" in attrs:
            t = attrs[b"Target"].decode("utf-8", "replace").lstrip("/")
            targets[attrs[b"Id"]] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
        name = re.search(rb'\bname="([^"]*)"', m.group(1))
        rid = re.search(rb'\br:id="([^"]*)"', m.group(1)) or re.search(
            rb'\b\w+:id="([^"]*)"', m.group(1)
        )
        if name and rid and rid.group(1) in targets:
            import html

            out[html.unescape(name.group(1).decode("utf-8", "replace"))] = targets[rid.group(1)]
    return out


def scan_workbook(data: bytes, fname: str) -> dict[str, SheetScan]:
    """Every sheet's :class:`SheetScan`, streamed (1 MB at a time, nothing inflated whole);
    refuses a sheet whose cells span more than ``IBM_GEO_MAX_CELLS`` / ``IBM_GEO_MAX_COLUMNS``
    (two stray cells at XFD5 and A200000 make openpyxl build 3 billion empty cells)."""
    lim = _limits.limits()
    out: dict[str, SheetScan] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for sheet, path in _sheet_paths(zf).items():
            try:
                fh = zf.open(path)
            except KeyError:
                continue
            with fh:
                sc = _scan_sheet(fh, lim.max_columns)
            far = sc.far_cell
            label = f"{fname} [{sheet}]"
            if sc.max_col > lim.max_columns:
                raise UserError(
                    "input.sheet_too_wide",
                    file=label,
                    sheet=sheet,
                    cell=far,
                    col=f"{sc.max_col:,}",
                    limit=f"{lim.max_columns:,}",
                    env=_limits.ENV["max_columns"],
                )
            cells = sc.max_row * sc.max_col
            if cells > lim.max_cells:
                raise UserError(
                    "input.sheet_extent",
                    file=label,
                    sheet=sheet,
                    cell=f"{far} / row {sc.max_row:,}",
                    rows=f"{sc.max_row:,}",
                    cols=f"{sc.max_col:,}",
                    cells=f"{cells:,}",
                    limit=f"{lim.max_cells:,}",
                    env=_limits.ENV["max_cells"],
                )
            if sc.max_row > lim.max_rows:
                _limits.check_rows(sc.max_row, label)
            out[sheet] = sc
    return out


def _scan_sheet(fh, max_columns: int) -> SheetScan:
    """One sheet's extent, value rows and merges, streamed 1 MB at a time."""
    sc = SheetScan()
    far = ""
    k = len(_letters(max_columns + 1))  # letters of the first column over the limit
    far_re = re.compile(rb'\br="([A-Z]{%d,3})(\d+)"' % max(k, 1))
    buf = b""
    while True:
        chunk = fh.read(1 << 20)
        buf += chunk
        end = buf.rfind(b"</row>")
        cut = (end + 6 if end >= 0 else 0) if chunk else len(buf)
        block, buf = buf[:cut], buf[cut:]
        far = _scan_block(block, sc, far_re, far)
        if not chunk:
            break
        if len(buf) > 64 << 20:  # one "row" of 64 MB: a 10 MB cell is fine
            buf = buf[-(1 << 20) :]
    sc.far_cell = far
    return sc


def _scan_block(block: bytes, sc: SheetScan, far_re: re.Pattern, far: str) -> str:
    """Whole rows of sheet XML into ``sc``; returns the farthest cell so far."""
    # far columns from a scan for long references only (C speed, no match in
    # an ordinary sheet); each row's extent and value from its own text
    for m in far_re.finditer(block):
        c = col_index(m.group(1).decode())
        if c > sc.max_col:
            sc.max_col, far = c, (m.group(1) + m.group(2)).decode()
    for part in _ROW_SPLIT.split(block)[1:]:
        head_end = part.find(b">")
        r = _ROW_R.search(part, 0, head_end)
        if r is None:
            continue
        n = int(r.group(1))
        if n > sc.max_row:
            sc.max_row = n
        last = part.rfind(b' r="')
        if last > head_end:
            c = _LETTERS.match(part, last + 4)
            if c is not None:
                ci = col_index(c.group(1).decode())
                if ci > sc.max_col:
                    sc.max_col, far = ci, f"{c.group(1).decode()}{n}"
        if _VALUE.search(part):
            sc.value_rows.append(n)
    for m in _MERGE.finditer(block):
        sc.merges.append(
            (int(m.group(2)), col_index(m.group(1).decode()), int(m.group(4)),
             col_index(m.group(3).decode()))
        )  # fmt: skip
    return far


def fill_merged(values: list[list[object]], merges, first_data: int) -> list[tuple[str, int, int]]:
    """Give every cell of a vertically merged range in the data rows the range's value (Excel
    shows it on each row; the file stores it in the top cell only). Returns (range, first
    row, last row) of each range filled, for the quality report."""
    filled = []
    for r1, c1, r2, c2 in merges:
        if r2 <= r1 or r2 <= first_data:
            continue
        top = values[r1 - 1] if r1 - 1 < len(values) else []
        for c in range(c1, c2 + 1):
            v = top[c - 1] if c - 1 < len(top) else None
            for r in range(max(r1 + 1, first_data + 1), r2 + 1):
                if r - 1 >= len(values):
                    break
                row = values[r - 1]
                if len(row) < c:
                    row.extend([None] * (c - len(row)))
                if row[c - 1] is None:
                    row[c - 1] = v
        ref = f"{_letters(c1)}{r1}:{_letters(c2)}{r2}"
        filled.append((ref, max(r1 + 1, first_data + 1), r2))
    return filled


def _letters(c: int) -> str:
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def read_workbook(
    data: bytes, fname: str, is_known: Callable[[str], bool], max_rows: int
) -> tuple[list[SheetTable], list[str], list[str]]:
    """Every sheet with a recognisable table; also the names of sheets skipped as instructions
    and of sheets without a table. Cells are text as written (numbers without a trailing .0)."""
    import openpyxl

    try:
        scans = scan_workbook(data, fname)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        scans = {}  # a broken archive: openpyxl's message below says what is wrong
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken files
        raise UserError(
            "input.xlsx_unreadable", file=fname, detail=f"{type(exc).__name__}: {exc}"[:200]
        ) from exc
    tables: list[SheetTable] = []
    skipped: list[str] = []
    empty: list[str] = []
    formula_wb = None
    try:
        if _has_formulas(data):
            formula_wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        for ws in wb.worksheets:
            scan = scans.get(ws.title)
            if scan is not None and hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # the cells' own references, not a wrong <dimension>
            try:
                values = [list(r) for r in ws.iter_rows(values_only=True)]
            except Exception as exc:  # noqa: BLE001
                raise UserError(
                    "input.xlsx_unreadable", file=f"{fname} [{ws.title}]", detail=str(exc)[:200]
                ) from exc
            if len(values) > max_rows:
                check_rows(len(values), f"{fname} [{ws.title}]")
            header = find_header(values, is_known)
            if header is None:
                (skipped if INSTRUCTION_SHEET.search(ws.title) else empty).append(ws.title)
                continue
            if INSTRUCTION_SHEET.search(ws.title) and header.hits < 2:
                skipped.append(ws.title)
                continue
            merged = fill_merged(values, scan.merges, header.data_start) if scan else []
            body = values[header.data_start :]
            width = max([len(header.names), *(len(r) for r in body)])
            header.names = header.names + [""] * (width - len(header.names))
            rows = [[(_cell_text(c) or None) for c in (r + [None] * width)[:width]] for r in body]
            numbers = list(range(header.data_start + 1, header.data_start + 1 + len(rows)))
            uncached: list[tuple[int, str]] = []
            if formula_wb is not None:
                fws = formula_wb[ws.title]
                for i, r in enumerate(fws.iter_rows(values_only=True)):
                    if i < header.data_start:
                        continue
                    k = i - header.data_start
                    for j, c in enumerate(r[:width]):
                        if isinstance(c, str) and c.startswith("=") and rows[k][j] is None:
                            uncached.append((numbers[k], header.names[j] or f"#{j + 1}"))
            t = SheetTable(ws.title, header, rows, numbers, uncached)
            t.merged = merged
            if scan is not None:
                t.index_rows = [r for r in scan.value_rows if r > header.data_start]
            tables.append(t)
    finally:
        wb.close()
        if formula_wb is not None:
            formula_wb.close()
    return tables, skipped, empty


def same_table(a: SheetTable, b: SheetTable, canon: Callable[[str], str | None]) -> bool:
    """Two sheets hold the same table when their headers map to the same known columns."""

    def cols(t: SheetTable) -> set[str]:
        return {c for c in (canon(n) for n in t.header.names if n) if c}

    return cols(a) == cols(b)


def is_xlsx(head: bytes, fname: str) -> bool:
    return head.startswith(b"PK\x03\x04") or Path(fname).suffix.lower() in (".xlsx", ".xlsm")
