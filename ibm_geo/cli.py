"""Command line: the same work as the app, in batch. A thin shell over pipeline, plan and export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import IbmGeoError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=(
        "ibm-geo: find kelurahan/desa with the most clients left without pascarehabilitasi follow-up,\n"
        "and plan where to recruit Agen Pemulihan.\n\n"
        "Example (bundled demo data):\n\n"
        "  ibm-geo analyze --boundaries data/boundaries/bali_selatan_demo.geojson \\\n"
        "      --clients data/clients/klien_demo.csv --agents data/clients/agen_demo.csv \\\n"
        "      --service-points data/clients/layanan_demo.xlsx --out out/"
    ),
)

BoundariesOpt = Annotated[
    Path,
    typer.Option(
        "--boundaries",
        "-b",
        help="Kelurahan/desa polygons: GeoJSON, GeoPackage, zipped Shapefile, GeoParquet or a "
        "wilayah_boundaries .sql dump.",
        exists=True,
        dir_okay=False,
    ),
]
ClientsOpt = Annotated[
    Path,
    typer.Option("--clients", "-c", help="Client list (CSV or XLSX).", exists=True, dir_okay=False),
]
AgentsOpt = Annotated[
    Path | None,
    typer.Option(
        "--agents", "-a", help="Agen Pemulihan list (CSV or XLSX).", exists=True, dir_okay=False
    ),
]
ServiceOpt = Annotated[
    Path | None,
    typer.Option(
        "--service-points",
        "-s",
        help="BNNP/BNNK offices, klinik, IPWL, puskesmas (CSV or XLSX).",
        exists=True,
        dir_okay=False,
    ),
]
ScenarioOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        help="Scenario file (TOML or JSON) with weights, radius, capacity, suppression k, filters. "
        "Write the defaults with `ibm-geo scenario > skenario.toml`.",
        exists=True,
        dir_okay=False,
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Folder for the results (created).")]


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code=2)


def _run_analysis(boundaries, clients, agents, service_points, scenario):
    from .config import Scenario, load_scenario
    from .pipeline import analyze

    sc = load_scenario(scenario) if scenario else Scenario()
    return analyze(boundaries, clients, agents, service_points, sc)


def _write_analysis(
    result, out: Path, *, plan=None, pilots=None, xlsx: bool = True, html: bool = True
) -> list[Path]:
    from .export import tables as ex

    out.mkdir(parents=True, exist_ok=True)
    sc = result.scenario
    written: list[Path] = []

    def put(name: str, data: bytes) -> None:
        p = out / name
        p.write_bytes(data)
        written.append(p)

    put("ranking.csv", ex.ranking_csv(result.kelurahan, sc))
    put("matches.csv", ex.matches_csv(result.matches, result.scenario.suppression_k))
    put("data_quality.csv", ex.quality_csv(result.quality))
    put("results.geojson", ex.results_geojson(result.kelurahan, sc))
    put("scenario.toml", sc.to_bytes("toml"))
    sites = plan.sites if plan is not None else None
    if xlsx:
        put(
            "ranking.xlsx",
            ex.workbook_xlsx(
                result.kelurahan,
                sc,
                sites=sites,
                pilots=pilots,
                quality=result.quality,
                matches=result.matches,
            ),
        )
    if html:
        from .render import build_html_map

        svc = result.joined.service_points.table
        put(
            "map.html",
            build_html_map(
                result.kelurahan, scenario=sc, sites=sites, pilots=pilots, service_points=svc
            ),
        )
    return written


@app.command()
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
) -> None:
    """Rank kelurahan by unmet need and write ranking.csv/.xlsx, matches.csv, data_quality.csv,
    results.geojson and map.html into OUT. Every export holds per-kelurahan aggregates only; counts
    below the suppression threshold k (default 5), and cells that would reveal them, are hidden."""
    try:
        result = _run_analysis(boundaries, clients, agents, service_points, scenario)
        _check_scope(result)
        written = _write_analysis(result, out, html=not no_map)
    except IbmGeoError as e:
        _fail(str(e))
    _print_published_summary(result)
    typer.echo("wrote " + ", ".join(p.name for p in written))


# --- privacy (issue 9): the CLI prints published figures only -------------------------------
def _check_scope(result) -> None:
    """A scope (after filters) with 1..k-1 clients would describe single people: refused."""
    from .errors import UserError
    from .privacy import disclose

    k = result.scenario.suppression_k
    n = int(disclose(result.kelurahan, k).counts["clients"].sum())
    if 0 < n < k:
        raise UserError("privacy.scope_too_small", k=k, where=_filter_text(result.scenario))


def _filter_text(sc) -> str:
    f = sc.filters
    parts = [*f.provinsi, *f.kab_kota, *f.kecamatan, *f.statuses]
    if f.year_min is not None or f.year_max is not None:
        parts.append(f"{f.year_min or ''}-{f.year_max or ''}")
    return ", ".join(parts) or "-"


def _print_published_summary(result) -> None:
    """Totals and the top five exactly as the exports publish them (hidden = '*')."""
    from .privacy import public_table, scope_totals

    k = result.scenario.suppression_k
    s = scope_totals(result.kelurahan, k)
    typer.echo(
        f"{len(result.kelurahan)} kelurahan/desa, {s.get('clients')} clients: "
        f"{s.get('served')} served, {s.get('in_reach')} in reach of an agent, "
        f"{s.get('referral_berat')} severe (BNNP referral), {s.get('unserved')} unserved "
        f"('*' = hidden, k={k}); {len(result.quality)} data-quality notes."
    )
    top = public_table(result.kelurahan, k).head(5)  # the whole table: same cells as exports
    for r in top.itertuples():
        typer.echo(f"  {r.rank:>3}. {r.nama} ({r.kab_kota}) score {r.score:.1f}")


@app.command()
def plan(
    boundaries: BoundariesOpt,
    clients: ClientsOpt,
    out: OutOpt,
    agents: AgentsOpt = None,
    service_points: ServiceOpt = None,
    scenario: ScenarioOpt = None,
    p: Annotated[
        int | None,
        typer.Option(
            "--groups", "-p", help="New agent groups to recruit (overrides the scenario)."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="mclp (most clients reached with p groups), lscp (fewest groups for a target share) or pmedian."
        ),
    ] = None,
    budget: Annotated[
        float | None, typer.Option(help="Recruitment budget (same unit as cost_per_site).")
    ] = None,
) -> None:
    """Analyze, then propose where to recruit new Agen Pemulihan groups and which villages to
    pilot (one per BNNK by default). Writes the analysis files plus plan.csv, pilots.csv,
    curve.csv, map.png, map_a4.pdf and rakor.pptx, and adds the sites and pilots to map.html."""
    from .plan import choose_pilots, plan_recruitment

    try:
        result = _run_analysis(boundaries, clients, agents, service_points, scenario)
        _check_scope(result)
        sc = result.scenario
        upd = {k: v for k, v in {"p": p, "model": model, "budget": budget}.items() if v is not None}
        if upd:
            sc = sc.model_copy(update={"plan": sc.plan.model_copy(update=upd)})
            result.scenario = sc
        rp = plan_recruitment(result.kelurahan, sc)
        pilots = choose_pilots(result.kelurahan, sc)
        written = _write_analysis(result, out, plan=rp, pilots=pilots)
        from .export import tables as ex
        from .render import build_slides, render_static_map

        kel = result.kelurahan
        for name, data in (
            ("plan.csv", ex.plan_csv(rp.sites, sc)),
            ("pilots.csv", ex.pilots_csv(pilots, kel, sc)),
            ("curve.csv", ex.curve_csv(rp.curve, sc)),
            ("map.png", render_static_map(kel, scenario=sc, sites=rp.sites, pilots=pilots)),
            (
                "map_a4.pdf",
                render_static_map(
                    kel, scenario=sc, sites=rp.sites, pilots=pilots, size="a4", fmt="pdf"
                ),
            ),
            (
                "rakor.pptx",
                build_slides(
                    kel,
                    scenario=sc,
                    sites=rp.sites,
                    pilots=pilots,
                    curve=rp.curve,
                    quality=result.quality,
                    matches=result.matches,
                ),
            ),
        ):
            (out / name).write_bytes(data)
            written.append(out / name)
    except IbmGeoError as e:
        _fail(str(e))
    # objective and bound are sums of published demand (hidden counts = the band value)
    typer.echo(
        f"{rp.method}: {len(rp.sites)} sites, objective {rp.objective:.1f}, bound {rp.bound:.1f}, "
        f"gap {rp.gap:.2%}; {len(pilots)} pilot villages"
    )
    typer.echo("wrote " + ", ".join(p.name for p in written))


@app.command("scenario")
def scenario_cmd(
    fmt: Annotated[str, typer.Option("--format", help="toml or json")] = "toml",
) -> None:
    """Print the default scenario, to edit and pass with --scenario."""
    from .config import Scenario

    sys.stdout.write(Scenario().to_bytes("json" if fmt == "json" else "toml").decode())


@app.command()
def demo(out: OutOpt = Path("out")) -> None:
    """Run the analysis and plan on the bundled demo data (synthetic clients, approximate borders)."""
    from .demo import demo_paths

    d = demo_paths()
    plan(d["boundaries"], d["clients"], out, d["agents"], d["service_points"], None)


def main() -> None:
    app()
