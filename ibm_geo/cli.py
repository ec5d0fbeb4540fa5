"""Command line: the same work as the app, in batch. A thin shell over pipeline, plan and export."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .errors import IbmGeoError, UserError
from .i18n import fmt_num, has, t, text_column

# -- the error boundary ----------------------------------------------------------------------
#: language of CLI messages: --lang, else IBM_GEO_LANG, else Indonesian
LANGS = ("id", "en")

#: every line the CLI prints for people is a ``cli.*`` text of the catalogue
#: (``ibm_geo/locales``); errors are its ``err.*`` texts

#: help of the main commands and click's frame words are ``help.*`` texts of the catalogue

#: the language of this run, set by the error boundary from --lang / IBM_GEO_LANG
_RUN_LANG = {"lang": "id"}


def cli_lang() -> str:
    """The language chosen for this run (``--lang`` anywhere on the line, else IBM_GEO_LANG)."""
    return _RUN_LANG["lang"]


def _say_line(key: str, **fmt: object) -> None:
    typer.echo(t(key, cli_lang(), **fmt))


def _lang_from(args: list[str]) -> str:
    lang = os.environ.get("IBM_GEO_LANG", "id")
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            lang = args[i + 1]
        elif a.startswith("--lang="):
            lang = a.split("=", 1)[1]
    return lang if lang in LANGS else "id"


def _option_name(param: Any) -> str:
    if param is None:
        return "?"
    opts = getattr(param, "opts", None) or [getattr(param, "name", "?")]
    return " / ".join(opts)


def _kinds(e: BaseException) -> set[str]:
    """Class names in the MRO: typer >= 0.20 vendors its own click, so the usage errors are
    recognised by name rather than by importing one click's classes."""
    return {c.__name__ for c in type(e).__mro__}


def _usage_error(e: Exception, command: str) -> UserError:
    """click's English usage errors as catalog errors (one line, either language)."""
    kinds = _kinds(e)
    msg = getattr(e, "message", "") or str(e)
    if "MissingParameter" in kinds:
        return UserError("cli.missing_option", option=_option_name(e.param), command=command)
    if "NoSuchOption" in kinds:
        return UserError("cli.no_such_option", option=e.option_name, command=command)
    if "BadParameter" in kinds:
        return UserError("cli.bad_value", option=_option_name(e.param), detail=msg, command=command)
    if "No such command" in msg:
        name = msg.split("'")[1] if "'" in msg else "?"
        return UserError("cli.no_such_command", name=name, commands=app_commands())
    return UserError("cli.usage", detail=msg, command=command)


def app_commands() -> list[str]:
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands if c.callback)


def _say(err: IbmGeoError, lang: str) -> None:
    typer.echo(t("cli.error", lang, message=err.message(lang)), err=True)


def _swap(obj: Any, key: str, lang: str) -> None:
    """Put the help of ``key`` in ``lang`` on ``obj`` (a command or option); a command or
    option without a ``help.*`` text keeps the help written in the code."""
    if has(key):
        obj.help = t(key, lang)


def _localize_help(group: Any, lang: str, path: tuple[str, ...] = ()) -> None:
    """Help of every command and option in the run's language, from the registered
    ``help.<command path>`` / ``help.<command path> <--option>`` texts (else the shared
    ``help.<--option>``); commands without such texts keep their English help. The
    ``--help`` option itself reads ``help.frame.help``."""
    for name, cmd in (getattr(group, "commands", None) or {}).items():
        here = (*path, name)
        key = "help." + " ".join(here)
        _swap(cmd, key, lang)
        _localize_params(cmd, key, lang)
        _localize_help(cmd, lang, here)


def _localize_params(cmd: Any, key: str, lang: str) -> None:
    from typer._click.core import Context

    help_opt = cmd.get_help_option(Context(cmd))
    if help_opt is not None:
        help_opt.help = t("help.frame.help", lang)
    for param in getattr(cmd, "params", []):
        opt = max(getattr(param, "opts", None) or [""], key=len)
        for k in (f"{key} {opt}", f"help.{opt}"):
            if opt and has(k):
                _swap(param, k, lang)
                break


