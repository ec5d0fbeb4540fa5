"""``ibm-geo why-not``: why a village is not a proposed site or a pilot, in plain words."""

from __future__ import annotations

from typing import Annotated

import typer

from ..plan import choose_pilots, plan_recruitment
from ..plan.why_not import why_not
from ..publish import publish
from .context import LANGS, current
from .options import (
    AgentsOpt,
    BoundariesOpt,
    BudgetOpt,
    ClientsOpt,
    GroupsOpt,
    LayerOpt,
    ModelOpt,
    PlaceAllOpt,
    ReachOpt,
    RoadsOpt,
    ScenarioOpt,
    ServiceOpt,
    SheetOpt,
    TravelOpt,
)
from .run import plan_options, road_backend, run_analysis, with_plan_options


def why_not_cmd(
    boundaries: BoundariesOpt,
    clients: ClientsOpt,
    kelurahan: Annotated[
        str, typer.Option("--kelurahan", help="Name (as written) or kode of the village.")
    ],
    agents: AgentsOpt = None,
    service_points: ServiceOpt = None,
    scenario: ScenarioOpt = None,
    p: GroupsOpt = None,
    model: ModelOpt = None,
    budget: BudgetOpt = None,
    reach: ReachOpt = None,
    place_all: PlaceAllOpt = False,
    sheet: SheetOpt = None,
    layer: LayerOpt = None,
    roads: RoadsOpt = None,
    travel: TravelOpt = None,
    kecamatan: Annotated[
        str | None, typer.Option(help="Kecamatan, when several villages share the name.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="id (Bahasa Indonesia) or en; default: ibm-geo --lang.")
    ] = None,
) -> None:
    """Why is a village not a proposed recruitment site or a pilot? Runs the analysis and the
    plan of the scenario and prints the reason in plain words (published figures only)."""
    run = current()
    upd = plan_options(p, model, budget, reach, place_all)
    result = run_analysis(
        run, boundaries, clients, agents, service_points, scenario, sheet, layer, roads, travel
    )
    sc = with_plan_options(result, upd)
    rb = road_backend(result)
    rp = plan_recruitment(result.kelurahan, sc, backend=rb)
    pilots = choose_pilots(result.kelurahan, sc, sites=rp.sites, backend=rb)
    kel = result.kelurahan
    pub = publish(result, rp, pilots)  # what is printed: the published tier's figures
    ans = why_not(
        kel, sc, kelurahan, kecamatan=kecamatan, plan=rp, pilots=pilots, backend=rb, published=pub
    )
    typer.echo(f"{ans.nama} ({ans.kode})")
    for line in ans.lines(lang if lang in LANGS else run.lang):
        typer.echo(f"- {line}")
