"""The corpus of malformed and hostile inputs through the real CLI (issue 10, issue 21).

Committed cases are listed in ``tests/corpus/expected.csv``; the hostile half (bombs, special
files, broken quoting, merged cells, tampered previous runs, hostile scenarios) is generated into
a temporary folder by ``tests/corpus/make_hostile.py``. A case *holds* when it gives exit 0 with
the expected client rows read (and its data-quality note), or exit 2 with one line naming the
problem, and in both cases no traceback, in under 60 s; a failed run leaves ``--out`` exactly as
it was (a sentinel file inside it is the only thing there afterwards).

All cases run in one child process (modules imported once), started when the session has
collected this test and running beside the tests before it, under a memory limit
(``RLIMIT_AS``) and a time limit per case, so a decompression bomb or a runaway scenario fails
the test instead of the machine.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
sys.path.insert(0, str(CORPUS))
import make_hostile  # noqa: E402

MEM_GB, CASE_SECONDS = 3.0, 60
OPTS = {
    "boundaries": "-b",
    "clients": "-c",
    "agents": "-a",
    "service_points": "-s",
    "scenario": "--scenario",
    "targets": "--targets",
    "previous": "--previous",
    "roads": "--roads",
}
SENTINEL = "keep.txt"

with open(CORPUS / "expected.csv", newline="", encoding="utf-8") as fh:
    EXPECTED = list(csv.DictReader(fh))


def _path(name: str, gen: Path) -> str:
    p = gen / name
    return str(p if os.path.lexists(p) else CORPUS / name)


def _args(case: dict, out: Path, gen: Path) -> list[str]:
    args = ["--lang", "en", case.get("command") or "analyze"]
    for key, opt in OPTS.items():
        if case.get(key):
            args += [opt, _path(case[key], gen)]
    args += ["--out", str(out)]
    if (case.get("command") or "analyze") == "analyze":
        args.append("--no-map")
    return args + (case.get("extra") or "").split()


def launch(root: Path) -> tuple[list[dict], subprocess.Popen, Path]:
    """Write the hostile files and start the child on every case; returns at once (the session
    calls this at collection, see ``conftest.py``, so the child runs beside other tests)."""
    gen = root / "gen"
    cases = EXPECTED + make_hostile.build(gen)
    batch = []
    for c in cases:
        out = root / "out" / c["case"]
        out.mkdir(parents=True)
        (out / SENTINEL).write_text("sentinel")
        env = dict(kv.split("=", 1) for kv in (c.get("env") or "").split())
        batch.append({"id": c["case"], "args": _args(c, out, gen), "env": env})
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    # results and the runner's log go to files: nobody reads a pipe while other tests run
    with open(root / "results.json", "wb") as res, open(root / "runner.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "_corpus_runner.py"), str(MEM_GB), str(CASE_SECONDS)],
            stdin=subprocess.PIPE,
            stdout=res,
            stderr=log,
            cwd=HERE.parent,
            env=env,
            # a little below the tests beside it: it uses a core they leave idle, and yields
            # to a browser test that needs both
            preexec_fn=lambda: os.nice(5),
        )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(batch).encode())
    proc.stdin.close()
    return cases, proc, root


@pytest.fixture(scope="module")
def corpus(corpus_started, tmp_path_factory):
    cases, proc, root = corpus_started or launch(tmp_path_factory.mktemp("corpus"))
    try:
        proc.wait(timeout=900)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    log = (root / "runner.log").read_text(errors="replace")
    assert proc.returncode == 0, log[-3000:]
    results = json.loads((root / "results.json").read_text(encoding="utf-8"))
    return cases, {r["id"]: r for r in results}, root


def _held(case: dict, r: dict, out: Path) -> str | None:
    """Why the case did not hold, or None."""
    text = r["stderr"] + r["stdout"]
    if "Traceback" in text:
        return "traceback"
    if str(r["exit"]) != case["exit"]:
        return f"exit {r['exit']} (want {case['exit']}): {r['stderr'].strip()[:300]}"
    if r["seconds"] >= CASE_SECONDS:
        return f"{r['seconds']} s"
    if case["exit"] == "2":
        lines = [ln for ln in r["stderr"].splitlines() if ln.strip()]
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return f"not one error line: {r['stderr'][:300]}"
        if case["fragment"] not in lines[0]:
            return f"message lacks {case['fragment']!r}: {lines[0][:300]}"
        if sorted(f.name for f in out.iterdir()) != [SENTINEL]:
            return f"--out changed: {sorted(f.name for f in out.iterdir())}"
        return None
    m = re.search(r"^(\d+) client rows read", r["stdout"], re.M)
    if not m or int(m.group(1)) != int(case["rows"]):
        return f"rows read {m and m.group(1)} (want {case['rows']})"
    if not (out / "ranking.csv").stat().st_size:
        return "no ranking.csv"
    if case["note"]:
        q = pd.read_csv(out / "data_quality.csv", dtype=str).fillna("")
        joined = " | ".join(q["file"] + " " + q["problem"] + " " + q["action"])
        if case["note"] not in joined:
            return f"no quality row with {case['note']!r}: {joined[:400]}"
    return None


def test_every_corpus_file_is_in_the_table():
    used = {c[k] for c in EXPECTED for k in ("boundaries", "clients", "scenario") if c[k]}
    files = {
        f.name for f in CORPUS.iterdir() if f.suffix not in (".py", ".csv") or f.stem[:2] == "c_"
    }
    assert files - used - {"__pycache__"} == set()


def test_corpus_holds(corpus):
    """Every case holds; at least 150 generated hostile cases besides the committed ones, each
    under 60 s and 2 GB."""
    cases, res, root = corpus
    assert len(cases) - len(EXPECTED) >= 150
    failed = {}
    for c in cases:
        why = _held(c, res[c["case"]], root / "out" / c["case"])
        if why:
            failed[c["case"]] = why
    held = len(cases) - len(failed)
    assert not failed, f"{held}/{len(cases)} held; failed:\n" + "\n".join(
        f"  {k}: {v}" for k, v in failed.items()
    )
    assert max(r["peak_mb"] for r in res.values()) < 2048