def _localize_frame(lang: str) -> None:
    """click's and typer's own words around the help (Usage, Options, Commands, Arguments,
    [default], [required]) in the run's language: one place for every command, main and office."""
    from typer import rich_utils
    from typer._click import formatting

    rich_utils.OPTIONS_PANEL_TITLE = t("help.frame.options", lang)
    rich_utils.COMMANDS_PANEL_TITLE = t("help.frame.commands", lang)
    rich_utils.ARGUMENTS_PANEL_TITLE = t("help.frame.arguments", lang)
    rich_utils.DEFAULT_STRING = t("help.frame.default", lang)
    rich_utils.REQUIRED_LONG_STRING = t("help.frame.required", lang)
    _USAGE["prefix"] = t("help.frame.usage", lang)
    if not getattr(formatting.HelpFormatter.write_usage, "_ibm_geo", False):
        plain = formatting.HelpFormatter.write_usage

        def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
            plain(self, prog, args, _USAGE["prefix"] if prefix is None else prefix)

        write_usage._ibm_geo = True  # type: ignore[attr-defined]
        formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


#: the "Usage: " prefix of this run's help (set by _localize_frame)
_USAGE = {"prefix": "Usage: "}


class _Boundary(TyperGroup):
    """Every way the CLI can fail becomes one line on stderr: exit 2 for anything the user gave
    (files, scenario, options), exit 1 for a bug (with IBM_GEO_DEBUG=1 for the traceback)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        lang = _lang_from(argv)
        _RUN_LANG["lang"] = lang
        command = next((a for a in argv if not a.startswith("-")), "")
        _localize_frame(lang)
        _swap(self, "help.ibm-geo", lang)
        _localize_params(self, "help.ibm-geo", lang)
        _localize_help(self, lang)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except (KeyboardInterrupt, SystemExit):
            raise
        except IbmGeoError as e:
            _say(e, lang)
            rv = 2
        except Exception as e:
            kinds = _kinds(e)
            if "NoArgsIsHelpError" in kinds:  # `ibm-geo` alone: the help (typer printed it)
                rv = 0
            elif "Exit" in kinds:
                rv = getattr(e, "exit_code", 0)
            elif "Abort" in kinds:
                typer.echo(t("cli.aborted", lang), err=True)
                rv = 1
            elif "ClickException" in kinds or "UsageError" in kinds:
                _say(_usage_error(e, command), lang)
                rv = 2
            elif os.environ.get("IBM_GEO_DEBUG"):
                if getattr(e, "child_traceback", ""):  # a reader's bug, from its child process
                    sys.stderr.write(e.child_traceback)
                raise
            else:  # a bug, not the user's fault: still one line, no traceback on screen
                detail = f"{type(e).__name__}: {e}"[:300]
                _say(UserError("cli.internal", detail=detail), lang)
                rv = 1
        rv = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(rv)
        return rv


app = typer.Typer(
    cls=_Boundary,
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
    ),
]
ClientsOpt = Annotated[
    Path,
    typer.Option("--clients", "-c", help="Client list (CSV or XLSX)."),
]
AgentsOpt = Annotated[
    Path | None,
    typer.Option("--agents", "-a", help="Agen Pemulihan list (CSV or XLSX)."),
]
ServiceOpt = Annotated[
    Path | None,
    typer.Option(
        "--service-points",
        "-s",
        help="BNNP/BNNK offices, klinik, IPWL, puskesmas (CSV or XLSX).",
    ),
]
ScenarioOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        help="Scenario file (TOML or JSON) with weights, radius, capacity, suppression k, filters. "
        "Write the defaults with `ibm-geo scenario > skenario.toml`.",
    ),
]
OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        help="Folder for the results (created). Written only when everything succeeded: a failed "
        "run leaves it as it was.",
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="Sheet of the client/agent/service-point workbooks to read when their sheets hold "
        "different tables (default: every sheet with the same header).",
    ),
]
LayerOpt = Annotated[
    str | None,
    typer.Option("--layer", help="Layer of a multi-layer GeoPackage holding the village polygons."),
]
# --- road-network travel (issue 12) -------------------------------------------------------------
RoadsOpt = Annotated[
    Path | None,
    typer.Option(
        "--roads",
        help="OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2): reach, dist_nearest_m and the plan "
        "use travel along the roads instead of straight lines.",
    ),
]
TravelOpt = Annotated[
    str | None,
    typer.Option("--travel", help="motor (sepeda motor, default) or walk; with --roads."),
]
# --- monitoring: targets, previous run (issue 13) ----------------------------------------------
TargetsOpt = Annotated[
    Path | None,
    typer.Option(
        "--targets",
        help="Targets per office (CSV/XLSX: wilayah, tahun, indikator, target; indikator "
        "rehab|pascarehab|agen|desa_ibm). Adds progress.csv, trend.csv, summary.csv, trend.png.",
    ),
]
PreviousOpt = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        help="results.geojson or ranking.xlsx of the last rakor's run: adds change.csv and "
        "change.geojson (what moved per unit and per kab/kota).",
    ),
]

PerKecOpt = Annotated[
    bool,
    typer.Option(
        "--per-kecamatan",
        help="summary.csv also has one row per kecamatan below each kab/kota (protected "
        "with the other monitoring tables).",
    ),
]


PerRwOpt = Annotated[
    bool,
    typer.Option(
        "--per-rw",
        help="rw.csv: clients and unserved per RW inside each kelurahan whose client rows carry "
        "RW (table only; protected like every count).",
    ),
]


def _monitoring(
    result,
    targets: Path | None,
    previous: Path | None,
    per_kecamatan: bool = False,
    per_rw: bool = False,
):
    """The monitoring tables when --targets, --previous, --per-kecamatan or --per-rw is given
    (else None); bad target rows join the data-quality report."""
    if targets is None and previous is None and not per_kecamatan and not per_rw:
        return None
    import pandas as pd

    from .monitoring import monitor, read_previous, read_targets
    from .quality import DataQuality

    q = DataQuality()
    tg = read_targets(targets, result.kelurahan, quality=q) if targets else None
    prev = read_previous(previous, kelurahan=result.kelurahan, quality=q) if previous else None
    if len(q):
        result.quality = pd.concat([result.quality, q.to_frame()], ignore_index=True)
    return monitor(result, tg, prev, by_kecamatan=per_kecamatan, per_rw=per_rw)


def _roads_scenario(sc, roads: Path | None, travel: str | None):
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


@app.callback()
def _root(
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Language of messages: id (Bahasa Indonesia, default) or en. Also IBM_GEO_LANG.",
        ),
    ] = "id",
) -> None:
    """ibm-geo command line."""


def _input(path: Path | None, option: str) -> Path | None:
    """An input path that exists and is a file, else a named error (not click's English one)."""
    if path is None:
        return None
    if not os.path.lexists(path):
        raise UserError("input.not_found", file=str(path), detail=f"{option}: no such file")
    from .io.guard import check_special

    # a FIFO, device, socket, folder or symlink loop is refused before anything opens it
    check_special(path, str(path), allow_dir=str(path).lower().rstrip("/").endswith(".gdb"))
    return path


@contextlib.contextmanager
def staged_out(out: Path) -> Iterator[Path]:
    """A temporary folder next to ``out``; its files move into ``out`` only if the block ends
    without an error, so a failed run never leaves half a set of results."""
    if out.exists() and not out.is_dir():
        raise UserError("cli.out_is_file", path=str(out))
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


def _run_analysis(
    boundaries, clients, agents, service_points, scenario, sheet=None, layer=None, roads=None,
    travel=None,
):  # fmt: skip
    from .config import Scenario, load_scenario
    from .pipeline import analyze

    for path, opt in (
        (boundaries, "--boundaries"),
        (clients, "--clients"),
        (agents, "--agents"),
        (service_points, "--service-points"),
        (scenario, "--scenario"),
        (roads, "--roads"),
    ):
        _input(path, opt)
    sc = load_scenario(scenario) if scenario else Scenario()
    sc = _roads_scenario(sc, roads, travel)
    result = analyze(
        boundaries,
        clients,
        agents,
        service_points,
        sc,
        read_options={"sheet": sheet, "layer": layer},
    )
    _check_filters(result)
    return result


def _check_filters(result) -> None:
    """A filter that leaves no client (or no unit) is the planner's mistake, not an empty
    ranking to publish: exit 2 before anything is written."""
    from .pipeline import filter_mask, unit_mask

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
        raise UserError("pipeline.filter_empty", filters=text, n=fmt_num(n, cli_lang()))


def _write_exports(
    pub, out: Path, channel: str, *, monitoring=None, skip: tuple[str, ...] = (), build=None
) -> list[Path]:
    """The files ``channel`` writes for one published tier (:class:`ibm_geo.publish.Published`),
    as :data:`ibm_geo.export.catalog.CATALOG` declares them, in its order."""
    from .export.catalog import exports

    written: list[Path] = []
    for e, make in exports(
        pub, channel, lang=cli_lang(), monitoring=monitoring, skip=skip, build=build
    ):
        p = out / e.filename
        p.write_bytes(make())
        written.append(p)
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
    sheet: SheetOpt = None,
    layer: LayerOpt = None,
    roads: RoadsOpt = None,
    travel: TravelOpt = None,
    targets: TargetsOpt = None,
    previous: PreviousOpt = None,
    per_kecamatan: PerKecOpt = False,
    per_rw: PerRwOpt = False,
) -> None:
    """Rank kelurahan by unmet need and write ranking.csv/.xlsx, matches.csv, data_quality.csv,
    results.geojson and map.html into OUT. Every export holds per-kelurahan aggregates only; counts
    below the suppression threshold k (default 5), and cells that would reveal them, are hidden."""
    if out.exists() and not out.is_dir():
        raise UserError("cli.out_is_file", path=str(out))
    _input(targets, "--targets")
    _input(previous, "--previous")
    result = _run_analysis(
        boundaries, clients, agents, service_points, scenario, sheet, layer, roads, travel
    )
    mon = _monitoring(result, targets, previous, per_kecamatan, per_rw)
    from .publish import publish

    pub = publish(result, lang=cli_lang(), roads=_road_lines(result))
    with staged_out(out) as tmp:
        skip = ("map_html",) if no_map else ()
        written = [out / p.name for p in _write_exports(pub, tmp, "cli", monitoring=mon, skip=skip)]
    _print_published_summary(pub)
    _say_line("cli.wrote", files=", ".join(p.name for p in written))


