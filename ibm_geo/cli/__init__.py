"""Command line: the same work as the app, in batch. A thin shell over pipeline, plan, publish
and export, one module per command group; the run's language and the like travel in one frozen
:class:`~ibm_geo.cli.context.RunContext`, which the office commands read as well."""

from __future__ import annotations

from typing import Annotated

import typer

from .analyze import analyze
from .boundary import Boundary
from .office import audit_app, office_app, users_app
from .plan import demo, plan
from .scenario import scenario_cmd
from .why_not import why_not_cmd

app = typer.Typer(
    cls=Boundary,
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


# in this order in the help
app.command()(analyze)
app.command()(plan)
app.command("why-not")(why_not_cmd)
app.command("scenario")(scenario_cmd)
app.command()(demo)
# --- office: accounts, audit log, database (issue 15) ---------------------------------------
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(office_app, name="office")


def main() -> None:
    app()


__all__ = ["app", "main"]
