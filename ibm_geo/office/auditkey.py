"""The audit log's HMAC key: kept outside the database, so someone who can write the database
(or a copy of it) cannot recompute the hash chain after changing, adding or removing entries.

Where it comes from, first found wins: ``[office] audit_key`` / ``IBM_GEO_AUDIT_KEY`` (the key
itself, at least 32 characters), ``[office] audit_key_file`` / ``IBM_GEO_AUDIT_KEY_FILE``, else
``audit.key`` next to the SQLite file (PostgreSQL: in the data folder). A missing key file is
created (0600, 64 hex characters, folder 0700) only while the database has never been keyed;
afterwards a missing, loose (group/world-readable) or different key is a one-line error, never a
silently new key that would make every later entry fail verification.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from ..errors import UserError
from .settings import OfficeSettings

MIN_KEY = 32


def key_id(key: bytes) -> str:
    """A short public fingerprint of the key (kept in the database and in checkpoints), so a
    wrong key is named as such instead of showing up as a broken chain."""
    return hmac.new(key, b"ibm-geo audit key id", hashlib.sha256).hexdigest()[:16]


def _check(key: str, where: str) -> bytes:
    key = key.strip()
    if len(key) < MIN_KEY:
        raise UserError("office.audit_key", where=where, n=MIN_KEY)
    return key.encode("utf-8")


def load_key(settings: OfficeSettings, *, create: bool) -> bytes:
    """The key of ``settings``; the key file is created only when ``create`` (a never-keyed log)."""
    if settings.audit_key:
        return _check(settings.audit_key, "IBM_GEO_AUDIT_KEY / [office] audit_key")
    path = settings.audit_key_path()
    if not path.exists():
        if not create:
            raise UserError("office.audit_key_missing", path=str(path))
        return _create(path)
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise UserError("office.audit_key", where=str(path), n=MIN_KEY)
    if st.st_mode & 0o077:
        raise UserError("office.audit_key_mode", path=str(path), mode=f"{st.st_mode & 0o777:o}")
    return _check(path.read_text(encoding="utf-8"), str(path))


def _create(path: Path) -> bytes:
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago: use theirs
        return _check(path.read_text(encoding="utf-8"), str(path))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    os.chmod(path, 0o600)  # whatever the umask
    return key.encode("utf-8")
