"""Issue 23, CLI: the plan line prints the published whole count plan.csv holds, and the
README's "why-not ... same inputs ..." line runs as written (it accepts the plan's options)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ibm_geo.cli import app
from ibm_geo.demo import demo_paths

runner = CliRunner()
README = Path(__file__).resolve().parents[1] / "README.md"


def same_inputs() -> list[str]:
    d = demo_paths()
    return [
        "--boundaries", str(d["boundaries"]), "--clients", str(d["clients"]),
        "--agents", str(d["agents"]), "--service-points", str(d["service_points"]),
    ]  # fmt: skip


def readme_command(name: str) -> list[str]:
    """The README's example line of ``ibm-geo <name>`` with the demo inputs put in."""
    line = next(
        x for x in README.read_text(encoding="utf-8").splitlines() if f"ibm-geo {name} " in x
    )
    words = shlex.split(line.split("#", 1)[0])
    i = words.index("...")
    j = words.index("...", i + 1)
    return [name, *same_inputs(), *words[j + 1 :]]


@pytest.mark.parametrize("extra", [[], ["--reach", "radius"]])
def test_plan_line_prints_the_published_whole_count(tmp_path, extra):
    args = readme_command("plan")
    args[args.index("--out") + 1] = str(tmp_path)
    r = runner.invoke(app, ["--lang", "id", *args, *extra])
    assert r.exit_code == 0, r.output
    m = re.search(r"menjangkau (\S+) klien", r.output)
    assert m, r.output
    sites = pd.read_csv(tmp_path / "plan.csv")
    published = int(pd.to_numeric(sites["newly_reached"]).sum())
    assert m.group(1) == f"{published:,}".replace(",", ".")  # whole, Indonesian thousands
    assert published > 0


def test_readme_why_not_line_runs_with_the_plan_options():
    args = readme_command("why-not")
    assert "--groups" in args  # "same inputs" as the plan line above it
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Sebatu (")
    assert len(r.output.strip().splitlines()) >= 2
    # the plan options are checked like plan's: a wrong one is one line, exit 2
    bad = runner.invoke(app, [*args, "--groups", "-3"])
    assert bad.exit_code == 2 and "--groups" in bad.output
