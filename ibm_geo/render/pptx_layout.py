"""Measured text and tables for python-pptx slides: nothing overflows, nothing is guessed.

PowerPoint and LibreOffice lay text out at render time; python-pptx cannot ask them how tall a
table row will be. So every cell is wrapped here with the real font metrics (Calibri, or its
metric-compatible Debian twin Carlito; DejaVu Sans, wider, as a conservative fallback), column
widths are chosen so that no word has to break, and rows that do not fit the slide go on a
continuation slide instead of running off it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

FONT = "Calibri"
#: metric-compatible stand-ins, in order (the deck names FONT; viewers substitute)
METRIC_FONTS = ("Calibri", "Carlito", "DejaVu Sans")
CELL_MARGIN_IN = 0.08
LINE_SPACING = 1.2
#: a line of Calibri/Carlito is 1.22 em tall (ascent + descent + line gap) before the spacing:
#: Impress renders 16 pt text at 1.2 spacing 0.30 in apart, not 16 x 1.2 / 72 = 0.27 in
FONT_LINE_EM = 1.22


@functools.lru_cache(maxsize=8)
def _font(bold: bool, size_pt: float):
    from matplotlib import font_manager
    from PIL import ImageFont

    for fam in METRIC_FONTS:
        prop = font_manager.FontProperties(family=fam, weight="bold" if bold else "normal")
        try:
            path = font_manager.findfont(prop, fallback_to_default=False)
        except ValueError:
            continue
        return ImageFont.truetype(path, size=int(round(size_pt * 10)))  # 10x for precision
    return None


def text_width_in(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of one line of ``text`` in inches at ``size_pt``."""
    f = _font(bold, size_pt)
    if f is None:
        return len(text) * size_pt * 0.6 / 72
    return f.getlength(text) / 10 / 72


