"""The installation's secret and each client's record key for the cell key method (:mod:`ibm_geo.ckm`).

A record key must be the same for the same person in every upload and every run (else a
re-uploaded register would get new noise, and two uploads could be averaged), and unknowable
without the secret (else the noise could be subtracted). So it is a keyed hash of the person's
identity:

* the identity is the NIK / client ID when the register has one, else the normalised name and
  the rehab year (not the place: a person who moves, or whose village is corrected, keeps the
  key, so moving one client between two villages changes no total above them);
* the hash is keyed BLAKE2b (RFC 7693's MAC mode, a keyed hash with HMAC's guarantees, about 4x
  faster than HMAC-SHA256 in Python: 0.6 s against 2.3 s for a million clients) with a 32-byte
  secret, and its one-byte digest is the key ``0..255``.

The secret belongs to the installation: made on first use with ``os.urandom``, written once to a
file readable by its owner only (``IBM_GEO_SECRET_FILE``, default
``$IBM_GEO_HOME/secret.key`` or ``~/.config/ibm-geo/secret.key``), never written into an
output. The office passes its own secret (kept in its store) instead.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ibm_geo.io.tables import text_arrow
from ibm_geo.names import normalize_names

SECRET_BYTES = 32


def secret_path() -> Path:
    """Where the installation's secret lives (see module doc)."""
    explicit = os.environ.get("IBM_GEO_SECRET_FILE")
    if explicit:
        return Path(explicit)
    home = os.environ.get("IBM_GEO_HOME")
    base = Path(home) if home else Path.home() / ".config" / "ibm-geo"
    return base / "secret.key"


def installation_secret(path: Path | None = None) -> bytes:
    """The installation's secret, made on first use (the file is created exclusively with mode
    0600 in a 0700 folder, so two processes starting together agree on one secret)."""
    p = Path(path) if path is not None else secret_path()
    try:
        data = p.read_bytes()
        if len(data) >= SECRET_BYTES:
            return data[:SECRET_BYTES]
    except FileNotFoundError:
        pass
    p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = os.urandom(SECRET_BYTES)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return installation_secret(p)
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
    return secret


def fingerprint(secret: bytes) -> str:
    """A short public name of a secret (cache keys, never the secret itself)."""
    return hashlib.blake2b(secret, digest_size=8, person=b"ibm-geo-fp").hexdigest()


_ID_DROP = str.maketrans("", "", " \t.-")


def identities(clients: pd.DataFrame) -> list[bytes]:
    """One identity per client row (see module doc), as bytes to hash.

    Column operations in Arrow's kernels (a million rows: ~0.3 s instead of ~2 s per row in
    Python); a written ID with anything but printable ASCII, and every name, takes the rules of
    :func:`~ibm_geo.names.normalize_name` (tested to agree with a row-by-row version).
    """
    n = len(clients)
    if "client_id" in clients:
        ids = _arrow(clients["client_id"].astype("string"))
    else:
        ids = pa.nulls(n, type=pa.string())
    # printable ASCII ("^[ -~]*$", the empty string included) without a regex over every ID
    printable = pc.or_(pc.ascii_is_printable(ids), pc.equal(pc.utf8_length(ids), 0))
    plain = pc.fill_null(pc.and_(pc.string_is_ascii(ids), printable), False)
    clean = pc.ascii_upper(ids)  # the other IDs are redone by the scalar rules below
    for ch in " .-":  # literal removals, each only where it occurs (a NIK has none)
        if pc.any(pc.match_substring(clean, ch)).as_py():
            clean = pc.replace_substring(clean, ch, "")
    other = pc.and_(pc.invert(plain), pc.is_valid(ids))
    if pc.any(other).as_py():  # other written IDs (a tab, accents): the scalar rules
        fixed = [_clean_id(v) for v in pc.filter(ids, other).to_pylist()]
        clean = pc.replace_with_mask(clean, other, pa.array(fixed, type=pa.string()))
    has_id = pc.fill_null(pc.greater(pc.utf8_length(clean), 0), False)
    out = pc.binary_join_element_wise("id:", pc.fill_null(clean, ""), "")
    if not pc.all(has_id).as_py():
        missing = np.flatnonzero(~has_id.to_numpy(zero_copy_only=False))
        sub = clients.iloc[missing]

        def col(name: str) -> pd.Series:
            if name not in sub:
                return pd.Series("", index=sub.index, dtype="string")
            return sub[name].astype("string").fillna("").str.strip()

        names = normalize_names(col("name")).fillna("")
        by_name = pc.binary_join_element_wise(
            "nm:",
            _arrow(names),
            "|",
            _arrow(col("tahun_rehab")),
            "",
        )
        mask = pc.invert(has_id)
        out = pc.replace_with_mask(out, mask, by_name)
    return out.cast(pa.binary()).to_pylist()


def _arrow(s: pd.Series) -> pa.Array:
    """A text column as one Arrow string array (missing -> null), taken as it is when the
    column is Arrow-backed (no round trip through a million Python strings)."""
    return text_arrow(s).combine_chunks().cast(pa.string())


def _clean_id(v: str) -> str:
    return str(v).strip().upper().translate(_ID_DROP)


def record_keys(idents: list[bytes], secret: bytes, n_keys: int = 256) -> np.ndarray:
    """Record key ``0..n_keys-1`` per identity (keyed BLAKE2b, see module doc)."""
    if n_keys != 256:
        raise ValueError("record keys are one byte (256 keys)")
    # the key block is compressed once and its state copied per identity (the same digests
    # as ``blake2b(s, key=secret, digest_size=1)``: one compression each instead of two);
    # one-byte digests joined once: ~0.4 s for a million, against ~1.5 s through a generator
    copy = hashlib.blake2b(key=secret, digest_size=1).copy
    return np.frombuffer(b"".join([_digest(copy(), s) for s in idents]), dtype=np.uint8).astype(
        np.int64
    )


def _digest(h, data: bytes) -> bytes:
    h.update(data)
    return h.digest()
