"""Shared test set-up.

The cell key method's record keys come from the installation's secret
(:mod:`ibm_geo.record_keys`). Tests use a fixed secret in a private temporary file, so
published figures are the same on every machine and no test writes into the user's home.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_DIR = Path(tempfile.mkdtemp(prefix="ibm-geo-test-secret-"))
TEST_SECRET = bytes(range(32))
(_DIR / "secret.key").write_bytes(TEST_SECRET)
os.chmod(_DIR / "secret.key", 0o600)
os.environ["IBM_GEO_SECRET_FILE"] = str(_DIR / "secret.key")
