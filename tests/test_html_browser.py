"""The exported HTML map in headless Chromium with every network request blocked."""

from __future__ import annotations

import os
from pathlib import Path

import _fixtures as fx
import pytest
from _helpers import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
        )
        yield b
        b.close()


def _open(browser, html: bytes, tmp_path: Path):
    path = tmp_path / "map.html"
    path.write_bytes(html)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    events = {"errors": [], "dialogs": [], "blocked": []}
    page.on("console", lambda m: events["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: events["errors"].append(str(e)))

    def on_dialog(d):
        events["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            events["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_timeout(500)
    return page, events


def test_map_renders_offline_toggles_and_escapes(browser, tmp_path):
    from ibm_geo.publish import publish_table
    from ibm_geo.render import build_html_map
    from ibm_geo.render.basemap import MapContext

    pub = publish_table(
        fx.make_kelurahan(),
        fx.scenario(),
        sites=fx.make_sites(),
        pilots=fx.make_pilots(),
        context=MapContext(service_points=fx.make_service_points()),
    )
    html = build_html_map(pub)
    page, ev = _open(browser, html, tmp_path)
    try:
        assert page.locator(".leaflet-container").count() == 1
        n_paths = page.locator("path.leaflet-interactive").count()
        assert n_paths >= 12  # 12 kelurahan polygons + circles
        # the pilot label shows the injection string as text, and no <img> element exists
        assert page.get_by_text(fx.INJECTION, exact=True).count() >= 1
        assert page.locator("img[src='x']").count() == 0
        assert page.locator(".leaflet-container img").count() == 0
        # toggling the unserved layer removes its circles
        box = page.locator(
            ".leaflet-control-layers-overlays label", has_text="Klien belum terlayani"
        )
        box.locator("input").click()
        page.wait_for_timeout(200)
        n_after = page.locator("path.leaflet-interactive").count()
        # one circle per unit whose published unserved is not 0 (opaque "<5" ones dashed)
        n_circles = int((pub.geo["unserved"] != 0).sum())
        assert n_circles == 8  # 6 published numbers and the 2 opaque units
        assert n_after == n_paths - n_circles
        box.locator("input").click()
        page.wait_for_timeout(200)
        assert page.locator("path.leaflet-interactive").count() == n_paths
        # a popup of an opaque unit shows its figures as the band, and no score or rank
        i = pub.geo["nama"].tolist().index(fx.BACKTICKS)
        page.evaluate(
            "(i) => { var ls = []; ibmMap.eachLayer(l => { if (l.getPopup && l.getPopup() && l.getLatLngs) ls.push(l); });"
            " ls[i].openPopup(); }",
            i,
        )
        page.wait_for_timeout(200)
        popup = page.locator(".leaflet-popup-content").inner_text()
        assert fx.BACKTICKS in popup and "<5" in popup and "*" not in popup
        # the legend explains the band, not a hidden-count star
        legend = page.locator(".ibm-legend").inner_text()
        assert "<5: kurang dari 5 klien terdaftar" in legend and "*" not in legend
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "html_map.png"))
        assert ev["errors"] == [] and ev["dialogs"] == [] and ev["blocked"] == []
    finally:
        page.close()


def test_cdn_variant_fails_offline(browser, tmp_path):
    """The guard works: the non-self-contained map needs the network, so offline it breaks."""
    from ibm_geo.publish import publish_table
    from ibm_geo.render import build_html_map

    pub = publish_table(fx.make_kelurahan(), fx.scenario())
    html = build_html_map(pub, self_contained=False)
    page, ev = _open(browser, html, tmp_path)
    try:
        assert ev["blocked"] and any("leaflet" in u for u in ev["blocked"])
        assert page.locator("path.leaflet-interactive").count() == 0
        assert ev["errors"]
    finally:
        page.close()


def test_offline_basemap_legend_rings_and_labels_by_zoom(browser, tmp_path):
    """Demo data, Denpasar only: coast and kab/kota from the loaded units, a legend row for every
    layer, radius rings that do not tint the classes, labels that never pile up."""
    from dataclasses import replace

    from ibm_geo.config import Scenario
    from ibm_geo.demo import demo_paths
    from ibm_geo.pipeline import analyze
    from ibm_geo.plan import choose_pilots, plan_recruitment
    from ibm_geo.publish import publish
    from ibm_geo.render import build_html_map

    p = demo_paths()
    sc = Scenario(plan={"p": 3})
    r = analyze(p["boundaries"], p["clients"], p["agents"], p["service_points"], sc)
    kel = r.kelurahan[r.kelurahan["kab_kota"] == "Kota Denpasar"]
    plan = plan_recruitment(kel, sc)
    pilots = choose_pilots(kel, sc, sites=plan.sites)
    html = build_html_map(publish(replace(r, kelurahan=kel), plan, pilots))
    page, ev = _open(browser, html, tmp_path)
    try:
        title = page.locator(".ibm-title-main").inner_text()
        assert title.endswith("Kota Denpasar") and "Bali" not in title
        legend = page.locator(".ibm-legend").inner_text()
        for text in (
            "Batas kab/kota",
            "Batas kecamatan",
            "Daratan",
            "Usulan lokasi rekrutmen",
            "Desa percontohan",
            "Kantor BNNP/BNNK",
            "Agen Pemulihan aktif",
            "prioritas",
        ):
            assert text in legend, text  # fmt: skip
        assert (
            "batas perkiraan, data sintetis"
            in page.locator(".leaflet-control-attribution").inner_text()
        )
        assert page.locator(".ibm-kab-label", has_text="KOTA DENPASAR").count() == 1
        # rings are outlines: no circle of the agents/sites layers carries a fill
        fills = page.evaluate(
            "() => { var f = []; ibmMap.eachLayer(l => { if (l instanceof L.Circle) f.push(l.options.fill); }); return f; }"
        )
        assert fills and not any(fills)

        # labels never overlap, and more of them appear when zooming in
        def label_boxes():
            return page.evaluate(
                "() => Array.from(document.querySelectorAll('.ibm-label span, .ibm-kab-label span, .ibm-kec-label span'))"
                ".map(e => { var b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"
            )

        def overlaps(bs):
            return [
                (a, b) for i, a in enumerate(bs) for b in bs[i + 1 :]
                if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1
            ]  # fmt: skip

        first = label_boxes()
        assert first and not overlaps(first)
        page.evaluate("() => ibmMap.setZoom(ibmMap.getZoom() + 2)")
        page.wait_for_timeout(400)
        closer = label_boxes()
        assert not overlaps(closer)
        page.evaluate("() => ibmMap.setZoom(ibmMap.getZoom() - 4)")
        page.wait_for_timeout(400)
        assert len(label_boxes()) < len(first)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "html_map_denpasar.png"))
        assert ev["errors"] == [] and ev["blocked"] == []
    finally:
        page.close()


