"""What the analysing commands share: checked inputs, one analysis, the staged output folder
and the exports of the catalogue. A thin shell over pipeline, publish and export."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..config import Scenario, load_scenario, updated
from ..errors import UserError
from ..export.catalog import exports
from ..i18n import fmt_num
from ..io.guard import check_special
from ..pipeline import analyze, filter_mask, unit_mask
from .context import RunContext


def check_input(path: Path | None, option: str) -> Path | None:
    """An input path that exists and is a file, else a named error (not click's English one)."""
    if path is None:
        return None
    if not os.path.lexists(path):
        raise UserError("input.not_found", file=str(path), detail=f"{option}: no such file")
    # a FIFO, device, socket, folder or symlink loop is refused before anything opens it
    check_special(path, str(path), allow_dir=str(path).lower().rstrip("/").endswith(".gdb"))
    return path


def check_out(out: Path) -> None:
    """``--out`` names a folder (or nothing yet), checked before any work."""
    if out.exists() and not out.is_dir():
        raise UserError("cli.out_is_file", path=str(out))


@contextlib.contextmanager
def staged_out(out: Path) -> Iterator[Path]:
    """A temporary folder next to ``out``; its files move into ``out`` only if the block ends
    without an error, so a failed run never leaves half a set of results."""
    check_out(out)
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
    except OSError as exc:
        raise UserError("cli.out_unwritable", path=str(out), detail=exc.strerror) from exc
    try:
        yield tmp
        if not out.exists():
            os.replace(tmp, out)
            return
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
    except OSError as exc:
        raise UserError("cli.out_unwritable", path=str(out), detail=exc.strerror) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def roads_scenario(sc: Scenario, roads: Path | None, travel: str | None) -> Scenario:
    """--roads/--travel override the scenario's roads block (kept in scenario.toml)."""
    upd: dict = {}
    if roads is not None:
        upd.update(distance="road", extract=str(roads))
    if travel is not None:
        if travel not in ("motor", "walk"):
            raise UserError("roads.travel", travel=travel)
        upd["travel"] = travel
    if not upd:
        return sc
    return sc.model_copy(update={"roads": sc.roads.model_copy(update=upd)})


def run_analysis(
    run: RunContext, boundaries, clients, agents, service_points, scenario, sheet=None,
    layer=None, roads=None, travel=None,
):  # fmt: skip
    """The checked inputs analysed under the scenario file (and --roads/--travel)."""
    for path, opt in (
        (boundaries, "--boundaries"),
        (clients, "--clients"),
        (agents, "--agents"),
        (service_points, "--service-points"),
        (scenario, "--scenario"),
        (roads, "--roads"),
    ):
        check_input(path, opt)
    sc = load_scenario(scenario) if scenario else Scenario()
    sc = roads_scenario(sc, roads, travel)
    result = analyze(
        boundaries,
        clients,
        agents,
        service_points,
        sc,
        read_options={"sheet": sheet, "layer": layer},
    )
    check_filters(result, run.lang)
    return result


def check_filters(result, lang: str) -> None:
    """A filter that leaves no client (or no unit) is the planner's mistake, not an empty
    ranking to publish: exit 2 before anything is written."""
    sc = result.scenario
    used = {
        k: v for k, v in sc.filters.model_dump().items() if v is not None and v != [] and v != ()
    }
    if not used:
        return
    n = len(result.clients)
    no_clients = n > 0 and not filter_mask(result.clients, sc).any()
    no_units = len(result.kelurahan) == 0 or not unit_mask(result.kelurahan, sc).any()
    if no_clients or no_units:
        text = ", ".join(f"{k}={v}" for k, v in used.items())
        raise UserError("pipeline.filter_empty", filters=text, n=fmt_num(n, lang))


def plan_options(p, model, budget, reach, place_all) -> dict:
    """The plan options ``plan`` and ``why-not`` share, checked with the scenario's bounds
    before any work (so "why-not ... same inputs" answers for the same plan)."""
    opts = {"p": p, "model": model, "budget": budget, "reach": reach}
    upd = {k: v for k, v in opts.items() if v is not None}
    if place_all:
        upd["place_all"] = True
    if upd:
        updated(Scenario(), "--groups/--model/--budget/--reach", plan=upd)
    return upd


def with_plan_options(result, upd: dict) -> Scenario:
    """The run's scenario with the command line's plan options (also set on ``result``)."""
    sc = result.scenario
    if upd:  # the same plan in `plan` and `why-not` with the same options
        sc = updated(sc, "--groups/--model/--budget/--reach", plan=upd)
        result.scenario = sc
    return sc


def write_exports(
    run: RunContext, pub, out: Path, channel: str, *, monitoring=None,
    skip: tuple[str, ...] = (), build=None,
) -> list[Path]:  # fmt: skip
    """The files ``channel`` writes for one published tier (:class:`ibm_geo.publish.Published`),
    as :data:`ibm_geo.export.catalog.CATALOG` declares them, in its order."""
    written: list[Path] = []
    for e, make in exports(
        pub, channel, lang=run.lang, monitoring=monitoring, skip=skip, build=build
    ):
        p = out / e.filename
        p.write_bytes(make())
        written.append(p)
    return written


def road_backend(result):
    """The road network when the run used roads, so the plan travels along them (else None)."""
    d = result.distance
    return d if getattr(d, "kind", "straight") == "road" else None
