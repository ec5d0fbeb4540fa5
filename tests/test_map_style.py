"""One map style: the app map, the HTML export and the print map give every village the same colour,
legend ranges join without gaps, and the classes stay apart on a greyscale print."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from ibm_geo.config import Scenario
from ibm_geo.publish import publish
from ibm_geo.render import static_map
from ibm_geo.render.html_map import build_html_map
from ibm_geo.render.style import (
    NO_NEED_COLOR,
    NODATA_COLOR,
    class_palette,
    luminance,
    score_classes,
)
from ibm_geo_app import map as appmap


@pytest.fixture(scope="module")
def demo(demo_analysis):
    return demo_analysis  # the session's demo analysis (conftest.py)


def _html_fills(page: bytes) -> dict[str, str]:
    m = re.search(rb'id="ibm-data">(.*?)</script>', page, re.S)
    data = json.loads(m.group(1))
    fields = [f for f, _ in data["units"]["fields"]]
    at = fields.index("kode")
    colors = data["meta"]["colors"]
    return {
        str(p[at]): (colors[c] if c >= 0 else None)
        for p, c in zip(data["units"]["props"], data["units"]["cls"], strict=True)
    }


def _app_fills(m) -> dict[str, str]:
    for child in m._children.values():
        data = getattr(child, "data", None)
        if isinstance(data, dict) and data.get("features"):
            feats = data["features"]
            if "fill" in feats[0]["properties"]:
                return {f["properties"]["kode"]: f["properties"]["fill"] for f in feats}
    raise AssertionError("no choropleth layer in the app map")


def _print_fills(published, monkeypatch) -> list[str]:
    """Face colours of the print map's units, in the published table's row order."""
    figs = []
    monkeypatch.setattr(static_map.plt, "close", figs.append)
    static_map.render_static_map(published, dpi=40)
    ax = figs[0].axes[0]
    units = [c for c in ax.collections if len(c.get_paths()) == len(published.geo)]
    faces = units[0].get_facecolors()
    return [to_hex(c) for c in faces]


@pytest.mark.parametrize("classification", ["quantiles", "natural_breaks", "fixed"])
def test_same_village_same_colour_in_app_html_and_print(demo, classification, monkeypatch):
    from ibm_geo.pipeline import rescore

    sc = Scenario(classification=classification)
    pub = publish(rescore(demo, sc))
    kel = pub.geo  # what the files hold, and what the app shows in rakor mode
    app = _app_fills(appmap.build_app_map(kel, scenario=sc, tiles=False))
    page = _html_fills(build_html_map(pub))
    printed = dict(zip(kel["kode"].astype(str), _print_fills(pub, monkeypatch), strict=True))
    assert set(app) == set(page) == set(printed) == set(kel["kode"].astype(str))
    for kode in app:
        assert app[kode] == page[kode] == printed[kode], kode
    # the colour follows the class of the published ranking table, not fixed score bands; an
    # opaque unit ("<5" clients: no score) has its own grey, never "no unmet need"
    opaque = kel.set_index("kode")["clients"].eq("<5")
    assert opaque.sum() > 10
    drawn = kel.set_index("kode")["priority_class"].where(~opaque, -1)
    by_class = pd.Series(app).groupby(drawn).nunique()
    assert (by_class == 1).all()
    assert drawn.nunique() == len(set(app.values()))
    assert {app[k] for k in opaque[opaque].index} == {NODATA_COLOR}
    assert app[drawn[drawn == 0].index[0]] == NO_NEED_COLOR


def test_a_truncated_app_map_keeps_each_class_colour(demo):
    sc = Scenario()
    kel = demo.kelurahan
    full = _app_fills(appmap.build_app_map(kel, scenario=sc, tiles=False))
    top = _app_fills(appmap.build_app_map(appmap.map_units(kel, 10), scenario=sc, tiles=False))
    assert len(top) == 10 and all(full[k] == c for k, c in top.items())


def test_legend_ranges_join_without_gaps_or_overlaps(demo):
    kel = demo.kelurahan
    _, colors, legend = score_classes(kel, Scenario(), "en")
    ranges = []
    for _, txt in legend:
        nums = re.findall(r"\d+\.\d", txt)
        ranges.append([float(v) for v in nums])
    positive = [r for r in ranges[1:] if r]  # the first row is "no unmet need" (0.0)
    for (_, hi), nxt in zip(positive, positive[1:], strict=False):
        assert round(nxt[0] - hi, 1) == 0.1  # next class starts one decimal step above
    # every score shown at one decimal lies in exactly one legend range, in its own class
    cls = kel["priority_class"].to_numpy()
    for s, c in zip(kel["score"].round(1), cls, strict=True):
        if c == 0:
            continue
        hits = [i for i, r in enumerate(positive) if r[0] <= s <= r[-1]]
        assert hits == [c - 1], (s, c, positive)
    # Indonesian legend: decimal comma
    _, _, legend_id = score_classes(kel, Scenario(), "id")
    assert re.search(r"\d,\d", legend_id[1][1]) and not re.search(r"\d\.\d", legend_id[1][1])


@pytest.mark.parametrize("n", [3, 4, 5, 7])
def test_classes_survive_greyscale(n):
    lum = [luminance(NO_NEED_COLOR)] + [luminance(c) for c in class_palette(n)]
    steps = np.diff(lum)
    assert (steps < 0).all()  # darker with every class
    assert -steps.max() >= 0.04  # and far enough apart to tell on paper
    assert lum[0] - lum[1] >= 0.1  # "no unmet need" never looks like the lowest class


def test_indonesian_number_formats():
    from ibm_geo.render.text import fmt_num, fmt_rp

    assert fmt_num(1300, "id") == "1.300" and fmt_num(1300, "en") == "1,300"
    assert fmt_num(61.13, "id", 1) == "61,1" and fmt_num(61.13, "en", 1) == "61.1"
    assert fmt_num(1234567.891, "id", 2) == "1.234.567,89"
    assert fmt_num("<5", "id") == "<5" and fmt_num(None, "id") == "–"
    assert fmt_rp(62_500_000) == "Rp 62.500.000"


def test_app_map_has_the_exports_offline_basemap_and_tiles_only_on_request(demo):
    sc = Scenario()
    kel = demo.kelurahan
    page = appmap.build_app_map(kel, scenario=sc).get_root().render()
    assert "tile.openstreetmap.org" not in page  # offline by default
    html_page = build_html_map(publish(demo))
    data = json.loads(re.search(rb'id="ibm-data">(.*?)</script>', html_page, re.S).group(1))
    kabs = sorted(k["name"] for k in data["basemap"]["kab"])
    kecs = sorted(k["name"] for k in data["basemap"]["kec"])
    assert kabs == ["Kabupaten Badung", "Kabupaten Gianyar", "Kota Denpasar"]
    # the same kab/kota and kecamatan names, from the same basemap, in the app
    for name in kabs:  # folium writes the label HTML as a JSON string (< > as \\u003c/e)
        assert f"\\u003e{name.upper()}\\u003c/div" in page, name
    assert len(kecs) > 10 and all(f"\\u003e{name}\\u003c/div" in page for name in kecs)
    assert page.count('class=\\"ibm-kec-label\\"') == len(kecs)
    # land drawn with the export's land colour, sea behind it
    from ibm_geo.render.style import SYMBOLS

    assert SYMBOLS["land"]["color"] in page and SYMBOLS["sea"]["color"] in page
    online = appmap.build_app_map(kel, scenario=sc, tiles=True).get_root().render()
    assert "tile.openstreetmap.org" in online and "OpenStreetMap contributors" in online


def test_app_legend_has_a_row_for_every_layer(demo):
    sc = Scenario()
    leg = appmap.legend_html(demo.kelurahan, sc, "id", sites=True)
    for text in ("Daratan", "Batas kab/kota", "Batas kecamatan", "Kantor BNNP/BNNK", "3,0 km"):
        assert text in leg, text
    assert "Usulan lokasi rekrutmen agen" in leg and "Jalan" not in leg
    assert "Jalan" in appmap.legend_html(demo.kelurahan, sc, "id", roads=True)
    assert "Klien (kelompok)" not in leg
    assert "Klien (kelompok)" in appmap.legend_html(demo.kelurahan, sc, "id", clients=True)
