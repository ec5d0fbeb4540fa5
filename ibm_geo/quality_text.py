"""Data-quality tables in the reader's language.

Loaders and matchers record each problem as a code with its parameters
(:class:`ibm_geo.quality.Msg`); this module renders them, and the headers, for people. A row
recorded as plain text (no code) is shown as it is.
"""

from __future__ import annotations

import pandas as pd

from ibm_geo.i18n import t
from ibm_geo.quality import CODE_COLUMNS, render


def localize_quality(quality: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """The quality table as a person reads it: problem and action in ``lang``, headers in
    ``lang``, the code columns left out."""
    q = rendered(quality, lang)
    return q.rename(columns=lambda c: t(_SHARED_HEADERS.get(c, f"quality.header.{c}"), lang))


#: quality headers that already have a text elsewhere (one text per concept)
_SHARED_HEADERS = {"value": "field.value"}


def rendered(quality: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """``problem`` and ``action`` rendered in ``lang`` from their codes (text without a code
    kept), the code columns dropped."""
    q = quality.copy()
    for col in ("problem", "action"):
        code = f"_{col}"
        if col in q and code in q:
            keys = q[code].astype(object)
            uniq = {k: render(k, lang) for k in pd.unique(keys.dropna())}
            q[col] = [
                uniq[k] if isinstance(k, str) and k else v
                for k, v in zip(keys, q[col].astype(object), strict=True)
            ]
    return q.drop(columns=[c for c in CODE_COLUMNS if c in q])
