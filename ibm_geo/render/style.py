"""The map style, declared once: score classes, their colours and legend, and every map symbol.

The app map (:mod:`ibm_geo_app.map`), the HTML export and the print map all call
:func:`score_classes` and read :data:`SYMBOLS`, so a village has the same colour and a proposed
site the same mark everywhere (``tests/test_map_style.py`` checks it across the three renderers).

Colours are keyed to the priority class *number* (1..n), not to the classes that happen to be
present, so a filtered or truncated map keeps each class's colour. The ramp's lightness falls
monotonically and "no unmet need" is white with a grey outline, so classes survive greyscale
printing.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ibm_geo.config import Scenario
from ibm_geo.i18n import fmt_num
from ibm_geo.publish import is_band
from ibm_geo.scoring import classify

#: colour ramp of the score classes (light = low need); sampled from SCORE_RAMP_START on so the
#: lowest class is still clearly darker than "no unmet need" on a greyscale print
SCORE_CMAP = "YlOrRd"
SCORE_RAMP_START = 0.22
SCORE_RAMP_END = 0.97
NO_NEED_COLOR = "#ffffff"
NODATA_COLOR = "#d9d9d9"
OUTLINE_COLOR = "#666666"
#: loaded units beyond the mapped table (a filtered kab/kota's neighbours), drawn as context
CONTEXT_COLOR = "#e8e4dc"

#: every point symbol drawn on a map: (stroke, fill, size in points for print, marker)
SYMBOLS: dict[str, dict[str, object]] = {
    "site": {"color": "#54278f", "fill": "#ffffff", "size": 9, "marker": "o", "weight": 3},
    "pilot": {"color": "#000000", "fill": "#fdd835", "size": 12, "marker": "*", "weight": 1.5},
    "agent": {"color": "#1b7837", "fill": "#5aae61", "size": 6, "marker": "^", "weight": 1},
    "agent_inactive": {"color": "#777777", "fill": "#bbbbbb", "size": 5, "marker": "^"},
    "service_point": {"color": "#08519c", "fill": "#ffffff", "size": 7, "marker": "s", "weight": 2},
    "office": {"color": "#08306b", "fill": "#4292c6", "size": 10, "marker": "P", "weight": 1.5},
    "ring_agent": {"color": "#1b7837", "weight": 1.2, "dash": "4 3"},
    # with road travel: the outline of the area an agent kelurahan reaches along the roads
    "service_area": {"color": "#1b7837", "weight": 1.5, "dash": "2 3"},
    "ring_site": {"color": "#54278f", "weight": 2.0, "dash": "6 4"},
    "kab_outline": {"color": "#252525", "weight": 1.6},
    "kec_outline": {"color": "#525252", "weight": 1.3, "dash": "4 3"},
    "land": {"color": "#f7f4ee", "stroke": "#9e9e9e"},
    "sea": {"color": "#dceaf5"},
    "road": {"color": "#b0a89c", "weight": 0.7},
}


#: shapes of the print map's markers (matplotlib codes of ``SYMBOLS``) on a 20 x 20 grid, for
#: the web maps: the same triangle, plus, square, circle and star in the browser
_SHAPES = {
    "^": '<polygon points="10,1.5 19,18 1,18"/>',
    "P": '<polygon points="7,1 13,1 13,7 19,7 19,13 13,13 13,19 7,19 7,13 1,13 1,7 7,7"/>',
    "s": '<rect x="3" y="3" width="14" height="14"/>',
    "o": '<circle cx="10" cy="10" r="7.5"/>',
    "*": '<polygon points="10,1 12.4,7.2 19,7.5 13.8,11.6 15.6,18 10,14.3 4.4,18 6.2,11.6 '
    '1,7.5 7.6,7.2"/>',
}
#: on-screen size (px) of each point symbol in the app map, the HTML export and their legends
SYMBOL_PX = {"agent": 16, "agent_inactive": 13, "office": 18, "service_point": 13, "site": 18,
             "pilot": 20}  # fmt: skip


def symbol_svg(name: str, px: int | None = None, count: int | str | None = None) -> str:
    """The point symbol ``name`` of :data:`SYMBOLS` as inline SVG (shape of the print map's
    marker, its stroke and fill) for Leaflet DivIcons and legends: drawn by the browser
    from the page itself, so no icon file or CDN is fetched. ``count`` writes a number inside
    (the HTML map's agents per kelurahan), or a placeholder such as ``"{n}"`` the page fills
    with a number; nothing user-typed ever enters."""
    st = SYMBOLS[name]
    px = int(px or SYMBOL_PX.get(name, 14))
    weight = float(st.get("weight", 1)) * 20 / px  # a stroke of ``weight`` screen pixels
    text = ""
    if count is not None:
        text = (
            f'<text x="10" y="16.2" text-anchor="middle" font-size="8" font-weight="bold" '
            f'font-family="sans-serif" fill="#ffffff" stroke="none">{html.escape(str(count))}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}" viewBox="0 0 20 20" '
        f'style="display:block;overflow:visible"><g fill="{st.get("fill", st["color"])}" '
        f'stroke="{st["color"]}" stroke-width="{weight:.2f}" stroke-linejoin="round">'
        f"{_SHAPES[str(st['marker'])]}</g>{text}</svg>"
    )


#: fill of the "change since the last rakor" layer per direction of unserved (naik = more
#: unserved: red; turun: green; tetap: grey; tidak pasti = hidden on either side: white, hatched
#: by a dashed outline); keys are :func:`ibm_geo.render.monitoring.direction`'s values
CHANGE_COLORS: dict[str, str] = {
    "naik": "#d7301f",
    "turun": "#1a9850",
    "tetap": "#bdbdbd",
    "tidak pasti": "#ffffff",
}


def n_classes_of(scenario: Scenario, priority_class: pd.Series | None = None) -> int:
    """How many need classes the scenario asks for (fixed breaks: one per break)."""
    n = len(scenario.fixed_breaks) if scenario.classification == "fixed" else scenario.n_classes
    if priority_class is not None and len(priority_class):
        top = pd.to_numeric(priority_class, errors="coerce").max()
        if pd.notna(top):
            n = max(n, int(top))
    return max(int(n), 1)


def class_palette(n: int) -> list[str]:
    """Colours of classes 1..n (index 0 = class 1), light to dark."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cm = colormaps[SCORE_CMAP]
    if n == 1:
        return [to_hex(cm(0.7))]
    span = SCORE_RAMP_END - SCORE_RAMP_START
    return [to_hex(cm(SCORE_RAMP_START + span * i / (n - 1))) for i in range(n)]


def class_color(cls: int, n: int) -> str:
    """Colour of priority class ``cls`` (0 = no unmet need) out of ``n`` classes."""
    return NO_NEED_COLOR if cls <= 0 else class_palette(n)[min(cls, n) - 1]


def luminance(hex_color: str) -> float:
    """Relative luminance (0 black .. 1 white), what a greyscale print keeps of a colour."""
    from matplotlib.colors import to_rgb

    r, g, b = (
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(hex_color)
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def fmt_score(v: float, lang: str = "id") -> str:
    """A score with one decimal, decimal comma in Indonesian."""
    return fmt_num(float(v), lang, 1)


def _fallback_classes(scores: pd.Series, scenario: Scenario) -> pd.Series:
    return classify(scores.fillna(0.0), scenario)


def score_classes(
    kel: pd.DataFrame, scenario: Scenario, lang: str = "id"
) -> tuple[np.ndarray, list[str], list[tuple[str, str]]]:
    """Class index per unit (-1 = no data), class colours, and legend rows (colour, text).

    Uses the table's own ``priority_class``/``priority_label`` (so the map agrees with the
    ranking table; class 0 = no unmet need), else classifies ``score`` with the scoring module's
    own rule. Legend ranges join without gaps: each class runs from just above the previous
    class's highest score to its own highest score, at the one decimal the tables show.

    An opaque unit of a published table (its counts are the band ``<k``) has no score: it gets
    a class of its own (grey, its label), never the "no unmet need" of a unit published with 0.
    """
    scores = (
        pd.to_numeric(kel["score"], errors="coerce")
        if "score" in kel
        else pd.Series(np.nan, index=kel.index)
    )
    pc = (
        pd.to_numeric(kel["priority_class"], errors="coerce")
        if "priority_class" in kel
        else pd.Series(np.nan, index=kel.index)
    )
    opaque = _opaque(kel)
    pc = pc.where(~opaque)
    if not pc.notna().any():
        pc = _fallback_classes(scores, scenario).astype(float).where(scores.notna())
    n = n_classes_of(scenario, pc)
    levels = sorted(int(v) for v in pc.dropna().unique())
    colors = [class_color(lev, n) for lev in levels]
    labels: dict[int, str] = {}
    if "priority_label" in kel:
        for lev in levels:
            labs = kel.loc[pc == lev, "priority_label"].dropna().astype(str)
            labels[lev] = labs.mode().iloc[0] if len(labs) else ""
    legend: list[tuple[str, str]] = []
    prev_hi: float | None = None
    for lev, col in zip(levels, colors, strict=True):
        sel = pc == lev
        hi = round(float(scores[sel].max()), 1) if scores[sel].notna().any() else 0.0
        if lev <= 0:
            legend.append((col, f"{labels.get(lev, '')} (0)".strip()))
            continue
        if prev_hi is None:
            lo = round(float(scores[sel].min()), 1)
            rng = fmt_score(lo, lang) if np.isclose(lo, hi) else f"{fmt_score(lo, lang)} – "
            rng = rng if np.isclose(lo, hi) else rng + fmt_score(hi, lang)
        else:
            lo = round(prev_hi + 0.1, 1)
            rng = fmt_score(hi, lang) if lo >= hi else f"{fmt_score(lo, lang)} – "
            rng = rng if lo >= hi else rng + fmt_score(hi, lang)
        prev_hi = hi
        legend.append((col, f"{rng}  {labels.get(lev, '')}".strip()))
    index = {lev: j for j, lev in enumerate(levels)}
    vals = pc.to_numpy(dtype=float)
    cls = np.array([index.get(int(v), -1) if not np.isnan(v) else -1 for v in vals], dtype=int)
    if opaque.any():
        labs = (
            kel.loc[opaque, "priority_label"].dropna().astype(str)
            if "priority_label" in kel
            else []
        )
        band = next(str(v) for c in ("unserved", "clients") if c in kel for v in kel.loc[opaque, c])
        cls[opaque.to_numpy()] = len(colors)
        colors = [*colors, NODATA_COLOR]
        legend.append((NODATA_COLOR, labs.mode().iloc[0] if len(labs) else band))
    if (cls < 0).any():
        legend.append((NODATA_COLOR, ""))  # text filled in by the renderer (translated)
    return cls, colors, legend


def _opaque(kel: pd.DataFrame) -> pd.Series:
    """Rows whose published counts are the band (an area with 1..k-1 clients in the register)."""
    for c in ("unserved", "clients"):
        if c in kel:
            return kel[c].map(is_band).astype(bool)
    return pd.Series(False, index=kel.index)


def unit_colors(kel: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Fill colour of every unit, as every map draws it."""
    cls, colors, _ = score_classes(kel, scenario)
    return [colors[c] if c >= 0 else NODATA_COLOR for c in cls]
