"""Shared test set-up.

The cell key method's record keys come from the installation's secret
(:mod:`ibm_geo.record_keys`). Tests use a fixed secret in a private temporary file, so
published figures are the same on every machine and no test writes into the user's home
(nor does the boundary cache).
"""

from __future__ import annotations

import os
import shutil
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


# -- expensive set-up shared by the whole session -----------------------------------------------


@pytest.fixture(scope="session")
def app_server():
    """One ``streamlit run app.py`` (demo mode) on a free 127.0.0.1 port for every browser module
    that needs the plain app: each page is its own Streamlit session, so modules do not see each
    other's state, and the server starts once (5-10 s) instead of once per module."""
    from _helpers import free_port, start_server, stop_server

    port = free_port()
    proc = start_server(port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


@pytest.fixture(scope="session")
def demo_analysis():
    """The demo data analysed with the default scenario (``analyze_joined``), once per session:
    the app, map-style and other modules read it and never change it."""
    from ibm_geo.config import Scenario
    from ibm_geo.demo import demo_paths
    from ibm_geo.pipeline import analyze_joined, join_inputs, load_inputs

    p = demo_paths()
    inputs = load_inputs(p["boundaries"], p["clients"], p["agents"], p["service_points"])
    return analyze_joined(join_inputs(inputs), Scenario())


# The corpus (tests/test_fuzz_corpus.py, ~200 cases through the real CLI in one child process,
# a minute or two of one core) starts in the background as soon as the session has collected
# it, and runs beside the single-threaded tests on the machine's second core (browser modules
# wait for it to finish); its test only waits for the results. Nothing else reads or writes its
# folder.
_CORPUS = pytest.StashKey[tuple]()


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    for item in session.items:
        if item.name == "test_corpus_holds" and hasattr(item.module, "launch"):
            root = Path(tempfile.mkdtemp(prefix="ibm-geo-corpus-"))
            session.config.stash[_CORPUS] = item.module.launch(root)
            return


@pytest.fixture(scope="session")
def corpus_started(request):
    """The corpus child started at collection (or None: the module starts it itself)."""
    return request.config.stash.get(_CORPUS, None)


@pytest.fixture(scope="module", autouse=True)
def _corpus_done_before_browsers(request):
    """A browser module (pytest.mark.browser: a Streamlit server, Chromium and this process all
    busy at once) starts only when the corpus child has finished: beside it, on 2 cores, a page
    can wait past its timeouts (seen once under load)."""
    started = request.config.stash.get(_CORPUS, None)
    if started is not None and request.node.get_closest_marker("browser"):
        started[1].wait()


def pytest_sessionfinish(session: pytest.Session) -> None:
    started = session.config.stash.get(_CORPUS, None)
    if started is not None:
        proc, root = started[1], started[2]
        if proc.poll() is None:  # the session stopped early (-x, Ctrl-C): no orphan child
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


# Property tests (hypothesis) call the readers hundreds of times. Each call forks the test
# process for the parse guard, and a fork of a pytest process that has imported and run half
# the suite costs 0.1-0.3 s (page tables, copy-on-write), several times what the small example
# itself costs: 45 s instead of 14 s for test_fuzz_hypothesis alone. Their examples therefore
# read in-process (``IBM_GEO_PARSE_IN_PROCESS``): the same reader code on the same bytes, with
# the same assertions. The guard itself (fork, limits, errors and quality rows carried back
# from the child) keeps its own tests (test_parse_limits) and every corpus case runs through it.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if not getattr(getattr(item, "function", None), "is_hypothesis_test", False):
        yield
        return
    before = os.environ.get("IBM_GEO_PARSE_IN_PROCESS")
    os.environ["IBM_GEO_PARSE_IN_PROCESS"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("IBM_GEO_PARSE_IN_PROCESS", None)
        else:
            os.environ["IBM_GEO_PARSE_IN_PROCESS"] = before


@pytest.fixture()
def office(tmp_path, monkeypatch):
    """A file-backed office with an admin, a planner scoped to Kota Denpasar and a viewer
    (real argon2id at cheap parameters), for the app's office screens."""
    from _helpers import PW
    from argon2 import PasswordHasher

    from ibm_geo.office import Office, OfficeSettings

    monkeypatch.setenv("IBM_GEO_OFFICE", "1")
    monkeypatch.setenv("IBM_GEO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IBM_GEO_DB_URL", raising=False)
    o = Office(OfficeSettings.load(env={"IBM_GEO_DATA_DIR": str(tmp_path)}))
    # real argon2id, cheaper parameters (the hash carries them; the app verifies any)
    o.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    acc = o.accounts
    acc.add_user("admin", "admin", password=PW)
    acc.add_user("dps", "perencana", password=PW, provinsi="Bali", kab_kota=["Kota Denpasar"])
    acc.add_user("lihat", "pembaca", password=PW, provinsi="Bali", kab_kota=["Kota Denpasar"])
    yield o
    o.close()
