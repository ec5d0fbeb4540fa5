"""The print map names what a meeting asks about, keeps every text on the page and labels apart,
and has a legend row for every symbol it draws (checked on the drawn figure, and by eye on PNGs
in test-artifacts/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.pipeline import analyze
from ibm_geo.plan import choose_pilots, plan_recruitment
from ibm_geo.publish import publish
from ibm_geo.render import static_map
from ibm_geo.render.basemap import build_basemap

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def demo():
    p = demo_paths()
    sc = Scenario(plan={"p": 5})
    r = analyze(p["boundaries"], p["clients"], p["agents"], p["service_points"], sc)
    plan = plan_recruitment(r.kelurahan, sc)
    pilots = choose_pilots(r.kelurahan, sc, sites=plan.sites)
    return r, sc, plan, pilots


def _draw(monkeypatch, published, **kw):
    figs = []
    monkeypatch.setattr(static_map.plt, "close", figs.append)
    png = static_map.render_static_map(published, dpi=60, **kw)
    return figs[0], png


def _sub(result, kab: str):
    """The analysis restricted to one kab/kota (a map of part of the area)."""
    from dataclasses import replace

    return replace(result, kelurahan=result.kelurahan[result.kelurahan["kab_kota"] == kab])


def _texts(fig) -> list:
    out = list(fig.texts)
    for ax in fig.axes:
        out += list(ax.texts)
    for leg in fig.legends:
        out += list(leg.get_texts()) + [leg.get_title()]
    return out


def test_print_map_names_top_sites_pilots_and_keeps_text_on_the_page(demo, monkeypatch):
    r, sc, plan, pilots = demo
    pub = publish(r, plan, pilots)
    fig, png = _draw(monkeypatch, pub)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "print_map_demo.png").write_bytes(png)
    renderer = fig.canvas.get_renderer()
    texts = _texts(fig)
    everything = "\n".join(t.get_text() for t in texts)
    # every published top-N village, site and pilot is named on the map or in the list beside it
    top = pub.top(sc.top_n)
    assert len(top) == sc.top_n and len(pub.sites) == len(plan.sites) == 5
    assert pub.sites["nama"].tolist() == plan.sites["nama"].tolist()  # a site is a site
    for name in [*top["nama"].head(4), *pub.sites["nama"], *pilots["nama"]]:
        assert name in everything, name
    # the legend explains the published counts: the band, no hidden-count star
    assert "<5" in everything and "*" not in everything.replace("**", "")
    # title from the data, demo marking and loaded files in the credit
    assert "Kota Denpasar" in everything and "Kabupaten Badung" in everything
    assert "batas perkiraan, data sintetis" in everything
    assert "klien_demo.csv" in everything
    # a legend row for every symbol drawn
    legend = {t.get_text() for leg in fig.legends for t in leg.get_texts()}
    for key in ("layer.sites", "layer.pilots", "legend.agents_kel", "legend.office", "legend.kab"):
        from ibm_geo.i18n import t as tr

        assert any(tr(key, "id").split(" (")[0] in row for row in legend), key
    # nothing runs off the page
    page = fig.bbox
    for art in texts:
        if not art.get_text() or not art.get_visible():
            continue
        bb = art.get_window_extent(renderer)
        assert bb.x0 >= page.x0 - 1 and bb.x1 <= page.x1 + 1, art.get_text()[:40]
        assert bb.y0 >= page.y0 - 1 and bb.y1 <= page.y1 + 1, art.get_text()[:40]
    # map labels do not overlap each other
    ax = fig.axes[0]
    labels = [a for a in ax.texts if a.get_text() and not a.get_text().isdigit()]
    labels = [a for a in labels if a.get_text() not in ("U", "N", "0") and "km" not in a.get_text()]
    boxes = [a.get_window_extent(renderer) for a in labels]
    assert len(boxes) >= 8
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_print_map_subtitle_names_the_area_mapped(demo, monkeypatch):
    r, sc, *_ = demo
    sub = _sub(r, "Kota Denpasar")
    kel = sub.kelurahan
    fig, png = _draw(monkeypatch, publish(sub))  # the context (basemap, sources) is the area's
    (ARTIFACTS / "print_map_denpasar.png").write_bytes(png)
    heads = sorted(fig.texts, key=lambda a: -a.get_position()[1])
    title, subtitle = heads[0].get_text(), heads[1].get_text()
    assert title.endswith("Kota Denpasar") and "Bali" not in title
    assert f"{len(kel)} kelurahan/desa" in subtitle


def test_basemap_land_is_the_union_and_roads_are_kept(demo):
    import geopandas as gpd
    from shapely.geometry import LineString

    r, *_ = demo
    kel = r.kelurahan
    roads = gpd.GeoDataFrame(
        {"highway": ["primary", "path"]},
        geometry=[LineString([(115.2, -8.65), (115.25, -8.6)]), LineString([(0, 0), (1, 1)])],
        crs=4326,
    )
    bm = build_basemap(kel, roads)
    assert abs(bm.land.area - kel.geometry.union_all().area) / bm.land.area < 0.01
    assert set(bm.kab["kab_kota"]) == set(kel["kab_kota"])
    assert len(bm.kec) == kel.groupby(["kab_kota", "kecamatan"]).ngroups
    assert len(bm.roads) == 1  # the line far away is clipped off


def test_locator_inset_shows_the_areas_context_not_the_area_alone(demo, monkeypatch):
    from ibm_geo.render.basemap import province_outlines

    prov = province_outlines()
    assert prov is not None and len(prov) == 38  # Indonesia's provinces, 2022 numbering
    r, sc, _, _ = demo
    kel = r.kelurahan
    bali = prov[prov["kode"] == "51"].iloc[0]
    assert bali["provinsi"] == "Bali"
    assert bali.geometry.buffer(0.05).contains(kel.to_crs(4326).union_all().envelope.centroid)
    for part in (r, _sub(r, "Kota Denpasar")):
        sub = part.kelurahan
        fig, _ = _draw(monkeypatch, publish(part))
        inset = next(ax for ax in fig.axes if ax.get_title(loc="left") == "Lokasi area")
        x0, x1 = inset.get_xlim()
        y0, y1 = inset.get_ylim()
        ax0, ay0, ax1, ay1 = sub.to_crs(4326).total_bounds
        # the mapped area is a small part of the view, which holds the whole of Bali
        assert (ax1 - ax0) / (x1 - x0) <= 0.3 + 1e-9 and (ay1 - ay0) / (y1 - y0) <= 0.3 + 1e-9
        bx0, by0, bx1, by1 = bali.geometry.bounds
        assert x0 <= bx0 + 0.3 and x1 >= bx1 - 0.3 and y0 <= by0 and y1 >= by1
        assert not inset.get_xlabel() and not inset.get_ylabel()
        assert any(tx.get_text() == "Bali" for tx in inset.texts)


def test_inset_extent_grows_a_tiny_area_and_keeps_the_aspect():
    x0, y0, x1, y1 = static_map.inset_extent((115.2, -8.7, 115.25, -8.6), None, 1.5)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1.5)
    assert x1 - x0 >= static_map.INSET_MIN_SPAN_DEG
    assert (x0 + x1) / 2 == pytest.approx(115.225) and (y0 + y1) / 2 == pytest.approx(-8.65)
    # a province-wide context widens the view beyond the minimum span
    x0, y0, x1, y1 = static_map.inset_extent(
        (115.2, -8.7, 115.25, -8.6), (114.4, -8.9, 115.8, -8.0), 1.0
    )
    assert x1 - x0 >= 2.5 and y1 - y0 >= 2.5