def wrap(text: str, width_in: float, size_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap with measured widths; a word longer than the width stays whole."""
    out: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split(" "):
            cand = f"{line} {word}" if line else word
            if not line or text_width_in(cand, size_pt, bold) <= width_in:
                line = cand
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


def line_height_in(size_pt: float) -> float:
    return size_pt * LINE_SPACING / 72


@dataclass
class Column:
    header: str
    align: str = "left"  # left | right | center
    max_share: float = 1.0  # at most this share of the table width
    one_line_header: bool = False  # the header never wraps (keeps a dense table's head low)


def column_widths(
    headers: list[Column], rows: list[list[str]], total_in: float, size_pt: float
) -> list[float]:
    """Widths (inches) summing to ``total_in``: each column at least as wide as its longest
    word (header included, bold), then the rest shared by how much text each column holds."""
    pad = 2 * CELL_MARGIN_IN + 0.04
    need_min, want = [], []
    for j, col in enumerate(headers):
        words = [w for w in col.header.split(" ")]
        cells = [r[j] for r in rows]
        longest = max([text_width_in(w, size_pt, True) for w in words] + [0.0])
        if col.one_line_header:
            longest = text_width_in(col.header, size_pt, True)
        longest = max(
            [longest] + [text_width_in(w, size_pt) for c in cells for w in str(c).split(" ")]
        )
        full = max([text_width_in(str(c), size_pt) for c in cells] + [0.0])
        need_min.append(longest + pad)
        want.append(min(full + pad, col.max_share * total_in))
    want = [max(w, m) for w, m in zip(want, need_min, strict=True)]
    if sum(want) <= total_in:
        extra = total_in - sum(want)
        # give the spare width to the wrapping (widest) columns
        weights = [w if w > m else 0.0 for w, m in zip(want, need_min, strict=True)]
        s = sum(weights) or len(want)
        return [
            w + extra * ((x / s) if sum(weights) else 1 / len(want))
            for w, x in zip(want, weights, strict=True)
        ]
    flex = [w - m for w, m in zip(want, need_min, strict=True)]
    spare = total_in - sum(need_min)
    if spare <= 0:  # too many columns: shrink proportionally (words may then break)
        return [m * total_in / sum(need_min) for m in need_min]
    s = sum(flex) or 1.0
    return [m + spare * f / s for m, f in zip(need_min, flex, strict=True)]


#: a table cell's top and bottom margin (inches); a dense table (the top 10) passes less
CELL_PAD_IN = 0.05


def row_height_in(
    cells: list[str], widths: list[float], size_pt: float, bold=False, pad_in: float = CELL_PAD_IN
) -> float:
    lines = 1
    for c, w in zip(cells, widths, strict=True):
        lines = max(lines, len(wrap(str(c), w - 2 * CELL_MARGIN_IN, size_pt, bold)))
    return lines * line_height_in(size_pt) + 2 * pad_in + 0.02


def paginate(
    headers: list[Column],
    rows: list[list[str]],
    width_in: float,
    height_in: float,
    size_pt: float,
    pad_in: float = CELL_PAD_IN,
) -> tuple[list[float], list[list[list[str]]], list[list[float]]]:
    """Column widths and the rows cut into pages that fit ``height_in`` (header repeated)."""
    widths = column_widths(headers, rows, width_in, size_pt)
    head_h = row_height_in([c.header for c in headers], widths, size_pt, bold=True, pad_in=pad_in)
    pages: list[list[list[str]]] = [[]]
    heights: list[list[float]] = [[]]
    used = head_h
    for r in rows:
        h = row_height_in(r, widths, size_pt, pad_in=pad_in)
        if pages[-1] and used + h > height_in:
            pages.append([])
            heights.append([])
            used = head_h
        pages[-1].append(r)
        heights[-1].append(h)
        used += h
    return widths, pages, heights


def style_run(run, size_pt: float, bold: bool = False, color: str | None = None) -> None:
    f = run.font
    f.name = FONT
    f.size = Pt(size_pt)
    f.bold = bold
    if color:
        f.color.rgb = RGBColor.from_string(color)


def add_text(
    slide,
    left_in: float,
    top_in: float,
    width_in: float,
    lines: list[str] | str,
    size_pt: float = 18,
    *,
    bold: bool = False,
    color: str | None = None,
    align: str = "left",
    fill: str | None = None,
    bullets: bool = False,
) -> float:
    """A text box whose height is measured from the wrapped text; returns its height (in)."""
    if isinstance(lines, str):
        lines = [lines]
    inner = width_in - 0.2
    n_lines = sum(len(wrap(("• " if bullets else "") + ln, inner, size_pt, bold)) for ln in lines)
    height = n_lines * line_height_in(size_pt) * FONT_LINE_EM + 0.15
    box = slide.shapes.add_textbox(
        Inches(left_in), Inches(top_in), Inches(width_in), Inches(height)
    )
    tf = box.text_frame
    tf.word_wrap = True
    tf.margin_left = tf.margin_right = Inches(0.1)
    tf.margin_top = tf.margin_bottom = Inches(0.05)
    tf.vertical_anchor = MSO_ANCHOR.TOP
    if fill:
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor.from_string(fill)
    for i, ln in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = {"left": PP_ALIGN.LEFT, "right": PP_ALIGN.RIGHT, "center": PP_ALIGN.CENTER}[
            align
        ]
        p.line_spacing = LINE_SPACING
        run = p.add_run()
        run.text = ("• " if bullets else "") + ln
        style_run(run, size_pt, bold, color)
    return height


def add_table(
    slide,
    left_in: float,
    top_in: float,
    headers: list[Column],
    rows: list[list[str]],
    widths: list[float],
    heights: list[float],
    size_pt: float,
    pad_in: float = CELL_PAD_IN,
) -> float:
    """A table with the measured widths/heights, white background, header shaded; returns height."""
    head_h = row_height_in([c.header for c in headers], widths, size_pt, bold=True, pad_in=pad_in)
    total_h = head_h + sum(heights)
    shape = slide.shapes.add_table(
        len(rows) + 1,
        len(headers),
        Inches(left_in),
        Inches(top_in),
        Inches(sum(widths)),
        Inches(total_h),
    )
    tab = shape.table
    tab.first_row = True
    for j, w in enumerate(widths):
        tab.columns[j].width = Emu(int(Inches(w)))
    tab.rows[0].height = Emu(int(Inches(head_h)))
    for i, h in enumerate(heights, start=1):
        tab.rows[i].height = Emu(int(Inches(h)))
    for i, row in enumerate([[c.header for c in headers], *rows]):
        for j, v in enumerate(row):
            cell = tab.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_IN)
            cell.margin_top = cell.margin_bottom = Inches(pad_in)
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGBColor.from_string(
                "1F3864" if i == 0 else ("FFFFFF" if i % 2 else "EEF2F7")
            )
            tf = cell.text_frame
            tf.word_wrap = True
            p = tf.paragraphs[0]
            p.alignment = {
                "left": PP_ALIGN.LEFT,
                "right": PP_ALIGN.RIGHT,
                "center": PP_ALIGN.CENTER,
            }[headers[j].align if i else "left"]
            run = p.add_run()
            run.text = str(v)
            style_run(run, size_pt, bold=i == 0, color="FFFFFF" if i == 0 else "000000")
    return total_h


def ceil_div(a: float, b: float) -> int:
    return int(math.ceil(a / b)) if b else 0