# --- privacy (issue 9): the CLI prints published figures only -------------------------------
def _print_published_summary(pub) -> None:
    """Totals and the top five exactly as the exports publish them (the published tier)."""
    k = pub.k
    s = pub.totals
    lang = cli_lang()
    # rows of the planner's own input file (not a count per area)
    _say_line("cli.rows_read", n=fmt_num(pub.n_rows_read, lang))
    _say_line(
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
        _say_line(
            "cli.top",
            rank=fmt_num(r.rank, lang),
            nama=r.nama,
            kab=r.kab_kota,
            score=fmt_num(r.score, lang, 1),
        )


GroupsOpt = Annotated[
    int | None,
    typer.Option("--groups", "-p", help="New agent groups to recruit (overrides the scenario)."),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        help="mclp (most clients reached with p groups), lscp (fewest groups for a target share) or pmedian."
    ),
]
BudgetOpt = Annotated[
    float | None, typer.Option(help="Recruitment budget (same unit as cost_per_site).")
]
ReachOpt = Annotated[
    str | None,
    typer.Option(
        help="desa (a group serves its own kelurahan; the default) or radius (everyone "
        "within the service radius, straight line or --roads)."
    ),
]
PlaceAllOpt = Annotated[
    bool,
    typer.Option(
        "--place-all", help="Place every requested group, by the ranking where no model use."
    ),
]


