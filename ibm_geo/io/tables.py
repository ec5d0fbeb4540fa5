"""Read client / agent / service-point tables (CSV or XLSX) into the canonical columns.

Everything here is vectorised (pandas string ops, or a mapping applied once per distinct value), so
a million client rows load in seconds. No row is ever dropped: a value that cannot be used becomes
NA and the problem is written to :class:`~ibm_geo.quality.DataQuality` with its spreadsheet row.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ibm_geo.errors import UserError
from ibm_geo.io import limits as _limits
from ibm_geo.io.guard import check_special, guarded
from ibm_geo.io.sheets import (
    csv_header,
    is_xlsx,
    read_workbook,
    same_table,
    unique_names,
)
from ibm_geo.names import normalize_kodes
from ibm_geo.quality import DataQuality, Msg

KINDS = ("clients", "agents", "service_points")
LOCATION = ["kode", "kelurahan", "kecamatan", "kab_kota", "lat", "lon"]
COLUMNS: dict[str, list[str]] = {
    "clients": ["row", "client_id", "name", *LOCATION, "tahun_rehab", "jenis_layanan", "tingkat"]
    + ["status_pasca", "agen_id", "rw", "tahun_pasca"],
    "agents": ["row", "agen_id", "name", *LOCATION, "kapasitas", "aktif", "tahun_rekrut"],
    "service_points": ["row", "name", "jenis", *LOCATION],
}
# Indonesia's bounding box with a margin: anything outside is not a kelurahan of this country.
LAT_RANGE = (-11.5, 6.5)
LON_RANGE = (94.0, 141.5)
MIN_YEAR = 2000
#: clients one agent can follow up: beyond this a capacity is a typo (and 1e19 overflows Int64)
MAX_CAPACITY = 100_000

_COMMON_ALIASES: dict[str, list[str]] = {
    "kode": ["kode", "kode_wilayah", "kode_kelurahan", "kode_desa", "kemendagri", "kode_kemendagri"]
    + ["kd_kel", "kode_kel"],
    "kelurahan": ["kelurahan", "desa", "kel", "kelurahan_desa", "desa_kelurahan", "village"]
    + ["kel_desa", "nama_kelurahan", "nama_desa"],
    "kecamatan": ["kecamatan", "kec", "district", "nama_kecamatan"],
    "kab_kota": ["kab_kota", "kabupaten_kota", "kabkota", "kabupaten", "kota", "kab", "regency"]
    + ["city", "regency_city", "kota_kabupaten"],
    "lat": ["lat", "lintang", "latitude", "y"],
    "lon": ["lon", "lng", "long", "bujur", "longitude", "x"],
    "koordinat": ["koordinat", "coordinates", "coordinate", "lokasi", "titik_koordinat", "latlon"]
    + ["lat_lon", "lat_long"],
    "name": ["nama", "name", "nama_lengkap", "nama_klien", "nama_agen", "nama_layanan"],
}
_KIND_ALIASES: dict[str, dict[str, list[str]]] = {
    "clients": {
        "client_id": ["id", "client_id", "id_klien", "no_klien", "nomor_klien", "nik", "klien_id"],
        "tahun_rehab": ["tahun_rehab", "tahun", "year", "rehab_year", "tahun_rehabilitasi"],
        "jenis_layanan": ["jenis_layanan", "layanan", "rawat", "jenis_rawat", "service", "jenis"],
        "tingkat": ["tingkat", "keparahan", "severity", "tingkat_keparahan"],
        "status_pasca": ["status_pasca", "status", "pascarehabilitasi", "status_pascarehabilitasi"]
        + ["pasca", "pasca_rehab", "status_pasca_rehab"],
        "agen_id": ["agen_id", "id_agen", "agent_id", "agen"],
        # RW (rukun warga) is kept, not ignored: a unit below the kelurahan for per-RW tables
        "rw": ["rw", "no_rw", "nomor_rw", "rukun_warga", "rt_rw"],
        # the year (or date) of post-rehab services: pascarehab progress per year (monitoring)
        "tahun_pasca": [
            "tahun_pasca",
            "tahun_pascarehab",
            "tahun_pasca_rehab",
            "tahun_pascarehabilitasi",
        ]
        + ["tanggal_pascarehab", "tanggal_pasca", "tgl_pasca", "tgl_pascarehab", "mulai_pasca"]
        + ["tanggal_pasca_rehab", "tahun_layanan_pasca", "pasca_tahun", "post_rehab_year"],
    },
    "agents": {
        "agen_id": ["agen_id", "id_agen", "agent_id", "id", "agen"],
        "kapasitas": ["kapasitas", "capacity", "kuota"],
        "aktif": ["aktif", "active", "status_aktif", "status"],
        # the year an agent was recruited/trained: progress per target year counts the agents
        # recruited by then (monitoring); without it agent progress is today's snapshot
        "tahun_rekrut": ["tahun_rekrut", "tahun", "tahun_rekrutmen", "tahun_direkrut"]
        + ["tahun_pelatihan", "tahun_dilatih", "tahun_latih", "angkatan", "tahun_angkatan"]
        + ["tahun_bergabung", "tahun_masuk", "tahun_pengukuhan", "tahun_agen"]
        + ["recruitment_year", "year_recruited", "year", "cohort"],
    },
    "service_points": {
        "jenis": ["jenis", "type", "tipe", "jenis_layanan", "kategori"],
    },
}

_LAYANAN = {
    "rawat jalan": "rawat_jalan",
    "rawat_jalan": "rawat_jalan",
    "rj": "rawat_jalan",
    "outpatient": "rawat_jalan",
    "jalan": "rawat_jalan",
    "rawat inap": "rawat_inap",
    "rawat_inap": "rawat_inap",
    "ri": "rawat_inap",
    "inpatient": "rawat_inap",
    "inap": "rawat_inap",
}
_TINGKAT = {
    "ringan": "ringan",
    "mild": "ringan",
    "sedang": "sedang",
    "moderate": "sedang",
    "berat": "berat",
    "severe": "berat",
}
_STATUS = {
    "belum": "belum",
    "not yet": "belum",
    "-": "belum",
    "belum ikut": "belum",
    "aktif": "aktif",
    "active": "aktif",
    "ya": "aktif",
    "yes": "aktif",
    "selesai": "selesai",
    "completed": "selesai",
    "complete": "selesai",
    "putus": "putus",
    "dropout": "putus",
    "drop out": "putus",
    "drop-out": "putus",
    "putus layanan": "putus",
}
_AKTIF = {
    "ya": True,
    "y": True,
    "yes": True,
    "1": True,
    "true": True,
    "aktif": True,
    "active": True,
    "tidak": False,
    "t": False,
    "no": False,
    "n": False,
    "0": False,
    "false": False,
    "tidak aktif": False,
    "nonaktif": False,
    "non aktif": False,
    "inactive": False,
}
_JENIS_SP = {
    "bnnp": "bnnp",
    "bnn provinsi": "bnnp",
    "bnnk": "bnnk",
    "bnn kabupaten": "bnnk",
    "bnn kota": "bnnk",
    "bnn kabupaten kota": "bnnk",
    "klinik": "klinik",
    "klinik pratama": "klinik",
    "ipwl": "ipwl",
    "puskesmas": "puskesmas",
    "lainnya": "lainnya",
    "lain": "lainnya",
    "other": "lainnya",
}
_NUM = r"[-+]?\d+(?:[.,]\d+)?"
_COORD_RE = re.compile(rf"^\s*[\(\[]?\s*({_NUM})\s*(?:[,;/]\s*|\s+)({_NUM})\s*[\)\]]?\s*$")


def _rw(values: pd.Series | None, index: pd.Index) -> pd.Series:
    """RW as a 3-digit string ("RW 3", "03", "RT 02/RW 005" -> "003"); as written otherwise."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype=STRING)
    t = values.astype(STRING).str.strip()
    t = t.mask(t == "", pd.NA)
    num = t.str.extract(r"(?i)(?:rw\s*\.?\s*:?\s*)(\d{1,3})\b")[0]
    alone = t.str.extract(r"^\s*(\d{1,3})\s*$")[0]
    pair = t.str.extract(r"^\s*\d{1,3}\s*/\s*(\d{1,3})\s*$")[0]  # RT/RW "02/05"
    num = num.fillna(alone).fillna(pair)
    out = num.str.zfill(3).fillna(t)
    return out.astype(STRING).set_axis(index)


