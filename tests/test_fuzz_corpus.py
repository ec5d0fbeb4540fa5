"""The committed corpus of malformed inputs through the real CLI: exit code, the one-line
message, client rows read and the data-quality note, per ``tests/corpus/expected.csv``.

All cases run in one child process (modules imported once) under a memory limit
(``RLIMIT_AS``) and a time limit per case, so a decompression bomb or a runaway scenario fails
the test instead of the machine.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
MEM_GB, CASE_SECONDS = 3.0, 30

with open(CORPUS / "expected.csv", newline="", encoding="utf-8") as fh:
    EXPECTED = list(csv.DictReader(fh))


def _args(case: dict, out: Path) -> list[str]:
    args = ["--lang", "en", "analyze", "-b", str(CORPUS / case["boundaries"])]
    args += ["-c", str(CORPUS / case["clients"]), "--no-map", "--out", str(out)]
    if case["scenario"]:
        args += ["--scenario", str(CORPUS / case["scenario"])]
    return args + case["extra"].split()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    cases = [{"id": c["case"], "args": _args(c, root / c["case"])} for c in EXPECTED]
    p = subprocess.run(
        [sys.executable, str(HERE / "_corpus_runner.py"), str(MEM_GB), str(CASE_SECONDS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=HERE.parent,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return {r["id"]: r for r in json.loads(p.stdout)}, root


def test_every_corpus_file_is_in_the_table():
    used = {c[k] for c in EXPECTED for k in ("boundaries", "clients", "scenario") if c[k]}
    files = {
        f.name for f in CORPUS.iterdir() if f.suffix not in (".py", ".csv") or f.stem[:2] == "c_"
    }
    assert files - used == set()


@pytest.mark.parametrize("case", EXPECTED, ids=[c["case"] for c in EXPECTED])
def test_corpus_case(results, case):
    res, root = results
    r = res[case["case"]]
    out = root / case["case"]
    assert "Traceback" not in r["stderr"] + r["stdout"]
    assert str(r["exit"]) == case["exit"], r["stderr"]
    assert r["seconds"] < CASE_SECONDS
    if case["exit"] == "2":
        lines = [ln for ln in r["stderr"].splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), r["stderr"]
        assert case["fragment"] in lines[0]
        assert not out.exists()  # nothing partial
        return
    m = re.search(r"^(\d+) client rows read", r["stdout"], re.M)
    assert m and int(m.group(1)) == int(case["rows"]), r["stdout"]
    assert (out / "ranking.csv").stat().st_size > 0
    if case["note"]:
        q = pd.read_csv(out / "data_quality.csv", dtype=str).fillna("")
        text = " | ".join(q["problem"] + " " + q["action"])
        assert case["note"] in text, text
