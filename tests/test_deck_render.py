"""The rakor deck rendered by LibreOffice Impress (headless, to PDF) and read back with pdftotext:
a dropped row, text running off a slide, words printed over each other or a broken slide fails.

Calibri is named in the deck; LibreOffice substitutes Debian's metric-compatible Carlito
(``fonts-crosextra-carlito``), so line breaks match what PowerPoint shows.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.pipeline import analyze
from ibm_geo.plan import choose_pilots, plan_recruitment
from ibm_geo.publish import publish
from ibm_geo.render.pptx_layout import FONT
from ibm_geo.render.slides import build_slides

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    p = demo_paths()
    sc = Scenario(plan={"p": 5, "cost_per_agent_rp": 2_500_000}, data_date="30 Juni 2025")
    r = analyze(p["boundaries"], p["clients"], p["agents"], p["service_points"], sc)
    plan = plan_recruitment(r.kelurahan, sc)
    pilots = choose_pilots(r.kelurahan, sc, sites=plan.sites)
    pub = publish(r, plan, pilots)
    data = build_slides(pub)
    out = tmp_path_factory.mktemp("deck")
    (out / "rakor.pptx").write_bytes(data)
    return pub, sc, plan, pilots, out / "rakor.pptx"


def test_every_text_is_at_least_14_pt_in_a_named_font_and_on_the_slide(deck):
    *_, path = deck
    prs = Presentation(str(path))
    sw, sh = prs.slide_width, prs.slide_height
    assert abs(sw / sh - 16 / 9) < 0.01
    n_runs = 0
    for i, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (i, shape.name)
            assert shape.left + shape.width <= sw + Emu(10), (i, shape.name)
            assert shape.top + shape.height <= sh + Emu(10), (i, shape.name)
            frames = []
            if shape.has_text_frame:
                frames.append(shape.text_frame)
            if shape.has_table:
                frames += [c.text_frame for row in shape.table.rows for c in row.cells]
            for tf in frames:
                for par in tf.paragraphs:
                    for run in par.runs:
                        if not run.text.strip():
                            continue
                        n_runs += 1
                        assert run.font.size is not None and run.font.size.pt >= 14, (i, run.text)
                        assert run.font.name == FONT, (i, run.text)
    assert n_runs > 100


@pytest.mark.skipif(not (SOFFICE and PDFTOTEXT), reason="needs libreoffice-impress + pdftotext")
def test_deck_renders_in_impress_without_dropped_rows_or_overlaps(deck):
    pub, sc, plan, pilots, path = deck
    out = path.parent
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{out}/lo", "--convert-to", "pdf",
         "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = out / "rakor.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "rakor_demo.pdf")
    n_slides = len(Presentation(str(path)).slides)
    pages = []
    for i in range(1, n_slides + 1):
        txt = subprocess.run(
            [PDFTOTEXT, "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        pages.append(txt)
    assert all(p.strip() for p in pages), "an empty (broken) slide"
    extra = subprocess.run(
        [PDFTOTEXT, "-f", str(n_slides + 1), "-l", str(n_slides + 1), str(pdf), "-"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert extra.returncode != 0 or not extra.stdout.strip(), "more pages than slides"
    text = "\n".join(pages)
    flat = re.sub(r"\s+", " ", text)
    # restricted marking, data date, area on every slide
    assert all("TERBATAS" in p for p in pages)
    assert "Data per 30 Juni 2025" in flat
    # no row dropped: every published top-10 village, site, pilot, comparison village and
    # kab/kota
    top = pub.top(sc.top_n)
    assert len(top) == sc.top_n
    for name in [*top["nama"], *pub.sites["nama"], *pub.pilots["nama"]]:
        assert name in flat, name
    for name in pub.pilots["comparison_nama"].dropna():
        assert name in flat, name
    for kab in pub.kab_totals["kab_kota"]:
        assert kab in flat, kab
    # published counts as numbers (issue 20: never "0+", "sekitar 0 kelompok" or "*")
    assert not re.search(r"(?<![\d.,])0\+", flat) and "sekitar 0 kelompok" not in flat
    assert " * " not in flat
    total = pub.totals["clients"]
    assert isinstance(total, int) and f"{total:,}".replace(",", ".") in flat
    # the decision in Rupiah, from the scenario: 25 agents x Rp 2.500.000
    agents = int(plan.sites["agents_to_recruit"].sum())
    assert f"Rp {agents * 2_500_000:,}".replace(",", ".") in flat
    # Bahasa Indonesia in the seeds' vocabulary, no English left over, no broken words
    for word in ("Agen Pemulihan", "pascarehabilitasi", "desa/kelurahan IBM", "Peringkat"):
        assert word.lower() in flat.lower(), word
    for english in ("objective", "bound", "gap 0", "Method", "weights", "Sources"):
        assert english not in flat, english
    assert "Peringk-" not in flat and "Peringk\n" not in text
    # nothing printed over anything else: word boxes on each page do not overlap
    html = subprocess.run(
        [PDFTOTEXT, "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for pno, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.S), start=1):
        w = float(re.search(r'width="([\d.]+)"', page).group(1))
        h = float(re.search(r'height="([\d.]+)"', page).group(1))
        boxes = [
            tuple(float(v) for v in m)
            for m in re.findall(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', page
            )
        ]
        for x0, y0, x1, y1 in boxes:
            assert x0 >= -1 and y0 >= -1 and x1 <= w + 1 and y1 <= h + 1, (pno, x0, y0)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                ix = min(a[2], b[2]) - max(a[0], b[0])
                iy = min(a[3], b[3]) - max(a[1], b[1])
                # glyph boxes of consecutive lines touch (ascent + descent > line spacing);
                # text printed over text overlaps by far more than that
                hmin = min(a[3] - a[1], b[3] - b[1])
                wmin = min(a[2] - a[0], b[2] - b[0])
                assert not (ix > 0.3 * wmin and iy > 0.4 * hmin), (pno, a, b)