def header_key(h: object) -> str:
    """Header comparison form: lower-case ASCII, punctuation/spaces as single underscores."""
    s = unicodedata.normalize("NFKD", str(h))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("/", "_")
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def _aliases(kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for canon, names in {**_COMMON_ALIASES, **_KIND_ALIASES[kind]}.items():
        for n in names:
            out.setdefault(header_key(n), canon)
    return out


# -- reading ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _sniff_sep(text: str) -> str:
    """Pick the separator from the header line (the first non-empty line)."""
    head = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {sep: head.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0:
        try:
            return csv.Sniffer().sniff(text[:4096]).delimiter
        except csv.Error:
            return ","
    return best


STRING = pd.StringDtype("pyarrow")


def _null_empty(chunk, pool):
    """Empty strings -> null by a new validity bitmap over the same buffers (no copy of the text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    valid = pc.fill_null(pc.greater(pc.binary_length(chunk, memory_pool=pool), 0), False)
    if pc.all(valid).as_py():
        return chunk
    if chunk.offset != 0 or valid.offset != 0:
        return pc.if_else(valid, chunk, pa.scalar(None, chunk.type), memory_pool=pool)
    _, offsets, data = chunk.buffers()
    return pa.Array.from_buffers(chunk.type, len(chunk), [valid.buffers()[1], offsets, data])


def _text_bytes(col) -> int:
    import pyarrow.compute as pc

    return int(pc.sum(pc.binary_length(col)).as_py() or 0)


def _clean_arrow(col, pool):
    """Strip whitespace and turn empty cells into nulls, in Arrow.

    pandas' ``str.strip`` costs about 70 ms per million-row column. Here a stripped copy is kept
    only when some cell really had whitespace at an edge, and empty cells become nulls through
    the validity bitmap: on this project's VM every fresh page costs time, so copies count.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.ascii_trim_whitespace(col, memory_pool=pool)
    if _text_bytes(trimmed) != _text_bytes(col):  # else drop the copy: nothing to strip
        col = trimmed
    del trimmed
    if not pc.all(pc.string_is_ascii(col, memory_pool=pool)).as_py():
        col = pc.utf8_trim_whitespace(col, memory_pool=pool)  # e.g. no-break spaces from Excel
    return pa.chunked_array([_null_empty(c, pool) for c in col.chunks], type=col.type)


_HEAD = 65536


def _read_csv(
    source: bytes | Path, fname: str, is_known=lambda h: False, quoting: bool = True
) -> tuple[pd.DataFrame, int]:
    """CSV -> all-text frame, stripped, empty cells as NA; also the line number of the first
    data row (title lines above the header are skipped, see :func:`~ibm_geo.io.sheets.csv_header`).

    pyarrow's reader does the work (1M rows in about half a second) straight from the file; it
    also checks that the bytes are UTF-8, so the whole file is decoded in Python only when it is
    not (cp1252). Blank lines are kept so row numbers stay those of the spreadsheet.
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names, sep, start, offset, max_cols = _csv_layout(source, fname, is_known)
    try:
        # the system allocator: mimalloc's purging of freed pages made this step vary by 2x
        pool = pa.system_memory_pool()

        def read(stream):
            return pacsv.read_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=1 << 22, column_names=names),
                parse_options=pacsv.ParseOptions(
                    delimiter=sep, ignore_empty_lines=False, quote_char='"' if quoting else False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.large_string() for c in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
                memory_pool=pool,
            )

        if isinstance(source, bytes | bytearray):
            stream = pa.BufferReader(pa.py_buffer(source).slice(offset))
        else:
            stream = pa.memory_map(str(source))  # no copy of a 100 MB file
            stream.seek(offset)
        try:
            tbl = read(stream)
        except pa.ArrowInvalid as exc:
            if "UTF8" not in str(exc).upper():
                raise
            text = _body(_decode(_whole(source)), start)  # cp1252 etc.: re-encode once
            tbl = read(pa.BufferReader(pa.py_buffer(text.encode("utf-8"))))
        if tbl.column_names != names or any(t != pa.large_string() for t in tbl.schema.types):
            raise ValueError("header not as sniffed")  # the tolerant path below decides
        df = pd.DataFrame(
            {
                i: pd.Series(pd.arrays.ArrowStringArray(_clean_arrow(tbl.column(i), pool)))
                for i in range(len(names))
            },
            copy=False,
        )
        df.columns = names  # positional first: a header may repeat a name
        return df, start + 1
    except UserError:
        raise
    except Exception:  # ragged rows, odd quoting etc.: the tolerant pandas parser
        pass
    text = _body(_decode(_whole(source)), start)
    return _read_csv_tolerant(text, fname, names, sep, start, quoting, max_cols)


def _csv_layout(source: bytes | Path, fname: str, is_known):
    """From the file's head: the column names, the separator, the 0-based line of the first
    data row, its byte offset (title lines above the header are skipped) and the column limit."""
    if isinstance(source, bytes | bytearray):
        head_bytes = bytes(source[: _HEAD + 3])
        size = len(source)
    else:
        with open(source, "rb") as fh:
            head_bytes = fh.read(_HEAD + 3)
        size = Path(source).stat().st_size
    bom = 3 if head_bytes.startswith(b"\xef\xbb\xbf") else 0
    if not head_bytes[bom:].strip() and size <= len(head_bytes):
        raise UserError("input.empty", file=fname)
    head = head_bytes[bom:].decode("utf-8", errors="replace")
    max_cols = _limits.limits().max_columns
    header, sep = csv_header(head, is_known, _sniff_sep(head), max_cols)
    start = header.data_start  # 0-based line index of the first data line
    _check_width(len(header.names), max_cols, fname, start)
    names = unique_names([h.strip() for h in header.names])
    head_lines = head_bytes[bom:].split(b"\n")
    offset = bom + sum(len(ln) + 1 for ln in head_lines[:start])
    return names, sep, start, offset, max_cols


def _whole(source: bytes | Path) -> bytes:
    return bytes(source) if isinstance(source, bytes | bytearray) else Path(source).read_bytes()


def _body(text: str, start: int) -> str:
    """The text from line ``start`` on (title and header lines cut)."""
    if start == 0:
        return text
    parts = text.split("\n", start)
    return parts[start] if len(parts) > start else ""


def _read_csv_tolerant(
    text: str, fname: str, names: list[str], sep: str, start: int, quoting: bool, max_cols: int
) -> tuple[pd.DataFrame, int]:
    """The tolerant path: records as the csv module reads them, ragged rows padded, nothing
    cut; data wider than the header keeps its cells, unnamed."""
    try:  # records as the csv module reads them: ragged rows padded, nothing cut
        csv.field_size_limit(
            1 << 31
        )  # a 10 MB cell is read, then reported (IBM_GEO_MAX_CELL_CHARS)
        records = list(
            csv.reader(
                io.StringIO(text),
                delimiter=sep,
                quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE,
            )
        )
    except csv.Error as exc:
        raise UserError("input.csv_unreadable", file=fname, detail=str(exc)[:200]) from exc
    if text.endswith("\n") and records and records[-1] == []:
        records.pop()
    width = max([len(names), *(len(r) for r in records)])
    if width > max_cols:
        wide = next(i for i, r in enumerate(records) if len(r) == width)
        _check_width(width, max_cols, fname, start + 1 + wide)
    if width > len(names):  # data wider than the header: keep the cells, unnamed
        names = unique_names(names + [""] * (width - len(names)))
    df = pd.DataFrame([r + [""] * (width - len(r)) for r in records], columns=range(width))
    df = df.reindex(columns=range(width))
    df.columns = names
    return pd.DataFrame({c: _clean_text(df[c].astype(object)) for c in names}), start + 1


def _broken_quote(df: pd.DataFrame, src: bytes | Path, first: int) -> tuple[int, str, int] | None:
    """(row, column, lines) of a quoted cell that swallowed whole lines, or None.

    The independent count is the file's physical lines: while every record is one line, no
    cell can have eaten others. Only when records are fewer than lines are the cells looked at:
    a value spanning lines that holds the separator is an unbalanced quote (a legitimate quoted
    address over two lines keeps its rows; one stray quote must not swallow 300)."""
    lines = _count_lines(src) - (first - 1)
    if isinstance(src, bytes | bytearray):
        last = bytes(src[-1:])
    else:
        with open(src, "rb") as fh:
            fh.seek(max(Path(src).stat().st_size - 1, 0))
            last = fh.read(1)
    if last not in (b"\n", b""):
        lines += 1  # a last line without its newline
    if len(df) >= lines:
        return None
    for c in df.columns:
        s = df[c]
        if s.dtype != STRING:
            s = s.astype(STRING)
        hit = s.str.contains("\n", regex=False).fillna(False) & s.str.count(r"\n").gt(0)
        if not hit.any():
            continue
        multi = s[hit]
        wide = multi.str.contains(r"\n[^\n]*[;,\t|][^\n]*[;,\t|]", regex=True).fillna(False)
        if wide.any():
            i = int(wide.idxmax())
            return first + i, str(c), int(multi[i].count("\n")) + 1
    return None


def _unquote(s: pd.Series) -> pd.Series:
    """Cells read with quoting off: a field written as "x" loses its quotes."""
    t = s.astype(STRING)
    whole = t.str.match(r'^".*"$').fillna(False)
    t = t.mask(whole, t.str.slice(1, -1).str.replace('""', '"', regex=False))
    return _clean_text(t)


def _check_width(n: int, limit: int, fname: str, row: int) -> None:
    """A row of more cells than ``IBM_GEO_MAX_COLUMNS`` (half a million "x;" on one line)."""
    if n > limit:
        raise UserError(
            "input.too_many_columns",
            file=fname,
            row=row,
            n=f"{n:,}",
            limit=f"{limit:,}",
            env=_limits.ENV["max_columns"],
        )


def _count_lines(source: bytes | Path) -> int:
    if isinstance(source, bytes | bytearray):
        return bytes(source).count(b"\n")
    n = 0
    with open(source, "rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
    return n


def _estimated_rows(source: bytes | Path, head: bytes) -> float:
    """Rows from the file size and the line length of its first 4 KB: counting every line of
    a 100 MB file costs a second pass over it, needed only when the estimate comes close."""
    size = len(source) if isinstance(source, bytes | bytearray) else Path(source).stat().st_size
    lines = head.count(b"\n")
    if lines < 5:  # odd or one-line head: count
        return float("inf")
    return size / (len(head[: head.rfind(b"\n") + 1]) / lines)


def _utf16(head: bytes) -> str | None:
    """Excel's "Unicode text" is UTF-16 (usually LE with a BOM): the codec, or None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[:512]
    if len(sample) >= 4 and len(sample) % 2 == 0:
        if sample[1::2].count(0) == len(sample) // 2 and sample[0::2].count(0) == 0:
            return "utf-16-le"
        if sample[0::2].count(0) == len(sample) // 2 and sample[1::2].count(0) == 0:
            return "utf-16-be"
    return None


@dataclass
class RawTable:
    """All-text cells of one table with the spreadsheet row of each record and, when several
    sheets were read, the sheet each record came from (``file`` label for reports)."""

    frame: pd.DataFrame
    fname: str
    rows: np.ndarray
    files: np.ndarray | None = None
    header_row: int = 1


def _canon_fn(kind: str, column_map: dict[str, str] | None):
    aliases = _aliases(kind)
    user = {header_key(k): v for k, v in (column_map or {}).items()}

    def canon(h: str) -> str | None:
        key = header_key(re.sub(r"\.\d+$", "", h))
        return user.get(key) or aliases.get(key)

    return canon


def _read_raw(
    source: str | Path | bytes,
    name: str | None,
    kind: str = "clients",
    column_map: dict[str, str] | None = None,
    quality: DataQuality | None = None,
    sheet: str | None = None,
) -> RawTable:
    """:func:`_read_raw_direct` under the parse limits (the targets and previous-run readers
    call this directly; inside :func:`read_points`' child it runs in place)."""
    if not isinstance(source, bytes | bytearray):
        check_special(source, name or Path(source).name)
    rt, q = guarded(
        _read_raw_child, source, name, kind, column_map, sheet, fname=name or "upload.csv"
    )
    if quality is not None:
        quality.extend(q)
    return rt


def _read_raw_child(source, name, kind, column_map, sheet):
    q = DataQuality()
    return _read_raw_direct(source, name, kind, column_map, q, sheet), q


def _read_raw_direct(
    source: str | Path | bytes,
    name: str | None,
    kind: str = "clients",
    column_map: dict[str, str] | None = None,
    quality: DataQuality | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Load every cell as stripped text (NA when empty), after the limits are checked, with the
    header found under title rows and every sheet that holds the same table."""
    quality = quality if quality is not None else DataQuality()
    fname, head = _file_head(source, name)
    _limits.check_source_size(source, fname)
    canon = _canon_fn(kind, column_map)

    def is_known(h: str) -> bool:
        return canon(h) is not None

    _refuse_old_excel(source, head, fname)
    if is_xlsx(head, fname):
        return _read_xlsx(source, fname, canon, quality, sheet)
    source, head = _utf8_lines(source, head, fname, quality)
    src = source if isinstance(source, bytes | bytearray) else Path(source)
    if _estimated_rows(src, head) > _limits.limits().max_rows // 2:  # else cannot be over
        _limits.check_rows(_count_lines(src) - 1, fname)
    df, first = _read_csv(src, fname, is_known)
    broken = _broken_quote(df, src, first)
    if broken is not None:
        row, col, n_lines = broken
        df, first = _read_csv(src, fname, is_known, quoting=False)
        df = pd.DataFrame({c: _unquote(df[c]) for c in df.columns})
        quality.add(
            fname,
            row,
            col,
            Msg("unbalanced_quote", n=n_lines),
            None,
            Msg("quotes_as_text"),
        )
    _limits.check_rows(len(df), fname)
    if first > 2:
        quality.add(
            fname,
            first - 1,
            None,
            Msg("header_on_row", row=str(first - 1)),
            None,
            Msg("rows_above_skipped"),
        )
    return RawTable(
        df, fname, np.arange(first, first + len(df), dtype="int64"), header_row=first - 1
    )


def _file_head(source: str | Path | bytes, name: str | None) -> tuple[str, bytes]:
    """The file's name for messages and its first 4 KB."""
    if isinstance(source, bytes | bytearray):
        return name or "upload.csv", bytes(source[:4096])
    fname = name or Path(source).name
    try:
        with open(source, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise UserError("input.not_found", file=fname, detail=exc.strerror or str(exc)) from exc
    return fname, head


def _refuse_old_excel(source, head: bytes, fname: str) -> None:
    """An OLE container is an encrypted .xlsx or an old binary .xls: neither can be read."""
    ext = Path(fname).suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        whole = (
            bytes(source) if isinstance(source, bytes | bytearray) else Path(source).read_bytes()
        )
        if "EncryptionInfo".encode("utf-16-le") in whole or b"EncryptedPackage" in whole.replace(
            b"\x00", b""
        ):
            # Excel keeps a password-protected .xlsx in an OLE container: not an old .xls
            raise UserError("input.encrypted", file=fname)
    if ext == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError(
            "input.xlsx_unreadable", file=fname, detail="old binary .xls (Excel 97-2003)"
        )


def _utf8_lines(source, head: bytes, fname: str, quality: DataQuality):
    """Text as UTF-8 with newline line ends: UTF-16 re-encoded, CR-only line ends made
    newlines (a quality row); other binary refused. Returns (source, head)."""
    codec = _utf16(head)
    if codec is not None:
        raw = bytes(source) if isinstance(source, bytes | bytearray) else Path(source).read_bytes()
        try:
            source = raw.decode(codec).lstrip("\ufeff").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserError(
                "input.csv_unreadable", file=fname, detail=f"broken {codec.upper()} text"
            ) from exc
        del raw
        head = bytes(source[:4096])
    elif b"\x00" in head:
        raise UserError("input.binary", file=fname)
    if b"\r" in head and b"\n" not in head:
        # old Mac / some exports end lines with CR alone: one line to every reader
        raw = bytes(source) if isinstance(source, bytes | bytearray) else Path(source).read_bytes()
        source = raw.replace(b"\r", b"\n")
        del raw
        quality.add(fname, None, None, Msg("cr_only"), None, Msg("read_as_lines"))
    return source, head


def _read_xlsx(source, fname, canon, quality: DataQuality, sheet: str | None) -> RawTable:
    _limits.check_zip(source, fname)
    data = bytes(source) if isinstance(source, bytes | bytearray) else Path(source).read_bytes()
    lim = _limits.limits()
    tables, skipped, empty = read_workbook(
        data, fname, lambda h: canon(h) is not None, lim.max_rows
    )
    all_sheets = [t.sheet for t in tables] + skipped + empty
    chosen = _chosen_sheets(tables, all_sheets, sheet, fname, canon)
    first = chosen[0]
    names = unique_names(first.header.names)
    pos = {canon(n): j for j, n in enumerate(first.header.names) if n and canon(n)}
    columns: list[list] = [[] for _ in names]
    rows: list[int] = []
    files: list[str] = []
    multi = len(chosen) > 1
    for t in chosen:
        # other sheets: columns by meaning (their order or spelling may differ)
        where = list(range(len(names)))
        if t is not first:
            theirs = {canon(n): j for j, n in enumerate(t.header.names) if n and canon(n)}
            where = [
                theirs.get(c, -1) for c in (canon(n) if n else None for n in first.header.names)
            ]
        for j, w in enumerate(where):
            columns[j].extend(r[w] if 0 <= w < len(r) else None for r in t.rows)
        rows.extend(t.row_numbers)
        label = f"{fname} [{t.sheet}]" if multi else fname
        files.extend([label] * len(t.rows))
        _sheet_problems(t, label, quality)
    _sheets_read(chosen, fname, skipped, empty, all_sheets, quality)
    del pos
    df = pd.DataFrame(
        {n: _clean_text(pd.Series(c, dtype=object)) for n, c in zip(names, columns, strict=True)}
    )
    if not len(names):
        df = pd.DataFrame(index=range(len(rows)))
    return RawTable(
        df,
        fname,
        np.asarray(rows, dtype="int64"),
        np.asarray(files, dtype=object),
        header_row=first.header.data_start,
    )


def _chosen_sheets(tables, all_sheets: list[str], sheet: str | None, fname: str, canon) -> list:
    """The sheets to read: the one asked for, else every sheet holding the same table."""
    if sheet is not None:
        chosen = [t for t in tables if t.sheet == sheet]
        if not chosen:
            if sheet in all_sheets:
                raise UserError("input.no_table", file=f"{fname} [{sheet}]", sheets=sheet)
            raise UserError("input.sheet_unknown", file=fname, sheet=sheet, sheets=all_sheets)
        return chosen
    if not tables:
        raise UserError("input.no_table", file=fname, sheets=all_sheets or "-")
    if all(same_table(tables[0], t, canon) for t in tables[1:]):
        return tables
    raise UserError("input.sheets_differ", file=fname, sheets=[t.sheet for t in tables])


def _sheet_problems(t, label: str, quality: DataQuality) -> None:
    """A sheet's quality rows: formulas without a cached value, merged cells, and rows its own
    row index holds that were not read."""
    for r, col in t.uncached:
        quality.add(
            label,
            r,
            col,
            Msg("formula_no_value"),
            None,
            Msg("formula_read_empty"),
        )
    for ref, r1, r2 in t.merged:
        quality.add(
            label,
            r1,
            None,
            Msg("merged_cells", ref=ref),
            None,
            Msg("merged_value_used", first=str(r1), last=str(r2)),
        )
    if t.index_rows is not None:
        # the sheet's own row index is the independent count: every row holding a value
        # must be a row read, else it is named here
        seen = {n for n, r in zip(t.row_numbers, t.rows, strict=True) if any(r)}
        lost = sorted(set(t.index_rows) - seen)
        if lost:
            quality.add_many(
                label,
                lost,
                None,
                Msg("row_no_value"),
                None,
                Msg("not_read"),
            )


def _sheets_read(chosen, fname: str, skipped, empty, all_sheets, quality: DataQuality) -> None:
    """Quality rows for headers found below title rows, and which sheets were read or not."""
    multi = len(chosen) > 1
    for t in chosen:
        h = t.header
        if h.data_start > 1:
            label = f"{fname} [{t.sheet}]" if multi else fname
            quality.add(
                label,
                h.data_start,
                None,
                Msg("header_on_row", row=str(h.label)),
                None,
                Msg("rows_above_skipped"),
            )
    read = [t.sheet for t in chosen]
    if multi or skipped or empty or len(all_sheets) > 1:
        code = "sheets_read" + ("_skipped" if skipped else "") + ("_empty" if empty else "")
        note = Msg(code, read=", ".join(read), skipped=", ".join(skipped), empty=", ".join(empty))
        n_read = sum(len(t.rows) for t in chosen)
        quality.add(fname, None, None, note, None, Msg("rows_read", n=n_read))


# -- vectorised value parsers ----------------------------------------------------------------


def _clean_text(s: pd.Series) -> pd.Series:
    """Strip whitespace; empty strings and missing become NA (pandas string dtype)."""
    if s.dtype != STRING:
        s = s.astype(STRING)
    s = s.str.strip()
    return s.mask(s == "", pd.NA)


_PLAIN_NUMBER = r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$"


def text_arrow(s: pd.Series):
    """The Arrow string data behind a text Series (no copy for the pyarrow string dtype; any
    other text column is converted once), as one ChunkedArray."""
    import pyarrow as pa

    if s.dtype != STRING:
        s = s.astype(STRING)
    arr = s.array.__arrow_array__()
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _to_float(arr, index: pd.Index) -> pd.Series | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        out = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return None
    return pd.Series(out.to_numpy(), index=index, dtype="float64")


def parse_float(s: pd.Series) -> pd.Series:
    """Numbers with a dot or a decimal comma ("-8,65") -> float64; anything else -> NaN.

    In Arrow: a clean column is one cast; otherwise decimal commas become dots and only cells
    that look like a plain number are cast (a column of a million years takes ~50 ms).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.utf8_trim_whitespace(text_arrow(s))
    fast = _to_float(arr, s.index)
    if fast is not None:
        return fast
    arr = pc.replace_substring(arr, ",", ".")
    fast = _to_float(arr, s.index)
    if fast is not None:
        return fast
    plain = pc.match_substring_regex(arr, _PLAIN_NUMBER)
    arr = pc.if_else(plain, arr, pa.scalar(None, arr.type))
    out = _to_float(arr, s.index)
    assert out is not None  # every remaining cell matched the plain-number pattern
    return out


def parse_coordinates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split "lat, lon" / "lat;lon" / "lat lon" strings (decimal commas allowed) into floats."""
    parts = s.astype(STRING).str.extract(_COORD_RE)
    return parse_float(parts[0]), parse_float(parts[1])


def _map_values(s: pd.Series, table: dict) -> pd.Series:
    """Map written categories through ``table`` once per distinct value; unknown -> NA."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([_lookup(u, table) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=s.index, dtype=object)


def _lookup(u: object, table: dict):
    key = re.sub(r"[\s_]+", " ", str(u).lower()).strip(" .")
    return table.get(key, table.get(key.replace(" ", "")))


def _map_text(s: pd.Series, table: dict[str, str]) -> pd.Series:
    """:func:`_map_values` for text categories, built in Arrow (a take over the distinct values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = pa.array([_lookup(u, table) for u in uniques] + [None], type=pa.large_string())
    out = pc.take(mapped, np.where(codes < 0, len(uniques), codes))
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index)


def _duplicated(ids: pd.Series) -> pd.Series:
    """Every non-missing value that occurs more than once (``duplicated(keep=False)``).

    Sorted in Arrow and compared with the neighbour: a million ids take ~0.1 s, hashing them
    in pandas ~0.4 s."""
    import pyarrow.compute as pc

    arr = text_arrow(ids)
    n, nn = len(arr), len(arr) - arr.null_count
    hit = np.zeros(n, dtype=bool)
    if nn > 1:
        order = pc.sort_indices(arr).to_numpy()[:nn]  # nulls sort last
        srt = pc.take(arr, order)
        same = pc.equal(srt.slice(1), srt.slice(0, nn - 1)).to_numpy(zero_copy_only=False)
        same = same.astype(bool)
        dup = np.zeros(nn, dtype=bool)
        dup[1:] |= same
        dup[:-1] |= same
        hit[order[dup]] = True
    return pd.Series(hit, index=ids.index)


def _year(t: pd.Series | None, col: str, rep, index: pd.Index) -> pd.Series:
    """A year column (rehab, recruitment) as Int64: a number, or the 4-digit year of a date or
    of text such as "Angkatan 2019"; anything else, or a year outside MIN_YEAR..this year, is NA
    and a row of the quality report (the row itself is kept)."""
    if t is None:
        return pd.Series(pd.NA, index=index, dtype="Int64")
    year = parse_float(t)
    retry = year.isna() & t.notna()
    if retry.any():  # dates such as "12/03/2021", "Angkatan 2019": take the 4-digit year
        found = t[retry].str.extract(r"\b((?:19|20)\d{2})\b")[0]
        year[retry] = pd.to_numeric(found, errors="coerce").astype("float64")
    rep(t.notna() & year.isna(), col, Msg("year_not_number"), t)
    now = _dt.date.today().year
    bad = year.notna() & ((year < MIN_YEAR) | (year > now) | (year % 1 != 0))
    rep(bad, col, Msg("year_outside", first=str(MIN_YEAR), last=str(now)), t)
    return year.mask(bad).astype("Int64")


_IGNORED = Msg("ignored_value")
_IGNORED_XY = Msg("ignored_coordinates")


class _Reporter:
    def __init__(self, quality: DataQuality, fname: str, rows: pd.Series, files=None):
        self.q, self.f, self.rows, self.files = quality, fname, rows, files

    def __call__(self, mask, column, problem, values=None, action=_IGNORED):
        mask = pd.Series(mask, index=self.rows.index).fillna(False).astype(bool)
        if not mask.any():
            return
        if self.files is not None:  # several sheets read: one block per sheet
            for label in pd.unique(self.files[mask]):
                m = mask & (self.files == label)
                vals = None if values is None else values[m]
                self.q.add_many(label, self.rows[m], column, problem, vals, action)
            return
        vals = None if values is None else values[mask]
        self.q.add_many(self.f, self.rows[mask], column, problem, vals, action)


def _category(df, text, col, table, rep, label, fill=None):
    """Map a categorical column; unknown values become NA (or ``fill``) and are reported."""
    if col not in text:
        return
    written = text[col]
    mapped = _map_text(written, table)
    bad = written.notna() & mapped.isna()
    action = _IGNORED if fill is None else Msg("used_value", value=fill)
    rep(bad, col, Msg(f"unknown.{col}"), written, action)
    if fill is not None:
        mapped = mapped.mask(bad, fill)
    df[col] = mapped


def read_points(
    source: str | Path | bytes,
    kind: str,
    quality: DataQuality,
    name: str | None = None,
    column_map: dict[str, str] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a clients / agents / service_points table into the canonical columns, in a child
    process under the parse limits (:mod:`ibm_geo.io.guard`); see :func:`_read_points`."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if isinstance(source, bytes | bytearray):
        fname = name or "upload.csv"
    else:
        fname = name or Path(source).name
        check_special(source, fname)
    out, q = guarded(_read_points_child, source, kind, name, column_map, sheet, fname=fname)
    quality.extend(q)
    return out


def _read_points_child(source, kind, name, column_map, sheet):
    q = DataQuality()
    return _read_points(source, kind, q, name, column_map, sheet), q


def _read_points(
    source: str | Path | bytes,
    kind: str,
    quality: DataQuality,
    name: str | None = None,
    column_map: dict[str, str] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read a clients / agents / service_points table into the canonical columns.

    ``column_map`` maps written headers to canonical names and wins over detection. Raises
    :class:`~ibm_geo.errors.UserError` (naming the file) when the file is unusable (no location
    column, no data rows, over a limit, sheets that differ and no ``sheet`` chosen); every bad
    cell becomes NA and a row in ``quality``. The output keeps every data row (fully empty lines
    are skipped, as they are not records) with ``row`` = spreadsheet row number (the header
    may sit under title rows; with several sheets read, quality rows name the sheet).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    rt = _read_raw(source, name, kind, column_map, quality, sheet)
    raw, fname = rt.frame, rt.fname
    raw.index = pd.RangeIndex(len(raw))
    rows = pd.Series(rt.rows)
    files = None if rt.files is None else pd.Series(rt.files)

    rows, files, cells, headers = _drop_empty(raw, rows, files)
    if len(rows) == 0:
        if kind == "clients":
            raise UserError("input.header_only", file=fname, row=rt.header_row)
        quality.add(fname, rt.header_row, None, Msg("no_data_rows"), None, Msg("none_read"))
    found = _map_headers(headers, kind, column_map, fname, quality)

    rep = _Reporter(quality, fname, rows, files)
    _leave_out_long_cells(cells, headers, rep)
    text = {canon: cells[pos] for canon, pos in found.items()}
    for pos, col in enumerate(headers):
        if col.startswith("Unnamed:") and pos not in found.values():
            rep(cells[pos].notna(), col, Msg("cell_no_header"))
    n = len(rows)
    out = pd.DataFrame({"row": rows})

    for col in ("client_id", "agen_id", "name", "kelurahan", "kecamatan", "kab_kota"):
        if col in COLUMNS[kind]:
            out[col] = text[col] if col in text else pd.Series(pd.NA, index=out.index, dtype=STRING)

    out["kode"] = _kode(text, rep, out.index)
    lat, lon, unparsed = _written_lat_lon(text, headers, found, rep, out.index)
    out["lat"], out["lon"] = _checked_lat_lon(lat, lon, unparsed, rep)

    if kind == "clients":
        _client_columns(out, text, rep)
    elif kind == "agents":
        _agent_columns(out, text, rep)
    else:
        out["jenis"] = pd.Series(pd.NA, index=out.index, dtype=STRING)
        _category(out, text, "jenis", _JENIS_SP, rep, "service point type", "lainnya")

    if kind == "clients":
        out["rw"] = _rw(text.get("rw"), out.index)
        if "rw" in text:
            quality.add(
                fname,
                None,
                "rw",
                Msg("rw_kept", n=int(out["rw"].notna().sum()), total=n),
                None,
                Msg("rw_kept_action"),
            )

    no_loc = out["kode"].isna() & out["kelurahan"].isna() & out["lat"].isna()
    rep(no_loc, None, Msg("no_location"), None, Msg("kept_unplaced"))
    assert len(out) == n
    out = out[COLUMNS[kind]]
    if files is not None:  # rows of several sheets: quality rows downstream name the sheet
        out.attrs["row_files"] = files.to_numpy(dtype=object)
    return out


def _drop_empty(raw: pd.DataFrame, rows: pd.Series, files: pd.Series | None):
    """Cells arrive stripped; drop unnamed all-empty columns and all-empty records. Columns are
    handled by position: a sheet may repeat a header ("kelurahan" twice). Returns (rows, files,
    cells per kept column, their headers)."""
    headers = [str(c) for c in raw.columns]
    cells = [raw.iloc[:, i] for i in range(len(headers))]
    keep_cols = [
        i for i, h in enumerate(headers) if not (h.startswith("Unnamed:") and cells[i].isna().all())
    ]
    if keep_cols:
        empty = np.logical_and.reduce([cells[i].isna().to_numpy() for i in keep_cols])
    else:
        empty = np.ones(len(raw), dtype=bool)
    keep_rows = ~empty
    rows = rows[keep_rows].reset_index(drop=True)
    if files is not None:
        files = files[keep_rows].reset_index(drop=True)
    cells = [cells[i][keep_rows].reset_index(drop=True) for i in keep_cols]
    headers = [headers[i] for i in keep_cols]
    return rows, files, cells, headers


def _map_headers(
    headers: list[str], kind: str, column_map: dict[str, str] | None, fname: str, quality
) -> dict[str, int]:
    """Canonical name -> position in ``headers`` (the user's map wins over the aliases; a second
    column of the same meaning is reported and ignored); a table without any location column
    is refused."""
    aliases = _aliases(kind)
    user = {header_key(k): v for k, v in (column_map or {}).items()}
    found: dict[str, int] = {}  # canonical name -> position in `headers`
    names = set(headers)
    for pos, col in enumerate(headers):
        # pandas (Excel, tolerant CSV) renames a repeated header "x" to "x.1": read it as "x"
        base = re.sub(r"\.\d+$", "", col)
        key = header_key(base if base != col and base in names else col)
        canon = user.get(key) or aliases.get(key)
        if canon is None:
            continue
        if canon in found:
            quality.add(
                fname, None, col, Msg("second_column", name=canon), None, Msg("column_ignored")
            )
            continue
        found[canon] = pos
    has_loc = any(c in found for c in ("kode", "kelurahan", "koordinat")) or (
        "lat" in found and "lon" in found
    )
    if not has_loc:
        raise UserError("input.no_location_column", file=fname, found=", ".join(headers) or "-")
    return found


def _max_bytes(s: pd.Series) -> int:
    """The longest cell's size in bytes, read off Arrow's offsets (no text scanned)."""
    import pyarrow.compute as pc

    return pc.max(pc.binary_length(text_arrow(s))).as_py() or 0


def _leave_out_long_cells(cells: list[pd.Series], headers: list[str], rep: _Reporter) -> None:
    """A 10 MB cell (a pasted document) is reported and left out (in place), its row kept."""
    limit = _limits.limits().max_cell_chars
    for pos, col in enumerate(headers):
        if _max_bytes(cells[pos]) <= limit:  # no cell has more characters than bytes
            continue
        lens = cells[pos].str.len()
        long = (lens > limit).fillna(False).astype(bool)
        if long.any():
            rep(long, col, Msg("cell_too_long", limit=limit), None, _IGNORED)
            cells[pos] = cells[pos].mask(long, pd.NA)


def _kode(text: dict[str, pd.Series], rep: _Reporter, index: pd.Index) -> pd.Series:
    """Written codes in the dotted Kemendagri form; one that is no code is reported, NA."""
    if "kode" not in text:
        return pd.Series(pd.NA, index=index, dtype=STRING)
    kode = normalize_kodes(text["kode"])
    rep(
        text["kode"].notna() & kode.isna(),
        "kode",
        Msg("not_kode"),
        text["kode"],
    )
    return kode.astype(STRING)


def _written_lat_lon(text, headers, found, rep: _Reporter, index: pd.Index):
    """lat, lon as written (separate columns, else one "lat, lon" column); and which rows had
    a number that did not parse."""
    lat = pd.Series(np.nan, index=index)
    lon = pd.Series(np.nan, index=index)
    unparsed = pd.Series(False, index=index)
    for col in ("lat", "lon"):
        if col in text:
            v = parse_float(text[col])
            bad = text[col].notna() & v.isna()
            rep(bad, col, Msg("not_a_number", column=col), text[col], _IGNORED_XY)
            unparsed |= bad
            if col == "lat":
                lat = v
            else:
                lon = v
    if "koordinat" in text:
        klat, klon = parse_coordinates(text["koordinat"])
        use = lat.isna() & lon.isna()
        rep(
            use & text["koordinat"].notna() & (klat.isna() | klon.isna()),
            headers[found["koordinat"]],
            Msg("coordinates_form"),
            text["koordinat"],
            _IGNORED_XY,
        )
        lat = lat.mask(use, klat)
        lon = lon.mask(use, klon)
    return lat, lon, unparsed


def _inside(la: pd.Series, lo: pd.Series) -> pd.Series:
    return la.between(*LAT_RANGE) & lo.between(*LON_RANGE)


def _checked_lat_lon(lat: pd.Series, lon: pd.Series, unparsed: pd.Series, rep: _Reporter):
    """Half a pair is dropped, a swapped pair put back, a point outside Indonesia dropped;
    each reported. Returns float64 (lat, lon)."""
    half = lat.isna() ^ lon.isna()
    rep(half & ~unparsed, "lat", Msg("half_coordinates"), None, _IGNORED_XY)
    lat, lon = lat.mask(half), lon.mask(half)
    present = lat.notna() & lon.notna()
    ok = _inside(lat, lon)
    swapped = present & ~ok & _inside(lon, lat)
    odd = swapped | (present & ~ok)
    pair = pd.Series(pd.NA, index=lat.index, dtype=object)
    pair[odd] = lat[odd].astype(str) + ", " + lon[odd].astype(str)
    rep(swapped, "lat", Msg("latlon_swapped"), pair, Msg("swapped_latlon"))
    lat, lon = lat.mask(swapped, lon), lon.mask(swapped, lat)
    outside = present & ~ok & ~swapped
    rep(outside, "lat", Msg("outside_indonesia"), pair, _IGNORED_XY)
    return lat.mask(outside).astype("float64"), lon.mask(outside).astype("float64")


def _client_columns(out: pd.DataFrame, text, rep: _Reporter) -> None:
    """Years, service type, severity and status of clients (in place); duplicate ids."""
    out["tahun_rehab"] = _year(text.get("tahun_rehab"), "tahun_rehab", rep, out.index)
    out["tahun_pasca"] = _year(text.get("tahun_pasca"), "tahun_pasca", rep, out.index)
    for col, table, label in (
        ("jenis_layanan", _LAYANAN, "service type (rawat jalan/inap)"),
        ("tingkat", _TINGKAT, "severity (ringan/sedang/berat)"),
        ("status_pasca", _STATUS, "post-rehab status (belum/aktif/selesai/putus)"),
    ):
        out[col] = pd.Series(pd.NA, index=out.index, dtype=STRING)
        _category(out, text, col, table, rep, label)
    ids = out["client_id"]
    dup = _duplicated(ids)
    rep(dup, "client_id", Msg("duplicate_client_id"), ids, Msg("kept_both_rows"))


def _capacity(text, rep: _Reporter, index: pd.Index) -> pd.Series:
    """Whole capacities up to MAX_CAPACITY; others reported, NA (the default applies)."""
    if "kapasitas" not in text:
        return pd.Series(pd.NA, index=index, dtype="Int64")
    t = text["kapasitas"]
    cap = parse_float(t)
    bad = t.notna() & (cap.isna() | (cap < 0) | (cap % 1 != 0))
    rep(bad, "kapasitas", Msg("capacity_not_whole"), t, Msg("default_capacity"))
    huge = t.notna() & ~bad & (cap > MAX_CAPACITY)  # 1e19 would overflow Int64
    rep(
        huge,
        "kapasitas",
        Msg("capacity_above", limit=MAX_CAPACITY),
        t,
        Msg("default_capacity"),
    )
    bad = bad | huge
    return cap.mask(bad).astype("Int64")


def _agent_columns(out: pd.DataFrame, text, rep: _Reporter) -> None:
    """Capacity, active flag and recruitment year of agents (in place); duplicate ids."""
    out["kapasitas"] = _capacity(text, rep, out.index)
    if "aktif" in text:
        t = text["aktif"]
        val = _map_values(t, _AKTIF)
        rep(
            t.notna() & val.isna(),
            "aktif",
            Msg("unknown.aktif"),
            t,
            Msg("assumed_active"),
        )
        out["aktif"] = val.fillna(True).astype(bool)
    else:
        out["aktif"] = pd.Series(True, index=out.index, dtype=bool)
    out["tahun_rekrut"] = _year(text.get("tahun_rekrut"), "tahun_rekrut", rep, out.index)
    if "tahun_rekrut" in text:  # which rows keep their office's agent progress a snapshot
        rep(
            out["aktif"] & text["tahun_rekrut"].isna(),
            "tahun_rekrut",
            Msg("recruit_year_missing"),
            None,
            Msg("agent_counted_snapshot"),
        )
    ids = out["agen_id"]
    dup = _duplicated(ids)
    rep(dup, "agen_id", Msg("duplicate_agen_id"), ids, Msg("kept_both_rows"))
