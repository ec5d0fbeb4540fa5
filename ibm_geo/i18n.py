"""The library's texts: one catalogue per package, ``locales/<lang>.json`` (Bahasa Indonesia by
default for the rakor audience, English on request), read by :func:`t`.

``t(key, lang="id", **fmt)`` returns the text for ``key`` formatted with ``fmt``. A missing key
raises :class:`KeyError` when ``IBM_GEO_STRICT_TEXTS=1`` (the tests set it), and otherwise
returns the key so a missing text is visible but never crashes an export. The app adds its own
catalogue with :func:`add_catalogue`; texts derived from another declaration (score components)
come in through :func:`register`.
"""

from __future__ import annotations

import json
import numbers
import os
from pathlib import Path

import numpy as np
import pandas as pd

LANGS = ("id", "en")

#: this package's catalogue
LOCALES = Path(__file__).resolve().parent / "locales"


def load_catalogue(folder: Path) -> dict[str, dict[str, str]]:
    """{key: {lang: text}} from ``folder/<lang>.json`` (one flat JSON object per language)."""
    out: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        table = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        for key, text in table.items():
            out.setdefault(key, {})[lang] = text
    return out


_TEXT: dict[str, dict[str, str]] = load_catalogue(LOCALES)


def _strict() -> bool:
    return os.environ.get("IBM_GEO_STRICT_TEXTS") == "1"


def has(key: str) -> bool:
    """Whether the catalogue holds ``key``."""
    return key in _TEXT


def t(key: str, lang: str = "id", **fmt: object) -> str:
    """Text for ``key`` in ``lang`` (falls back to Indonesian; a missing key raises under
    ``IBM_GEO_STRICT_TEXTS=1``, else gives the key)."""
    entry = _TEXT.get(key)
    if entry is None:
        if _strict():
            raise KeyError(
                f"text {key!r} is in no catalogue (ibm_geo/locales, ibm_geo_app/locales)"
            )
        return key
    text = entry.get(lang) or entry.get("id") or key
    return text.format(**fmt) if fmt else text


def value_label(kind: str, value: object, lang: str = "id") -> object:
    """A coded value of an exported or shown table as the reader reads it: ``kind`` names the
    vocabulary (``match`` for :data:`ibm_geo.matching.METHODS`, ``status`` for a unit's service
    status, ``level`` for an area level, ``bool``), ``value`` the code. Exporters call this at
    the edge; a value outside the vocabulary (a name, a number, None) passes through unchanged."""
    if not isinstance(value, str):
        return value
    entry = _TEXT.get(f"{kind}.{value}")
    if entry is None:
        return value
    return entry.get(lang) or entry.get("id") or value


#: the internal column of a table's texts stored as (code, parameters) parts (a pilot's
#: reasons): rendered by :func:`render_parts`, never exported
REASON_PARTS = "_reason"


def text_column(base: str, lang: str = "id") -> str:
    """The column of a text stored in both languages (``reason_id`` / ``reason_en``,
    ``comparison_reason_*``) that the reader of ``lang`` reads: the one place that picks it."""
    return f"{base}_{lang if lang in LANGS else 'id'}"


def render_parts(parts, lang: str = "id", sep: str = "; ") -> str:
    """A text stored as (code, parameters) parts (a pilot's reasons), in ``lang``: each part is
    the catalogue's text for its code, counts and ranks (ints) grouped, scores and kilometres
    (floats) with one decimal, as the reader writes them; the parts joined with ``sep``."""
    out = []
    for code, params in parts:
        values = {
            k: v if isinstance(v, str | bool) or not isinstance(v, numbers.Number)
            else fmt_num(v, lang, 0 if isinstance(v, numbers.Integral) else 1)
            for k, v in params.items()
        }  # fmt: skip
        out.append(t(code, lang, **values))
    return sep.join(out)


def column_label(column: object, lang: str = "id") -> str:
    """The header people read for a table column (``field.<column>``), so the XLSX sheets, the
    app tables and the slides name a column alike; a column without a text keeps its name."""
    key = f"field.{column}"
    return t(key, lang) if key in _TEXT else str(column)


