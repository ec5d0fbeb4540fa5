"""A throw-away PostgreSQL server for the office tests: Debian's postgresql binaries, a temp data
dir, 127.0.0.1 on a free port, run as the ``postgres`` user when the tests run as root (initdb
refuses root), stopped at the end."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    w = shutil.which("initdb")
    return Path(w).parent if w else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self) -> None:
        self.bin = pg_bin()
        if self.bin is None:
            raise RuntimeError(
                "PostgreSQL binaries not found (scripts/test.sh installs postgresql)"
            )
        self.tmp = Path(tempfile.mkdtemp(prefix="ibm-geo-pg-"))
        self.data = self.tmp / "data"
        self.port = _free_port()
        self.as_user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if self.as_user:
            shutil.chown(self.tmp, self.as_user)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "ibmgeo",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.tmp / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        url = f"postgresql+psycopg://ibmgeo@127.0.0.1:{self.port}/postgres"
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return url
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start")

    def create_db(self, name: str) -> str:
        import sqlalchemy as sa

        eng = sa.create_engine(
            f"postgresql+psycopg://ibmgeo@127.0.0.1:{self.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        with eng.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        eng.dispose()
        return f"postgresql+psycopg://ibmgeo@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
