"""``ibm-geo plan`` and ``ibm-geo demo``: the analysis, then where to recruit new Agen Pemulihan
groups and which villages to pilot; every printed figure is the published tier's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from ..demo import demo_paths
from ..export.catalog import Build
from ..i18n import fmt_num, text_column
from ..plan import choose_pilots, plan_recruitment
from ..plan.phases import plan_phases, unserved_by_year
from ..plan.pilots import pilot_candidates
from ..plan.result import fallback_text, solver_text
from ..publish import Published, publish
from ..render.basemap import road_lines
from .context import RunContext, current
from .monitoring import run_monitoring
from .options import (
    AgentsOpt,
    BoundariesOpt,
    BudgetOpt,
    ClientsOpt,
    GroupsOpt,
    LayerOpt,
    ModelOpt,
    OutOpt,
    PerKecOpt,
    PerRwOpt,
    PlaceAllOpt,
    PreviousOpt,
    ReachOpt,
    RoadsOpt,
    ScenarioOpt,
    ServiceOpt,
    SheetOpt,
    TargetsOpt,
    TravelOpt,
)
from .run import (
    check_input,
    check_out,
    plan_options,
    road_backend,
    run_analysis,
    staged_out,
    with_plan_options,
    write_exports,
)


def plan(
    boundaries: BoundariesOpt,
    clients: ClientsOpt,
    out: OutOpt,
    agents: AgentsOpt = None,
    service_points: ServiceOpt = None,
    scenario: ScenarioOpt = None,
    p: GroupsOpt = None,
    model: ModelOpt = None,
    budget: BudgetOpt = None,
    sheet: SheetOpt = None,
    layer: LayerOpt = None,
    roads: RoadsOpt = None,
    travel: TravelOpt = None,
    targets: TargetsOpt = None,
    previous: PreviousOpt = None,
    per_kecamatan: PerKecOpt = False,
    per_rw: PerRwOpt = False,
    reach: ReachOpt = None,
    place_all: PlaceAllOpt = False,
) -> None:
    """Analyze, then propose where to recruit new Agen Pemulihan groups and which villages to
    pilot (one per BNNK by default). Writes the analysis files plus plan.csv, pilots.csv,
    curve.csv, map.png, map_a4.pdf and rakor.pptx, and adds the sites and pilots to map.html."""
    run = current()
    check_out(out)
    upd = plan_options(p, model, budget, reach, place_all)
    check_input(targets, "--targets")
    check_input(previous, "--previous")
    result = run_analysis(
        run, boundaries, clients, agents, service_points, scenario, sheet, layer, roads, travel
    )
    with_plan_options(result, upd)
    with staged_out(out) as tmp:
        pub, pilots, written = _plan_and_write(
            run, result, tmp, targets, previous, per_kecamatan, per_rw
        )
    print_plan(run, result, pub, pilots)
    run.say("cli.wrote", files=", ".join(p.name for p in written))


def _plan_and_write(
    run: RunContext, result, tmp: Path, targets, previous, per_kecamatan: bool, per_rw: bool
) -> tuple[Published, pd.DataFrame, list[Path]]:
    """The plan on exact data (the decision), its published tier and the files of ``plan``."""
    sc = result.scenario
    rb = road_backend(result)
    exact = plan_recruitment(result.kelurahan, sc, backend=rb)  # the decision: exact data
    phased = None
    if sc.plan.phases:
        phased = plan_phases(
            result.kelurahan, sc, yearly_unserved=unserved_by_year(result), backend=rb
        )
    pilots = choose_pilots(result.kelurahan, sc, sites=exact.sites, backend=rb)
    mon = run_monitoring(result, targets, previous, per_kecamatan, per_rw)
    lines = road_lines(result)
    # every figure that leaves: the same sites, reach, curve and phases from published counts
    pub = publish(result, exact, pilots, lang=run.lang, roads=lines, phased=phased)
    b = Build(pub, lang=run.lang, monitoring=mon)  # one basemap for map, PDF and deck
    written = write_exports(run, pub, tmp, "cli", build=b)
    written += write_exports(run, pub, tmp, "cli_plan", build=b)
    return pub, pilots, written


def print_plan(run: RunContext, result, pub: Published, pilots: pd.DataFrame) -> None:
    """Reach of the published evaluation (published counts); no exact objective or bound."""
    lang = run.lang
    rp = pub.plan
    run.say(  # the published tier's figures, as plan.csv and the deck state them
        "cli.plan",
        sites=fmt_num(len(pub.sites), lang),
        reached=fmt_num(pub.reached_new, lang),
        pilots=fmt_num(len(pub.pilots), lang),
        solver=solver_text(rp.solver or rp.method, lang),
    )
    if rp.fallback:
        run.say("cli.fallback", why=fallback_text(rp.fallback, lang))
    typer.echo(rp.reach_text.get(lang, ""))
    if not len(pilots):  # every candidate's reason, so "no pilot" is never unexplained
        why = pilot_candidates(result.kelurahan, result.scenario, sites=rp.sites)
        col = text_column("reason", lang)
        for _, r in why.head(10).iterrows():
            typer.echo(f"  - {r['nama']} ({r['kab_kota']}): {r[col]}")
    if rp.groups_line(lang):
        typer.echo(rp.groups_line(lang))
    if pub.phases is not None:  # published figures, like every line printed
        for line in pub.phases.lines(lang):
            typer.echo(line)


def demo(out: OutOpt = Path("out")) -> None:
    """Run the analysis and plan on the bundled demo data (synthetic clients, approximate borders)."""
    d = demo_paths()
    plan(
        d["boundaries"],
        d["clients"],
        out,
        d["agents"],
        d["service_points"],
        None,
        None,
        None,
        None,
        targets=d["targets"],
    )