def _plan_options(p, model, budget, reach, place_all) -> dict:
    """The plan options ``plan`` and ``why-not`` share, checked with the scenario's bounds
    before any work (so "why-not ... same inputs" answers for the same plan)."""
    from .config import Scenario, updated

    opts = {"p": p, "model": model, "budget": budget, "reach": reach}
    upd = {k: v for k, v in opts.items() if v is not None}
    if place_all:
        upd["place_all"] = True
    if upd:
        updated(Scenario(), "--groups/--model/--budget/--reach", plan=upd)
    return upd


@app.command()
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
    from .config import updated
    from .plan import choose_pilots, plan_recruitment
    from .publish import publish

    if out.exists() and not out.is_dir():
        raise UserError("cli.out_is_file", path=str(out))
    upd = _plan_options(p, model, budget, reach, place_all)
    _input(targets, "--targets")
    _input(previous, "--previous")
    result = _run_analysis(
        boundaries, clients, agents, service_points, scenario, sheet, layer, roads, travel
    )
    sc = result.scenario
    if upd:
        sc = updated(sc, "--groups/--model/--budget/--reach", plan=upd)
        result.scenario = sc
    with staged_out(out) as tmp:
        rb = _road_backend(result)
        exact = plan_recruitment(result.kelurahan, sc, backend=rb)  # the decision: exact data
        phased = None
        if sc.plan.phases:
            from .plan.phases import plan_phases, unserved_by_year

            phased = plan_phases(
                result.kelurahan, sc, yearly_unserved=unserved_by_year(result), backend=rb
            )
        pilots = choose_pilots(result.kelurahan, sc, sites=exact.sites, backend=rb)
        mon = _monitoring(result, targets, previous, per_kecamatan, per_rw)
        from .export.catalog import Build

        lines = _road_lines(result)
        # every figure that leaves: the same sites, reach, curve and phases from published counts
        pub = publish(result, exact, pilots, lang=cli_lang(), roads=lines, phased=phased)
        rp = pub.plan
        b = Build(pub, lang=cli_lang(), monitoring=mon)  # one basemap for map, PDF and deck
        written = _write_exports(pub, tmp, "cli", build=b)
        written += _write_exports(pub, tmp, "cli_plan", build=b)
    # reach of the published evaluation (published counts); no exact objective or bound
    from .plan.result import fallback_text, solver_text

    lang = cli_lang()
    _say_line(  # the published tier's figures, as plan.csv and the deck state them
        "cli.plan",
        sites=fmt_num(len(pub.sites), lang),
        reached=fmt_num(pub.reached_new, lang),
        pilots=fmt_num(len(pub.pilots), lang),
        solver=solver_text(rp.solver or rp.method, lang),
    )
    if rp.fallback:
        _say_line("cli.fallback", why=fallback_text(rp.fallback, lang))
    typer.echo(rp.reach_text.get(lang, ""))
    if not len(pilots):  # every candidate's reason, so "no pilot" is never unexplained
        from .plan.pilots import pilot_candidates

        why = pilot_candidates(result.kelurahan, sc, sites=rp.sites)
        col = text_column("reason", lang)
        for _, r in why.head(10).iterrows():
            typer.echo(f"  - {r['nama']} ({r['kab_kota']}): {r[col]}")
    if rp.groups_line(lang):
        typer.echo(rp.groups_line(lang))
    if pub.phases is not None:  # published figures, like every line printed
        for line in pub.phases.lines(lang):
            typer.echo(line)
    _say_line("cli.wrote", files=", ".join(p.name for p in written))


