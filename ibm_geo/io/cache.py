"""A cache of boundary layers already read and validated, keyed by their bytes.

A BNNP office reads the same kelurahan layer in every run and after every server restart; the
national layer costs seconds to parse, validate and repair (83,402 polygons) and as much again
to carry back from the parsing child (:mod:`ibm_geo.io.guard`). Once a file has been read
successfully under the parse limits, the result is kept as Arrow (Feather, WKB geometries)
next to its data-quality rows, under a key made of

* the BLAKE2b digest of the file's bytes (an edited file is a new file),
* the reading options (column map, layer, the name quality rows carry), and
* the digest of the reader's own source code (a changed reader reads again).

Boundaries are public data, so nothing personal is written. The folder is the installation's
own (``IBM_GEO_CACHE_DIR``, else ``$IBM_GEO_HOME/cache``, else ``~/.cache/ibm-geo``), created
0700; an entry that is not ours or fails to load is deleted and the file is read again.
``IBM_GEO_CACHE=0`` turns the cache off. At most :data:`MAX_ENTRIES` layers are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
import tempfile
from pathlib import Path

import geopandas as gpd

from ibm_geo.quality import DataQuality

MAX_ENTRIES = 8
#: modules whose code decides what a boundary read returns
_READER_MODULES = ("boundaries.py", "sqldump.py", "limits.py", "../regions.py", "../names.py")


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is off."""
    if os.environ.get("IBM_GEO_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    explicit = os.environ.get("IBM_GEO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    home = os.environ.get("IBM_GEO_HOME")
    return (Path(home) / "cache") if home else Path.home() / ".cache" / "ibm-geo"


def _reader_digest() -> str:
    h = hashlib.blake2b(digest_size=16, person=b"ibm-geo-reader")
    here = Path(__file__).resolve().parent
    for name in _READER_MODULES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()


def key_of(source: str | Path | bytes, options: dict) -> str | None:
    """The entry's name for a source and its reading options; None for what is not one file
    (a File Geodatabase folder) or when the cache is off."""
    if cache_dir() is None:
        return None
    h = hashlib.blake2b(digest_size=20, person=b"ibm-geo-bnd")
    if isinstance(source, bytes | bytearray):
        h.update(source)
    else:
        p = Path(source)
        if not p.is_file():
            return None
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                h.update(block)
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(_reader_digest().encode())
    return h.hexdigest()


def _ours(path: Path) -> bool:
    """An entry is loaded only from a regular file of this user that nobody else can write."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return (
        stat.S_ISREG(st.st_mode)
        and st.st_uid == os.getuid()
        and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def get(key: str | None) -> tuple[gpd.GeoDataFrame, DataQuality] | None:
    """The layer and its quality rows as first read, or None."""
    folder = cache_dir()
    if key is None or folder is None:
        return None
    arrow, meta = folder / f"{key}.arrow", folder / f"{key}.meta"
    if not (_ours(arrow) and _ours(meta)):
        return None
    try:
        with open(meta, "rb") as fh:
            info = pickle.load(fh)
        geo = gpd.read_feather(arrow)
        for col, dtype in info["dtypes"].items():
            if dtype == "object" and col in geo:  # Arrow text comes back as ``str``
                text = geo[col].astype(object)
                geo[col] = text.where(text.notna(), None)
        geo = geo[info["columns"]]
        geo.attrs.update(info["attrs"])
        os.utime(arrow)  # most recently used
        return geo, info["quality"]
    except Exception:  # noqa: BLE001 - a damaged entry is read again from the source
        for p in (arrow, meta):
            p.unlink(missing_ok=True)
        return None


def put(key: str | None, geo: gpd.GeoDataFrame, quality: DataQuality) -> None:
    """Keep a successful read (atomically; a failure to write only costs the next read)."""
    folder = cache_dir()
    if key is None or folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = {
            "columns": list(geo.columns),
            "dtypes": {c: str(t) for c, t in geo.dtypes.items() if c != geo.geometry.name},
            "attrs": dict(geo.attrs),
            "quality": quality,
        }
        for suffix, write in (
            (".arrow", lambda f: _plain(geo).to_feather(f)),
            (".meta", lambda f: pickle.dump(info, f, protocol=5)),
        ):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, folder / f"{key}{suffix}")
        _evict(folder)
    except Exception:  # noqa: BLE001 - a full disk or a read-only home: read again next time
        return


def _plain(geo: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer with its ``attrs`` dropped (GeoPandas writes them as Feather metadata, and
    they go into the meta file instead)."""
    out = geo.copy()
    out.attrs = {}
    return out


def _evict(folder: Path) -> None:
    entries = sorted(folder.glob("*.arrow"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".meta").unlink(missing_ok=True)