def test_agents_and_offices_are_the_print_maps_shapes_in_both_web_maps(browser, tmp_path):
    """Issue 14: the app map and the HTML export draw agents as triangles, BNNP/BNNK offices as
    plus signs and other services as squares (the print map's markers), as inline SVG: nothing
    is fetched, and each legend shows the same shape."""
    from ibm_geo.demo import demo_paths
    from ibm_geo.pipeline import analyze_joined, join_inputs, load_inputs
    from ibm_geo.publish import publish
    from ibm_geo.render import build_html_map
    from ibm_geo_app import map as appmap

    p = demo_paths()
    joined = join_inputs(
        load_inputs(p["boundaries"], p["clients"], p["agents"], p["service_points"])
    )
    r = analyze_joined(joined, fx.scenario())
    agents, sps = joined.agents.table, joined.service_points.table
    n_agents = int(agents["located"].astype(bool).sum())
    offices = sps["jenis"].astype(str).str.lower().isin(["bnnp", "bnnk"]) & sps["located"]
    n_office, n_other = int(offices.sum()), int((~offices & sps["located"]).sum())
    assert (n_agents, n_office, n_other) == (36, 4, 3)  # BNNP Bali + 3 BNNK; 3 others
    app_map = appmap.build_app_map(
        r.kelurahan, scenario=r.scenario, agents=agents, service_points=sps, units=joined.units
    )
    export = build_html_map(publish(r))
    count = """([sel, n]) => Array.from(document.querySelectorAll(sel)).filter(
        e => e.getAttribute("points").trim().split(/\\s+/).length === n).length"""
    for name, html in (("app", app_map.get_root().render().encode()), ("export", export)):
        page, ev = _open(browser, html, tmp_path)
        try:
            page.wait_for_timeout(500)
            icons = ".ibm-sym-icon svg polygon"
            triangles = page.evaluate(count, [icons, 3])
            pluses = page.evaluate(count, [icons, 12])
            squares = page.locator(".ibm-sym-icon svg rect").count()
            if name == "app":  # one triangle per located agent
                assert (triangles, pluses, squares) == (n_agents, n_office, n_other)
                legend_sel = "svg polygon"  # the app's legend is drawn by Streamlit: none here
            else:  # one triangle per kelurahan with agents, the count written inside
                units_with_agents = int((r.kelurahan["agents_active"] > 0).sum())
                assert (triangles, pluses, squares) == (units_with_agents, n_office, n_other)
                numbers = page.evaluate(
                    "() => Array.from(document.querySelectorAll('.ibm-sym-icon svg text'))"
                    ".map(e => e.textContent)"
                )
                assert sum(map(int, numbers)) == int(r.kelurahan["agents_active"].sum()) == 34
                legend_sel = ".ibm-legend .ibm-sym-svg svg polygon"
                assert page.evaluate(count, [legend_sel, 3]) == 1
                assert page.evaluate(count, [legend_sel, 12]) == 1
            assert page.locator("circle.leaflet-interactive, path.leaflet-interactive").count() > 0
            assert ev["blocked"] == [] and ev["errors"] == [], (name, ev)
        finally:
            page.close()
    legend = appmap.legend_html(r.kelurahan, r.scenario, "id")
    assert legend.count('points="10,1.5 19,18 1,18"') == 1 and "<rect" in legend
