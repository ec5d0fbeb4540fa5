"""Shared test set-up.

The cell key method's record keys come from the installation's secret
(:mod:`ibm_geo.record_keys`). Tests use a fixed secret in a private temporary file, so
published figures are the same on every machine and no test writes into the user's home
(nor does the boundary cache).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_DIR = Path(tempfile.mkdtemp(prefix="ibm-geo-test-secret-"))
TEST_SECRET = bytes(range(32))
(_DIR / "secret.key").write_bytes(TEST_SECRET)
os.chmod(_DIR / "secret.key", 0o600)
os.environ["IBM_GEO_SECRET_FILE"] = str(_DIR / "secret.key")
# boundary layers read once are cached (ibm_geo.io.cache): in a private folder of this run
os.environ["IBM_GEO_CACHE_DIR"] = str(_DIR / "cache")
# a text missing from every catalogue raises instead of showing its key (ibm_geo.i18n.t)
os.environ["IBM_GEO_STRICT_TEXTS"] = "1"


@pytest.fixture(scope="session")
def pg():
    """One throw-away PostgreSQL server on 127.0.0.1 for every office test (stopped at the
    end); CI installs Debian's postgresql, so a missing server fails there."""
    from office_pg import PgServer, pg_bin

    if pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing: scripts/test.sh installs Debian's postgresql")
        pytest.skip("PostgreSQL binaries not installed")
    server = PgServer()
    server.start()
    yield server
    server.stop()
