"""Maps frame the area that matters and keep their labels apart (issue 23, part 3), on real
boundaries of three shapes: a coastal city with offshore islands (Kota Makassar), an island city
(Kota Ternate) and a province layer with a register from one city (Bali, Denpasar clients).
Boxes are read from what was drawn: matplotlib's renderer for the print map, the DOM in
Chromium for the HTML map."""

from __future__ import annotations

import os
from pathlib import Path

import _map_areas as areas
import numpy as np
import pytest
from _helpers import CHROMIUM_ARGS

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(areas.shared_boundaries() is None, reason="IBM_GEO_SHARED_DATA not set"),
]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("areas")
    return {a: areas.build(a, tmp) for a in areas.AREAS}


def _top(pub) -> list[str]:
    g = pub.geo
    score = g["score"].astype(float).fillna(0)
    ranked = g[g["rank"].notna() & (score > 0)].sort_values("rank")
    return ranked["nama"].head(min(pub.scenario.top_n, 20)).tolist()


def _overlap(a, b, tol: float = 0.5) -> bool:
    return a.x0 < b.x1 - tol and b.x0 < a.x1 - tol and a.y0 < b.y1 - tol and b.y0 < a.y1 - tol


@pytest.mark.parametrize("area", areas.AREAS)
def test_print_map_frames_the_area_and_keeps_labels_off_each_other_and_off_ranks(
    published, area, monkeypatch
):
    from ibm_geo.render import static_map

    pub = published[area]
    figs = []
    monkeypatch.setattr(static_map.plt, "close", figs.append)
    png = static_map.render_static_map(pub, dpi=100)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"framing_{area}.png").write_bytes(png)
    fig = figs[0]
    r = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [a for a in ax.texts if a.get_gid() == "label" and a.get_text()]
    ranks = [a for a in ax.texts if a.get_gid() == "rank"]
    # every top-N unit is numbered, inside the frame
    assert sorted(int(a.get_text()) for a in ranks) == list(range(1, len(_top(pub)) + 1))
    frame = ax.get_window_extent(r)
    lb = [a.get_window_extent(r) for a in labels]
    rb = [a.get_window_extent(r) for a in ranks]
    for b in lb + rb:
        assert frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 and frame.y0 - 1 <= b.y0
    assert len(lb) >= 8, [a.get_text() for a in labels]
    for i, a in enumerate(lb):
        for j, b in enumerate(lb[i + 1 :], i + 1):
            assert not _overlap(a, b), (labels[i].get_text(), labels[j].get_text())
        for k, b in enumerate(rb):
            assert not _overlap(a, b), (labels[i].get_text(), ranks[k].get_text())

    # agent triangles sit beside a site ring or rank number, never under it
    def centres(gid):
        cols = [c for c in ax.collections if c.get_gid() == gid]
        pts = [c.get_offset_transform().transform(c.get_offsets()) for c in cols]
        return np.concatenate(pts) if pts else np.zeros((0, 2))

    agents, sites = centres("agent"), centres("site")
    ring_px = static_map.SITE_RING_PT / 72 * fig.dpi / 2
    assert len(agents) and len(sites) == len(pub.sites), area
    for a in agents:
        assert (np.hypot(*(sites - a).T) > ring_px).all(), area
        for b in rb:
            assert not (b.x0 < a[0] < b.x1 and b.y0 < a[1] < b.y1), area
    # the footer note stays below the map and the locator inset
    note = min(fig.texts, key=lambda tx: tx.get_position()[1])
    top_of_note = note.get_window_extent(r).y1
    for other in fig.axes:
        assert other.get_window_extent(r).y0 >= top_of_note, area
    # the frame is the area that matters: for a one-city register on the Bali layer, the city
    x0, x1 = ax.get_xlim()
    if area == "bali_denpasar":
        assert x1 - x0 < 40_000, x1 - x0  # Bali is ~140 km across, Denpasar ~13 km
    # the frame is mostly the mapped land there, not sea and not the rest of the island
    if area == "bali_denpasar":
        y0, y1 = ax.get_ylim()
        land = pub.geo.to_crs(static_map.metric_crs(pub.geo)).clip((x0, y0, x1, y1))
        assert land.area.sum() / ((x1 - x0) * (y1 - y0)) > 0.4


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium")
def test_html_map_opens_on_the_area_with_ranks_clear_of_legend_and_labels(published, tmp_path):
    from ibm_geo.render import build_html_map

    sync_api = pytest.importorskip("playwright.sync_api")
    box_js = (
        "(sel) => Array.from(document.querySelectorAll(sel)).map(e => {"
        " var b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom, e.textContent]; })"
    )
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for area, pub in published.items():
                path = tmp_path / f"{area}.html"
                path.write_bytes(build_html_map(pub))
                page = b.new_page(viewport={"width": 1280, "height": 800})
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.route("**/*", lambda rt: rt.continue_() if rt.request.url.startswith("file:")
                           else rt.abort())  # fmt: skip
                page.goto(path.as_uri())
                page.wait_for_timeout(600)
                page.screenshot(path=str(ARTIFACTS / f"framing_{area}_html.png"))
                _check_page(page, pub, box_js, area)
                assert errors == [], errors
                page.close()
        finally:
            b.close()


