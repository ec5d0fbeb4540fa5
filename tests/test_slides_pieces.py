"""The deck in small pieces (issue 24): the rakor deck is the declared list of slide functions
and the progress slides the declared list per office; no function of those renderers is longer
than 80 lines."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import _fixtures as fx
import pytest
from pptx import Presentation

import ibm_geo.render.monitoring as rmon
import ibm_geo.render.slides as rs
from ibm_geo.publish import publish_table
from ibm_geo.render.basemap import MapContext

MAX_LINES = 80


def _long_functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (n.name, n.end_lineno - n.lineno + 1)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and n.end_lineno - n.lineno + 1 > MAX_LINES
    ]


@pytest.mark.parametrize("module", [rs, rmon], ids=["slides", "monitoring"])
def test_no_function_over_80_lines(module):
    assert _long_functions(Path(module.__file__)) == []


def test_the_length_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "m.py").write_text(f"def f():\n{body}\n", encoding="utf-8")
    assert _long_functions(tmp_path / "m.py") == [("f", MAX_LINES + 1)]


def _titles(data: bytes) -> list[str]:
    """Each slide's first text box (its title; the title slide's is the TERBATAS mark)."""
    prs = Presentation(io.BytesIO(data))
    return [next(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in prs.slides]


@pytest.fixture(scope="module")
def pub():
    ctx = MapContext(service_points=fx.make_service_points())
    return publish_table(
        fx.make_kelurahan(),
        fx.scenario(),
        sites=fx.make_sites(),
        pilots=fx.make_pilots(),
        quality=fx.make_quality(),
        matches=fx.make_matches(),
        curve=fx.make_curve(),
        context=ctx,
    )


def test_build_slides_adds_exactly_the_declared_slides_in_order(pub):
    """The deck is the list: the same list gives the same deck, a shorter list a shorter one,
    and every slide function adds its slides under its own title."""
    assert rs.SLIDES[0] is rs.title_slide and rs.SLIDES[-1] is rs.method_slide
    few = (rs.title_slide, rs.kab_slides, rs.method_slide)
    assert _titles(rs.build_slides(pub, slides=few)) == [
        "TERBATAS", "Angka per kab/kota", "Metode · Kualitas data",
    ]  # fmt: skip
    full = _titles(rs.build_slides(pub, lang="en"))
    assert full == [
        "RESTRICTED",
        "Current situation",
        "Recovery agent need map",
        "Top 10 villages and why",
        "Proposed decision: recruit new recovery agents",
        "Proposed recruitment sites",
        "How many groups? Coverage curve and the chosen point",
        "Why recruitment sites differ from the score ranking",
        "Pilot villages and comparison villages",
        "Figures per regency/city",
        "Method · Data quality",
    ]  # no phased plan: the phase function adds nothing


def test_without_a_plan_the_plan_slides_add_nothing(pub):
    from dataclasses import replace

    import pandas as pd

    bare = replace(pub, sites=pd.DataFrame(columns=pub.sites.columns))
    plan_fns = (rs.decision_slide, rs.sites_slides, rs.curve_slide, rs.why_slide)
    assert _titles(rs.build_slides(bare, slides=plan_fns)) == [
        "Usulan keputusan: rekrutmen Agen Pemulihan baru"
    ]
