"""The options the main commands share, declared once (their ``help.*`` texts in the catalogue
replace the English help in the run's language)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
