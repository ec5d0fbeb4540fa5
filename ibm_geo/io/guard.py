"""Parse every user file in a child process with a memory and a time limit.

A file can be small and still ask for gigabytes once parsed (a GeoParquet whose pages inflate, an
XLSX with a stray cell at XFD5 and another at A200000) or keep a reader busy forever (a named
pipe, a bz2 bomb). The metadata checks in :mod:`ibm_geo.io.limits` refuse the known shapes before
any parsing; this module is the backstop for the rest: the reader runs in a ``fork`` of the
caller (modules already imported, so a small file costs a few milliseconds more) under
``RLIMIT_AS`` = the caller's address space + ``IBM_GEO_MAX_PARSE_MB``, and is killed after
``IBM_GEO_MAX_PARSE_SECONDS``. Breaching either is a :class:`~ibm_geo.errors.UserError` naming the
limit and the variable that raises it; the caller (the CLI, or every other planner's session in
the app's server) is untouched.

The result comes back through shared memory: the child pickles it with protocol 5 and its
column buffers out of band, writes those into a ``memfd`` the caller made before the fork, and
sends only the small pickle through the pipe; the caller maps the memfd (private copy-on-write
pages) and unpickles onto the mapped buffers. A million client rows are ~220 MB of buffers:
through the pipe they cost ~0.9 s of copies on the national run, through the memfd ~0.1 s.

``IBM_GEO_PARSE_IN_PROCESS=1`` reads in the calling process (debugging with a debugger).
"""

from __future__ import annotations

import errno
import mmap
import multiprocessing as mp
import os
import pickle
import resource
import stat
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ibm_geo.errors import IbmGeoError, UserError
from ibm_geo.io import limits as _limits

T = TypeVar("T")

#: set in the child: a reader called from inside a guarded reader runs directly
_IN_CHILD = {"on": False}
_FORK = threading.Lock()


def check_special(path: str | Path, fname: str, *, allow_dir: bool = False) -> None:
    """Refuse what is not a regular file before anything opens it: a FIFO (``open`` blocks
    forever), a device, a socket, a folder, a symlink loop or a path that does not exist."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserError("input.special_file", file=fname, kind="symlink loop") from exc
        raise UserError("input.not_found", file=fname, detail=exc.strerror or str(exc)) from exc
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        if allow_dir:
            return
        kind = "folder"
    elif stat.S_ISFIFO(mode):
        kind = "named pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "device"
    elif stat.S_ISSOCK(mode):
        kind = "socket"
    else:
        kind = "special file"
    raise UserError("input.special_file", file=fname, kind=kind)


def _statm(pid: int | str = "self", field: int = 0) -> int:
    """Bytes from ``/proc/<pid>/statm``: field 0 = address space (``VmSize``), 1 = resident."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _address_space() -> int:
    return _statm("self", 0)


def _warm() -> None:
    """Import the readers' heavy modules in the caller once, so each child does not."""
    import geopandas  # noqa: F401
    import openpyxl  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import pyogrio  # noqa: F401