def register(entries: dict[str, dict[str, str]]) -> None:
    """Add texts derived from another declaration (e.g. the score components' labels)."""
    for key, langs in entries.items():
        _TEXT.setdefault(key, {}).update(langs)


def add_catalogue(folder: Path) -> None:
    """Add another package's catalogue (the app's ``ibm_geo_app/locales``)."""
    register(load_catalogue(folder))


def keys() -> list[str]:
    return sorted(_TEXT)


try:  # pandas' missing value, when pandas is there (it always is in ibm-geo)
    from pandas import NA as pd_NA
except ImportError:  # pragma: no cover
    pd_NA = object()

#: Indonesian swaps the English separators: ``1,300.5`` -> ``1.300,5``
_ID_SEPARATORS = str.maketrans({",": ".", ".": ","})


def fmt_num(v: object, lang: str = "id", decimals: int = 0) -> str:
    """A number as the reader writes it: ``1300`` -> ``1.300`` (id) / ``1,300`` (en); ``61.13``
    with 1 decimal -> ``61,1`` / ``61.1``. The one number formatter of every text people read
    (reasons, maps, deck, XLSX text, CLI), so no output mixes ``61.1`` with ``1.300``.

    Strings (a hidden count ``*``) pass through unchanged; None/NaN give ``"–"``.
    """
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    if isinstance(v, str):
        return v
    if not isinstance(v, numbers.Number):
        return "–" if str(v) == "<NA>" else str(v)
    s = f"{v:,.{decimals}f}" if decimals else f"{round(float(v)):,d}"
    return s.translate(_ID_SEPARATORS) if lang == "id" else s


def fmt_nums(values, lang: str = "id", decimals: int = 0) -> list[str]:
    """:func:`fmt_num` of every value of a column, without a call per value (a national
    table's reasons format about a million numbers): the same text, value by value.

    A whole-number column is formatted by one ``format`` per value and one translate (a
    national rank column: 83k distinct values); any other column once per distinct value
    (counts, bands and rounded scores repeat a lot).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=None)
    if not len(s):
        return []
    if decimals == 0 and pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        return _join_translate(map("{:,d}".format, s.tolist()), lang)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    u = np.asarray(uniques)
    if (
        u.dtype.kind == "f" and len(u) and (np.abs(u) < 2**53).all()
    ):  # the same format calls as fmt_num's
        if decimals:
            texts = _join_translate(map(f"{{:,.{decimals}f}}".format, u.tolist()), lang)
        else:
            texts = _join_translate(map("{:,d}".format, np.rint(u).astype(np.int64).tolist()), lang)
    else:
        texts = [fmt_num(v, lang, decimals) for v in uniques]
    return np.asarray([*texts, "\u2013"], dtype=object)[codes].tolist()


def _join_translate(texts, lang: str) -> list[str]:
    """English-formatted numbers in the reader's separators: one translate over the joined
    text instead of one per number."""
    texts = list(texts)
    if lang != "id" or not texts:
        return texts
    # three str.replace passes (memchr speed) instead of str.translate (a dict lookup per
    # character): the same swap, ten times faster on a national column; "\0" never occurs
    # in a formatted number
    joined = "\n".join(texts).replace(",", "\0").replace(".", ",").replace("\0", ".")
    return joined.split("\n")


def fmt_kms(metres, lang: str = "id") -> list[str]:
    """:func:`fmt_km` of every value of a column (see :func:`fmt_nums`)."""
    m = np.array([np.nan if v is None else v for v in metres], dtype=float)
    # once per distinct distance (rounded distances repeat a lot), not once per row
    codes, uniques = pd.factorize(m, use_na_sentinel=True)
    texts = [f"{t} km" for t in fmt_nums(uniques / 1000, lang, 1)] if len(uniques) else []
    return np.asarray([*texts, "-"], dtype=object)[codes].tolist()


def fmt_km(metres: float | None, lang: str = "id") -> str:
    """A distance in metres as kilometres with one decimal: ``8000`` -> ``8,0 km`` (id)."""
    if metres is None or metres != metres:
        return "-"
    return f"{fmt_num(float(metres) / 1000, lang, 1)} km"
