"""The office under attack (issue 21), on SQLite and on a real PostgreSQL server: someone who can
write the database (triggers dropped) edits, deletes and re-chains audit entries; many parallel
sign-ins race the throttle; a printed setup token outlives the first admin; the store's file
modes. Each attack passed before this issue; these tests show it fails now."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
import threading

import pytest
import sqlalchemy as sa
from alembic import command
from argon2 import PasswordHasher
from typer.testing import CliRunner

from ibm_geo import i18n
from ibm_geo.cli import app as cli_app
from ibm_geo.errors import UserError
from ibm_geo.office import Office, OfficeSettings
from ibm_geo.office import setup as office_setup
from ibm_geo.office.audit import GENESIS, legacy_hash
from ibm_geo.office.models import audit_log
from ibm_geo.office.store import alembic_config, make_engine

PW = "kata-sandi-panjang-1"
STRONG = "Kantor-BNNP-2026"
FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


_n = iter(range(10_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path) -> OfficeSettings:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'office.sqlite'}"
    else:
        url = request.getfixturevalue("pg").create_db(f"a{next(_n)}")
    return OfficeSettings(db_url=url, audit_key_file=str(tmp_path / "keys" / "audit.key"))


def open_office(s: OfficeSettings, hasher: PasswordHasher = FAST) -> Office:
    o = Office(s)
    o.accounts.hasher = hasher
    return o


# ------------------------------------------------------------------- the attacker's tools
def drop_triggers(engine: sa.Engine) -> None:
    with engine.begin() as c:
        if c.dialect.name == "sqlite":
            c.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            c.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            c.exec_driver_sql("DROP TRIGGER audit_log_append_only ON audit_log")


def rows(engine: sa.Engine) -> list:
    with engine.connect() as c:
        return c.execute(sa.select(audit_log).order_by(audit_log.c.id)).all()


def rechain_unkeyed(engine: sa.Engine, from_id: int = 1, to_id: int = 10**9) -> None:
    """What the code before issue 21 let anyone with write access do: recompute every hash from
    ``from_id`` with the (public) unkeyed formula, so the chain is consistent again."""
    rs = rows(engine)
    prev = GENESIS
    with engine.begin() as c:
        for r in rs:
            if from_id <= r.id <= to_id:
                h = legacy_hash(prev, r.at, r.actor, r.role, r.action, r.scope, r.details)
                c.execute(
                    sa.text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i"),
                    {"p": prev, "h": h, "i": r.id},
                )
                prev = h
            else:
                prev = r.hash


def sql(engine: sa.Engine, stmt: str) -> None:
    with engine.begin() as c:
        c.exec_driver_sql(stmt)


def ten_entries(o: Office) -> None:
    for i in range(10):
        o.audit.record(f"user{i}", "analysis", units=i)


# ------------------------------------------------------------------------------ audit chain
def test_edit_with_a_recomputed_chain_is_caught(settings):
    o = open_office(settings)
    ten_entries(o)
    assert o.audit.verify() == (True, None)
    drop_triggers(o.engine)
    sql(o.engine, "UPDATE audit_log SET actor = 'mallory' WHERE id = 4")
    assert o.audit.verify() == (False, 4)
    rechain_unkeyed(o.engine, from_id=4)  # consistent plain chain: passed `audit verify` before
    v = o.audit.check()
    assert (v.ok, v.entry, v.problem) == (False, 4, "altered")
    # the whole log rewritten from the first entry with the plain formula: still caught
    rechain_unkeyed(o.engine, from_id=1)
    assert o.audit.verify() == (False, 1)
    sql(o.engine, "UPDATE audit_log SET hash = 'ä€' WHERE id = 1")  # junk, not even hex
    assert o.audit.verify() == (False, 1)
    o.close()


def test_deleted_middle_entry_is_caught(settings):
    o = open_office(settings)
    ten_entries(o)
    cp = o.audit.checkpoint()
    drop_triggers(o.engine)
    sql(o.engine, "DELETE FROM audit_log WHERE id = 5")
    assert o.audit.verify() == (False, 6)
    rechain_unkeyed(o.engine, from_id=6)  # and re-chained over the gap
    assert o.audit.verify() == (False, 6)
    v = o.audit.check([cp])
    assert (v.ok, v.entry, v.problem) == (False, 6, "altered")
    o.close()


def test_deleted_tail_is_caught_by_a_signed_checkpoint(settings, tmp_path):
    o = open_office(settings)
    ten_entries(o)
    cp = o.audit.checkpoint()  # entry 11 is the checkpoint's own log entry
    assert (cp["entries"], cp["head_id"]) == (11, 11)
    o.audit.record("user1", "sign_out")
    assert o.audit.check([cp]).ok
    drop_triggers(o.engine)
    sql(o.engine, "DELETE FROM audit_log WHERE id >= 9")
    # a shorter chain is still a valid chain: without the checkpoint nothing tells
    assert o.audit.verify() == (True, None)
    v = o.audit.check([cp])
    assert (v.ok, v.entry, v.problem) == (False, 11, "missing")
    # new entries after the deletion reuse ids (SQLite) or not (PostgreSQL): caught either way
    o.audit.record("user2", "sign_in")
    o.audit.record("user2", "sign_in")
    o.audit.record("user2", "sign_in")
    v = o.audit.check([cp])
    assert not v.ok and v.entry in (9, 11) and v.problem in ("altered", "missing")
    o.close()


def test_deleted_first_entries_and_a_forged_checkpoint_are_caught(settings):
    o = open_office(settings)
    ten_entries(o)
    cp = o.audit.checkpoint()
    forged = {**cp, "entries": cp["entries"] - 3}  # to hide three deletions
    assert o.audit.check([forged]).problem == "checkpoint"
    for junk in ({**cp, "mac": "ä€"}, {**cp, "head_id": "x"}, {"format": cp["format"]}):
        assert o.audit.check([junk]).problem == "checkpoint"
    drop_triggers(o.engine)
    sql(o.engine, "DELETE FROM audit_log WHERE id <= 2")
    assert o.audit.verify() == (False, 3)  # its previous hash is no longer the genesis
    other = OfficeSettings(db_url="sqlite://", audit_key="k" * 40)  # another office's key
    assert open_office(other).audit.check([cp]).problem == "checkpoint"
    o.close()


def test_cli_checkpoint_file_and_verify_exit_codes(tmp_path):
    db = f"sqlite:///{tmp_path / 'o.sqlite'}"
    o = Office.open(db)
    ten_entries(o)
    r = CliRunner()
    cp_file = tmp_path / "offsite" / "cp-1.json"
    cp_file.parent.mkdir()
    res = r.invoke(cli_app, ["--lang", "en", "audit", "checkpoint", "--db", db, "-o", str(cp_file)])
    assert res.exit_code == 0, res.output
    assert "11 entries, head entry 11" in res.output
    assert stat.S_IMODE(os.stat(cp_file).st_mode) == 0o600
    res = r.invoke(cli_app, ["--lang", "en", "audit", "verify", "--db", db, "-c", str(cp_file)])
    assert res.exit_code == 0 and "1 checkpoints matched" in res.output
    drop_triggers(o.engine)
    sql(o.engine, "DELETE FROM audit_log WHERE id >= 10")
    assert r.invoke(cli_app, ["audit", "verify", "--db", db]).exit_code == 0
    res = r.invoke(cli_app, ["--lang", "en", "audit", "verify", "--db", db, "-c", str(cp_file)])
    # by the catalogue key of the problem ("missing"), not by its English wording
    assert res.exit_code == 1 and i18n.t("office.cli.missing", "en", entry=11) in res.output
    cp_file.write_text(cp_file.read_text().replace('"entries": 11', '"entries": 9'))
    res = r.invoke(cli_app, ["--lang", "en", "audit", "verify", "--db", db, "-c", str(cp_file)])
    assert res.exit_code == 1 and i18n.t("office.cli.checkpoint_bad", "en") in res.output
    cp_file.write_text("{not json")
    res = r.invoke(cli_app, ["audit", "verify", "--db", db, "-c", str(cp_file)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    o.close()


def test_a_log_from_before_the_key_is_sealed_at_the_upgrade(tmp_path):
    """An office database of revision 0001 (plain SHA-256 chain) upgraded by this version: its
    entries are sealed by one keyed entry, and rewriting them afterwards is caught."""
    path = tmp_path / "old.sqlite"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    prev = GENESIS
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with engine.begin() as c:
        for i in range(4):
            at = t0 + dt.timedelta(minutes=i)
            h = legacy_hash(prev, at, f"u{i}", "", "sign_in", "", "{}")
            c.execute(
                audit_log.insert().values(
                    at=at,
                    actor=f"u{i}",
                    role="",
                    action="sign_in",
                    scope="",
                    details="{}",
                    prev_hash=prev,
                    hash=h,
                )
            )
            prev = h
    engine.dispose()
    o = Office.open(url)
    log = o.audit.entries()
    assert log["action"].tolist()[-1] == "audit_keyed"
    assert json.loads(log["details"].iloc[-1])["count"] == 4
    o.audit.record("admin", "sign_in")
    v = o.audit.check()
    assert (v.ok, v.entries, v.legacy) == (True, 6, 4)
    drop_triggers(o.engine)
    sql(o.engine, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    rechain_unkeyed(o.engine, from_id=2, to_id=4)  # the old entries' plain chain recomputed
    assert o.audit.verify() == (False, 5)  # the seal no longer follows the old chain
    rechain_unkeyed(o.engine, from_id=5)  # and the seal and beyond: nothing keyed is left
    assert o.audit.verify() == (False, 1)
    o.close()


# ------------------------------------------------------------------------------- the key
def test_key_file_is_private_and_a_lost_or_wrong_key_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'office.sqlite'}"
    old = os.umask(0o022)
    try:
        o = Office.open(url)
    finally:
        os.umask(old)
    o.audit.record("a", "sign_in")
    o.close()
    key = tmp_path / "data" / "audit.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert len(key.read_text().strip()) == 64
    with sqlite3.connect(tmp_path / "data" / "office.sqlite") as c:
        dump = "\n".join(str(r) for r in c.execute("SELECT * FROM office_settings"))
    assert key.read_text().strip() not in dump  # the database holds a fingerprint only
    os.chmod(key, 0o644)
    with pytest.raises(UserError) as e:
        Office.open(url)
    assert e.value.code == "office.audit_key_mode"
    os.chmod(key, 0o600)
    moved = tmp_path / "elsewhere.key"
    key.rename(moved)
    with pytest.raises(UserError) as e:  # not silently replaced by a new key
        Office.open(url)
    assert e.value.code == "office.audit_key_missing" and not key.exists()
    with pytest.raises(UserError) as e:
        Office(OfficeSettings(db_url=url, audit_key="x" * 64))
    assert e.value.code == "office.audit_key_mismatch"
    with pytest.raises(UserError) as e:
        Office(OfficeSettings(db_url=url, audit_key="short"))
    assert e.value.code == "office.audit_key"
    env = {"IBM_GEO_DB_URL": url, "IBM_GEO_AUDIT_KEY_FILE": str(moved)}
    o = Office(OfficeSettings.load(env=env))
    assert o.audit.verify() == (True, None)
    o.close()
    env = {"IBM_GEO_DB_URL": url, "IBM_GEO_AUDIT_KEY": moved.read_text().strip()}
    o = Office(OfficeSettings.load(env=env))
    assert o.audit.verify() == (True, None)
    o.close()


# --------------------------------------------------------------------------- store modes
def test_store_and_its_folder_are_private(tmp_path):
    old = os.umask(0o022)  # the usual umask: files would be 0644, folders 0755
    try:
        data = tmp_path / "srv" / "data"
        o = Office(OfficeSettings.load(env={"IBM_GEO_DATA_DIR": str(data)}))
        o.audit.record("a", "sign_in")
        modes = {
            f.name: stat.S_IMODE(os.stat(f).st_mode)
            for f in data.iterdir()
            if f.name.startswith("office.sqlite") or f.name == "audit.key"
        }
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        assert modes == {
            "office.sqlite": 0o600,
            "office.sqlite-wal": 0o600,
            "office.sqlite-shm": 0o600,
            "audit.key": 0o600,
        }
        o.close()
        # a store made world-readable by hand is tightened on the next open
        os.chmod(data / "office.sqlite", 0o644)
        Office(OfficeSettings.load(env={"IBM_GEO_DATA_DIR": str(data)})).close()
        assert stat.S_IMODE(os.stat(data / "office.sqlite").st_mode) == 0o600
    finally:
        os.umask(old)


# ------------------------------------------------------------------------------- throttle
class CountingHasher(PasswordHasher):
    """argon2id as configured, counting the password checks it really does."""

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.checks = 0
        self._lock = threading.Lock()

    def verify(self, hash, password) -> bool:  # noqa: A002 - the library's name
        with self._lock:
            self.checks += 1
        return super().verify(hash, password)


def _race(tries, n: int) -> list[str]:
    barrier = threading.Barrier(n)
    out: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            tries(i)
            code = "ok"
        except UserError as e:
            code = e.code
        with lock:
            out.append(code)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def test_forty_threads_get_no_more_password_checks_than_the_limit(settings):
    """40 parallel wrong passwords against one library instance: 6 checks (5 free + the one
    that earns the lock), 34 refused as throttled. Before: 25 checks."""
    hasher = CountingHasher(time_cost=2, memory_cost=47104, parallelism=1)  # the real cost
    o = open_office(settings, hasher)
    o.accounts.add_user("dps", "perencana", password=PW, provinsi="Bali")
    limit = o.accounts.throttle.free_failures + 1
    codes = _race(lambda i: o.accounts.authenticate("dps", f"salah-{i}"), 40)
    assert hasher.checks == limit == 6
    assert codes.count("office.login_failed") == 6
    assert codes.count("office.login_throttled") == 34
    log = o.audit.entries(action="sign_in_failed")
    reasons = [json.loads(d)["reason"] for d in log["details"]]
    assert reasons.count("bad_credentials") == 6 and reasons.count("throttled") == 34
    o.close()


def test_twelve_parallel_sessions_get_no_more_checks_than_the_limit(settings):
    """12 sessions, each with its own connection pool (as separate app processes would be),
    sign in at once with wrong passwords: 6 checks in all. Before: 10."""
    first = open_office(settings)
    first.accounts.add_user("dps", "perencana", password=PW, provinsi="Bali")
    hashers = [CountingHasher(time_cost=2, memory_cost=47104, parallelism=1) for _ in range(12)]
    offices = [open_office(settings, h) for h in hashers]
    codes = _race(lambda i: offices[i].accounts.authenticate("dps", f"salah-{i}"), 12)
    assert sum(h.checks for h in hashers) == 6
    assert codes.count("office.login_failed") == 6 and codes.count("office.login_throttled") == 6
    # the right password is refused while the lock holds, also from a 13th session
    with pytest.raises(UserError) as e:
        first.accounts.authenticate("dps", PW)
    assert e.value.code == "office.login_throttled"
    for o in (first, *offices):
        o.close()


# ----------------------------------------------------------------------------- setup token
def test_setup_token_is_void_once_any_admin_exists(settings):
    o = open_office(settings)
    acc = o.accounts
    token = office_setup.issue_token(acc)
    assert token
    acc.add_user("boss", "admin", password=PW, by="cli")  # e.g. `ibm-geo users add --role admin`
    with pytest.raises(UserError) as e:
        office_setup.create_first_admin(acc, token, "evil", STRONG)
    assert e.value.code == "office.setup_done"
    # the admin disabled: the office has no active admin, yet the old token stays void
    acc.update_user("boss", active=False, by="cli")
    with pytest.raises(UserError) as e:
        office_setup.create_first_admin(acc, token, "evil", STRONG)
    assert e.value.code == "office.setup_done"
    assert office_setup.issue_token(acc) is None  # and no new one: `users set --enable` instead
    assert acc.get("evil") is None
    with o.engine.connect() as c:
        left = c.exec_driver_sql(
            "SELECT count(*) FROM office_settings WHERE key = 'setup_token'"
        ).scalar()
    assert left == 0
    o.close()


def test_setup_token_is_void_after_a_promotion_and_after_the_cli(tmp_path):
    db = f"sqlite:///{tmp_path / 'o.sqlite'}"
    r = CliRunner()
    res = r.invoke(cli_app, ["office", "init", "--db", db])
    token = res.output.strip().splitlines()[-1]
    assert len(token) == 32
    add = ["users", "add", "rina", "--role", "perencana", "--provinsi", "Bali"]
    assert r.invoke(cli_app, [*add, "--password-stdin", "--db", db], input=PW + "\n").exit_code == 0
    o = Office.open(db)
    o.accounts.hasher = FAST
    assert office_setup.has_admin(o.engine) is False
    res = r.invoke(cli_app, ["users", "set", "rina", "--role", "admin", "--db", db])
    assert res.exit_code == 0, res.output
    with pytest.raises(UserError) as e:
        office_setup.create_first_admin(o.accounts, token, "evil", STRONG)
    assert e.value.code == "office.setup_done"
    res = r.invoke(cli_app, ["--lang", "en", "office", "init", "--db", db])
    assert res.exit_code == 0 and "one-time" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    o.close()


def test_shared_password_gate_checks_one_try_per_back_off_under_a_race():
    """The shared-password gate's server-wide back-off: 40 parallel tries through
    ``attempt()`` get one check (the first failure already earns 1 s)."""
    from ibm_geo_app.throttle import LoginThrottle

    now = [100.0]
    th = LoginThrottle(base_s=1.0, max_s=8.0, clock=lambda: now[0])
    checked = _race(lambda i: None if th.attempt() == 0 else throttle_error(), 40)
    assert checked.count("ok") == 1 and checked.count("office.login_throttled") == 39
    now[0] += 1.0
    assert th.attempt() == 0  # the next one after the back-off, which doubles
    assert th.wait() == 2.0
    th.succeeded()
    assert th.attempt() == 0 and th.wait() == 1.0


def throttle_error():
    raise UserError("office.login_throttled", seconds=1)


# ------------------------------------------------------------------- the app, 12 sessions
def test_twelve_browser_sessions_of_the_real_app_get_six_password_checks(tmp_path):
    """12 sessions of a real ``streamlit run app.py`` (office mode), each speaking Streamlit's
    websocket protocol as a browser tab does, press *Masuk* with a wrong password at the same
    moment. The server does 6 password checks (argon2id at its real cost), the other 6 are told
    to wait; counted from the audit log the server wrote. Issue 21 measured 10."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "benchmarks"))
    from bench_load import Planner, free_port
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    data = tmp_path / "office"
    o = Office(OfficeSettings.load(env={"IBM_GEO_DATA_DIR": str(data)}))  # real argon2 cost
    o.accounts.add_user("admin", "admin", password=PW)
    o.accounts.add_user("dps", "perencana", password=PW, provinsi="Bali")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(root), "IBM_GEO_OFFICE": "1",
           "IBM_GEO_DATA_DIR": str(data)}  # fmt: skip
    env.pop("IBM_GEO_DB_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.port",
         str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=data, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        tabs = [Planner(port) for _ in range(12)]
        for tab in tabs:  # the sign-in page in every tab
            tab.start()

        def press(i: int) -> None:
            tab = tabs[i]
            uid, _ = tab.find("text_input", "Nama pengguna")
            pid, _ = tab.find("text_input", "Kata sandi")
            bid, _ = tab.find("button", "Masuk")
            tab.states[uid] = WidgetState(id=uid, string_value="dps")
            tab.states[pid] = WidgetState(id=pid, string_value=f"salah-{i}")
            tab._run([WidgetState(id=bid, trigger_value=True)])

        codes = _race(press, 12)
        assert codes == ["ok"] * 12  # every tab got its answer
        for tab in tabs:
            tab.close()
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = o.audit.entries(actor="dps", action="sign_in_failed")
    reasons = [json.loads(d)["reason"] for d in log["details"]]
    assert reasons.count("bad_credentials") == 6 and reasons.count("throttled") == 6
    assert o.audit.verify() == (True, None)
    o.close()
