"""``ibm-geo analyze``: the ranking and the analysis files, published figures only."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import fmt_num
from ..publish import Published, publish
from ..render.basemap import road_lines
from .context import RunContext, current
from .monitoring import run_monitoring
from .options import (
    AgentsOpt,
    BoundariesOpt,
    ClientsOpt,
    LayerOpt,
    OutOpt,
    PerKecOpt,
    PerRwOpt,
    PreviousOpt,
    RoadsOpt,
    ScenarioOpt,
    ServiceOpt,
    SheetOpt,
    TargetsOpt,
    TravelOpt,
)
from .run import check_input, check_out, run_analysis, staged_out, write_exports


def analyze(
    boundaries: BoundariesOpt,
    clients: ClientsOpt,
    out: OutOpt,
    agents: AgentsOpt = None,
    service_points: ServiceOpt = None,
    scenario: ScenarioOpt = None,
    no_map: Annotated[
        bool, typer.Option("--no-map", help="Skip map.html (very large areas).")
    ] = False,
    sheet: SheetOpt = None,
    layer: LayerOpt = None,
    roads: RoadsOpt = None,
    travel: TravelOpt = None,
    targets: TargetsOpt = None,
    previous: PreviousOpt = None,
    per_kecamatan: PerKecOpt = False,
    per_rw: PerRwOpt = False,
) -> None:
    """The ``analyze`` command (its help text is ``help.analyze`` in the catalogue)."""
    run = current()
    check_out(out)
    check_input(targets, "--targets")
    check_input(previous, "--previous")
    result = run_analysis(
        run, boundaries, clients, agents, service_points, scenario, sheet, layer, roads, travel
    )
    mon = run_monitoring(result, targets, previous, per_kecamatan, per_rw)
    pub = publish(result, lang=run.lang, roads=road_lines(result))
    with staged_out(out) as tmp:
        skip = ("map_html",) if no_map else ()
        written = write_exports(run, pub, tmp, "cli", monitoring=mon, skip=skip)
    print_published_summary(run, pub)
    run.say("cli.wrote", files=", ".join(p.name for p in written))


# --- privacy (issue 9): the CLI prints published figures only -------------------------------
def print_published_summary(run: RunContext, pub: Published) -> None:
    """Totals and the top five exactly as the exports publish them (the published tier)."""
    k = pub.k
    s = pub.totals
    lang = run.lang
    # rows of the planner's own input file (not a count per area)
    run.say("cli.rows_read", n=fmt_num(pub.n_rows_read, lang))
    run.say(
        "cli.totals",
        units=fmt_num(len(pub.geo), lang),
        clients=fmt_num(s.get("clients"), lang),
        served=fmt_num(s.get("served"), lang),
        in_reach=fmt_num(s.get("in_reach"), lang),
        referral=fmt_num(s.get("referral_berat"), lang),
        unserved=fmt_num(s.get("unserved"), lang),
        k=k,
        notes=fmt_num(len(pub.quality), lang),
    )
    for r in pub.top(5).itertuples():  # the published ranking: same cells and order as exports
        run.say(
            "cli.top",
            rank=fmt_num(r.rank, lang),
            nama=r.nama,
            kab=r.kab_kota,
            score=fmt_num(r.score, lang, 1),
        )
