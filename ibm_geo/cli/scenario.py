"""``ibm-geo scenario``: the default (or a documented) scenario, to edit and pass back."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..config import PRESETS, Scenario, filter_help, preset


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

    sc = preset(preset_name) if preset_name else Scenario()
    if fmt == "json":
        sys.stdout.write(sc.to_bytes("json").decode())
        return
    head = [f"# {line}" for line in filter_help()]
    head += [f"# --preset {k}: {v[0]}" for k, v in PRESETS.items()]
    sys.stdout.write("\n".join(head) + "\n\n" + sc.to_bytes("toml").decode())