def _hit(a, b, tol: float = 0.5) -> bool:
    return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol


def _check_page(page, pub, box_js: str, area: str) -> None:
    ranks = page.evaluate(box_js, ".ibm-rank span")
    top = _top(pub)
    # every promised top-N number is drawn, and rank 1 is clear of every control
    assert sorted(int(r[4]) for r in ranks) == list(range(1, len(top) + 1)), area
    one = next(r for r in ranks if r[4] == "1")
    for sel in (".ibm-legend", ".ibm-title", ".leaflet-control-layers", ".leaflet-control-zoom"):
        for c in page.evaluate(box_js, sel):
            assert not _hit(one, c), (area, sel)
    labels = page.evaluate(box_js, ".ibm-label span, .ibm-kab-label span, .ibm-kec-label span")
    assert len(labels) >= 5, area
    for i, a in enumerate(labels):
        for c in labels[i + 1 :]:
            assert not _hit(a, c), (area, a[4], c[4])
        for rk in ranks:
            assert not _hit(a, rk), (area, a[4], rk[4])
    # agent triangles sit beside a rank number or a site ring, never under it
    agents = page.evaluate(
        "() => Array.from(document.querySelectorAll('.leaflet-marker-pane .ibm-sym-icon'))"
        ".filter(e => e.querySelector('text')).map(e => { var b = e.getBoundingClientRect();"
        " return [(b.left + b.right) / 2, (b.top + b.bottom) / 2]; })"
    )
    rings = page.evaluate(box_js, ".leaflet-ibm-site-pane path")
    assert agents, area
    for x, y in agents:
        for box in ranks + rings:
            assert not (box[0] < x < box[2] and box[1] < y < box[3]), (area, box[4])
    # each legend row stands for something drawn
    legend = page.locator(".ibm-legend").inner_text()
    assert ("prioritas teratas" in legend) == bool(ranks)
    n_sites = page.evaluate("() => document.querySelectorAll('.leaflet-ibm-site-pane path').length")
    assert ("Usulan lokasi" in legend) == (n_sites > 0) and n_sites >= len(pub.sites)
    assert ("percontohan" in legend) == (len(pub.pilots) > 0)


def test_app_map_opens_on_the_register_and_the_plan_legend_names_sites_and_reach(published):
    import folium

    from ibm_geo.i18n import t
    from ibm_geo_app.map import build_app_map, legend_html

    pub = published["bali_denpasar"]
    m = build_app_map(pub.geo, scenario=pub.scenario, sites=pub.sites)
    fit = next(c for c in m._children.values() if isinstance(c, folium.map.FitBounds))
    (s, w), (n, e) = fit.bounds
    bx0, by0, bx1, by1 = pub.geo.total_bounds  # all of Bali
    assert e - w < 0.3 * (bx1 - bx0) and n - s < 0.5 * (by1 - by0), fit.bounds
    den = pub.geo[pub.geo["kab_kota"] == "Kota Denpasar"].total_bounds
    assert w <= den[0] + 0.02 and e >= den[2] - 0.02 and s <= den[1] + 0.02
    legend = legend_html(pub.geo, pub.scenario, "id", sites=True)
    assert t("layer.sites", "id") in legend
    assert t("legend.site_ring", "id", radius="3,0") in legend


def test_print_map_of_a_chosen_kab_kota_frames_it_with_its_neighbours_as_context(
    tmp_path, monkeypatch
):
    """A kab/kota filter: the frame is the chosen city whole, the rest of the loaded layer is
    drawn around it as context (with its legend row), not sea."""
    from ibm_geo.i18n import t
    from ibm_geo.render import static_map

    pub = areas.build("bali_denpasar", tmp_path, kab_kota=["Kota Denpasar"])
    assert set(pub.geo["kab_kota"]) == {"Kota Denpasar"}
    figs = []
    monkeypatch.setattr(static_map.plt, "close", figs.append)
    static_map.render_static_map(pub, dpi=60)
    fig = figs[0]
    ax = fig.axes[0]
    legend = {tx.get_text() for leg in fig.legends for tx in leg.get_texts()}
    assert t("legend.context", "id") in legend
    crs = static_map.metric_crs(pub.geo)
    x0, y0, x1, y1 = pub.geo.to_crs(crs).total_bounds
    (vx0, vx1), (vy0, vy1) = ax.get_xlim(), ax.get_ylim()
    assert vx0 <= x0 and vx1 >= x1 and vy0 <= y0 and vy1 >= y1  # the whole city
    assert (vx1 - vx0) < 2.5 * (x1 - x0) and (vy1 - vy0) < 2.5 * (y1 - y0)  # and little else
    # the HTML map draws the same context as land, with its legend text
    import json
    import re

    from ibm_geo.render import build_html_map

    page = build_html_map(pub).decode("utf-8")
    data = json.loads(re.search(r'id="ibm-data">(.*?)</script>', page, re.S).group(1))
    assert data["basemap"]["context"] and data["text"]["context"] == t("legend.context", "id")