def _child(conn, fn, args, kw, limit_bytes: int, shm: int = -1) -> None:
    _IN_CHILD["on"] = True
    if limit_bytes > 0:
        try:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            new = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
            resource.setrlimit(resource.RLIMIT_AS, (new, hard))
        except (ValueError, OSError):
            pass
    try:
        out = ("ok", fn(*args, **kw))
    except MemoryError:
        out = ("memory", None)
    except IbmGeoError as exc:
        out = ("user", exc)
    except BaseException as exc:  # noqa: BLE001 - a bug in a reader: the caller re-raises it
        out = ("bug", f"{type(exc).__name__}: {exc}", traceback.format_exc())
    try:
        conn.send_bytes(_pack(out, shm))
    except MemoryError:
        conn.send_bytes(pickle.dumps(("memory", None)))
    except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
        conn.send_bytes(
            pickle.dumps(("bug", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        )
    finally:
        conn.close()


#: buffers start at multiples of this in the shared memory (Arrow's own alignment)
_ALIGN = 64


def _pack(out: object, shm: int) -> bytes:
    """The child's message: ``("oob", pickle, spans)`` with the buffers written to the memfd
    ``shm`` at ``spans`` (offset, length), or the whole pickle in band when there is no memfd
    or a buffer cannot be written there (not contiguous, tmpfs full)."""
    if shm >= 0:
        bufs: list[pickle.PickleBuffer] = []
        try:
            head = pickle.dumps(out, protocol=5, buffer_callback=bufs.append)
            spans, pos = [], 0
            for b in bufs:
                raw = b.raw()
                pos = -(-pos // _ALIGN) * _ALIGN
                done = 0
                while done < raw.nbytes:
                    done += os.pwrite(shm, raw[done:], pos + done)
                spans.append((pos, raw.nbytes))
                pos += raw.nbytes
            return pickle.dumps(("oob", head, spans), protocol=5)
        except (BufferError, OSError, pickle.PicklingError):
            pass
    return pickle.dumps(out, protocol=5)


def _unpack(data: bytes, shm: int) -> object:
    """The child's result from :func:`_pack`'s message; out-of-band buffers become views of a
    private (copy-on-write) mapping of the memfd, which lives as long as they do."""
    msg = pickle.loads(data)
    if not (isinstance(msg, tuple) and len(msg) == 3 and msg[0] == "oob"):
        return msg
    _, head, spans = msg
    size = max((o + n for o, n in spans), default=0)
    if size == 0:
        return pickle.loads(head, buffers=[b"" for _ in spans])
    mm = mmap.mmap(shm, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    view = memoryview(mm)
    return pickle.loads(head, buffers=[view[o : o + n] for o, n in spans])


def _memfd() -> int:
    """A memfd for the child's buffers, or -1 where there is none (the pipe carries all)."""
    try:
        return os.memfd_create("ibm-geo-parse", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return -1


def _too_slow(fname: str, lim) -> UserError:
    return UserError(
        "input.parse_time",
        file=fname,
        seconds=f"{lim.max_parse_seconds:g}",
        env=_limits.ENV["max_parse_seconds"],
    )


class ReaderCrashed(RuntimeError):
    """A reader failed in the child for a reason that is not the user's (a bug); the child's
    traceback is kept in ``child_traceback`` (logs, IBM_GEO_DEBUG), not in the message."""

    def __init__(self, message: str, child_traceback: str = "") -> None:
        super().__init__(message)
        self.child_traceback = child_traceback


def guarded(fn: Callable[..., T], *args: Any, fname: str, **kw: Any) -> T:
    """``fn(*args, **kw)`` in a forked child under the parse limits; its result (pickled back)
    or its :class:`UserError`. ``fname`` names the file in the limit messages."""
    if _IN_CHILD["on"] or os.environ.get("IBM_GEO_PARSE_IN_PROCESS") or sys.platform != "linux":
        return fn(*args, **kw)
    lim = _limits.limits()
    extra = int(lim.max_parse_mb * 1024 * 1024)
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    shm = _memfd()
    # one fork at a time (boundaries and clients are read from two threads), and no fork while
    # the other thread is inside the warm-up imports: a child forked then would inherit that
    # module's import lock held by a thread it does not have, and wait for it until the limit
    with _FORK:
        _warm()
        proc = ctx.Process(
            target=_child, args=(send, fn, args, kw, _address_space() + extra, shm), daemon=True
        )
        rss_cap = _statm("self", 1) + extra
        proc.start()
    send.close()
    try:
        # RLIMIT_AS stops new mappings only: memory the caller's allocator keeps mapped but
        # free (a server that has read big files before) is the child's to reuse. So the
        # child's resident size is watched as well, every 20 ms.
        deadline = time.monotonic() + lim.max_parse_seconds
        over = False
        while not recv.poll(min(0.02, max(deadline - time.monotonic(), 0.0))):
            if _statm(proc.pid, 1) > rss_cap:
                over = True
                break
            if time.monotonic() > deadline:
                raise _too_slow(fname, lim)
            if not proc.is_alive() and not recv.poll(0):
                break
        if not over and time.monotonic() > deadline:
            # a result that arrived after the limit is over it too (else whether a run is
            # refused would depend on where in the 20 ms wait the reader finished)
            raise _too_slow(fname, lim)
        out = None
        if not over:
            try:
                out = _unpack(recv.recv_bytes(), shm)
            except (EOFError, OSError):
                out = None
    finally:
        if shm >= 0:
            os.close(shm)  # the mapping, if any, keeps the pages
        recv.close()
        if proc.is_alive():
            proc.kill()
        proc.join()
    if out is None or out[0] == "memory":
        # killed (std::bad_alloc aborts C++ readers) or Python's MemoryError: the limit
        raise UserError(
            "input.parse_memory",
            file=fname,
            limit_mb=f"{lim.max_parse_mb:g}",
            env=_limits.ENV["max_parse_mb"],
        )
    if out[0] == "ok":
        return out[1]
    if out[0] == "user":
        raise out[1]
    raise ReaderCrashed(out[1], out[2])