@app.command("why-not")
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
    from .config import updated
    from .plan import choose_pilots, plan_recruitment
    from .plan.why_not import why_not

    upd = _plan_options(p, model, budget, reach, place_all)
    result = _run_analysis(
        boundaries, clients, agents, service_points, scenario, sheet, layer, roads, travel
    )
    sc = result.scenario
    if upd:  # the same plan as `plan` with the same options
        sc = updated(sc, "--groups/--model/--budget/--reach", plan=upd)
        result.scenario = sc
    rb = _road_backend(result)
    rp = plan_recruitment(result.kelurahan, sc, backend=rb)
    pilots = choose_pilots(result.kelurahan, sc, sites=rp.sites, backend=rb)
    kel = result.kelurahan
    from .publish import publish

    pub = publish(result, rp, pilots)  # what is printed: the published tier's figures
    ans = why_not(
        kel, sc, kelurahan, kecamatan=kecamatan, plan=rp, pilots=pilots, backend=rb, published=pub
    )
    typer.echo(f"{ans.nama} ({ans.kode})")
    for line in ans.lines(lang if lang in LANGS else cli_lang()):
        typer.echo(f"- {line}")


def _road_lines(result):
    """Road lines for the print map when the run used roads (None otherwise)."""
    from .render.basemap import road_lines

    return road_lines(result)


def _road_backend(result):
    d = result.distance
    return d if getattr(d, "kind", "straight") == "road" else None


@app.command("scenario")
def scenario_cmd(
    fmt: Annotated[str, typer.Option("--format", help="toml or json")] = "toml",
    preset_name: Annotated[
        str | None,
        typer.Option(
            "--preset", help="A documented scenario, e.g. kohort-2019 (rehab 2019, belum pasca)."
        ),
    ] = None,
) -> None:
    """Print the default scenario (or a documented one), to edit and pass with --scenario.
    TOML output starts with one comment line per filter key saying what it keeps."""
    from .config import PRESETS, Scenario, filter_help, preset

    sc = preset(preset_name) if preset_name else Scenario()
    if fmt == "json":
        sys.stdout.write(sc.to_bytes("json").decode())
        return
    head = [f"# {line}" for line in filter_help()]
    head += [f"# --preset {k}: {v[0]}" for k, v in PRESETS.items()]
    sys.stdout.write("\n".join(head) + "\n\n" + sc.to_bytes("toml").decode())


@app.command()
def demo(out: OutOpt = Path("out")) -> None:
    """Run the analysis and plan on the bundled demo data (synthetic clients, approximate borders)."""
    from .demo import demo_paths

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


# --- office: accounts, audit log, database (issue 15) ---------------------------------------
def _office_commands() -> None:
    from .office.cli import audit_app, office_app, users_app

    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
    app.add_typer(office_app, name="office")


_office_commands()


def main() -> None:
    app()
